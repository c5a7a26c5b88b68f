import {
  ALL_MANAGEMENT_EVENTS,
  COMMAND_RIGHTS,
  commandRights,
  neededEvents,
  resourceFor,
  runDoctor,
  simulationPrincipal,
  UnverifiableError,
  type DoctorOptions,
  type DoctorReader,
  type PinnedProvider,
  type ScheduleRules,
  type ProviderState,
  type RuleInfo,
  type SecretInfo,
  type TrailInfo,
} from '../../../lib/doctor/index.js';
import { IamDataCatalog } from '../../../lib/reports/catalog.js';
import { formatDoctorReport } from '../../../cli/commands/doctor.js';

const ACCOUNT = '111122223333';
const ROTATE = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:gatewarden-prod-rotate`;
const DETECT = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:gatewarden-prod-detect`;
const SECRET = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:gatewarden/gw1/apiKey/weather-AbCdEf`;

/** One rule per needed source, as the deployment makes them (read-only events included). */
function deployedRules(): RuleInfo[] {
  const bySource = new Map<string, string[]>();
  for (const e of neededEvents()) {
    bySource.set(e.source, [...(bySource.get(e.source) ?? []), e.eventName]);
  }
  return [...bySource].map(([source, names]) => ({
    name: `gatewarden-prod-detect-${source.slice(4)}`,
    state: ALL_MANAGEMENT_EVENTS,
    eventBusName: 'default',
    pattern: {
      source: [source],
      'detail-type': ['AWS API Call via CloudTrail', 'AWS Service Event via CloudTrail'],
      detail: names.includes('*')
        ? { eventSource: [`${source.slice(4)}.amazonaws.com`] }
        : { eventName: names },
    },
    targetArns: [DETECT],
  }));
}

/** An in-memory account: a healthy deployment unless a test changes a field. */
function account() {
  return {
    callerArn: `arn:aws:sts::${ACCOUNT}:assumed-role/GatewayAdmin/alice`,
    denied: new Set<string>(),
    simulate: true,
    trails: [
      {
        name: 'management',
        arn: `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/management`,
        multiRegion: true,
        logging: true,
        managementEvents: 'All',
        dataEventTypes: [],
      },
    ] as TrailInfo[],
    rules: deployedRules(),
    secrets: [
      {
        arn: SECRET,
        name: 'gatewarden/gw1/apiKey/weather',
        gatewayId: 'gw1',
        kind: 'apiKey',
        rotationEnabled: true,
        rotationLambdaArn: ROTATE,
        schedule: 'rate(30 days)',
        rules: { automaticallyAfterDays: 30 },
      },
    ] as SecretInfo[],
    registeredSchedules: new Map<string, ScheduleRules>([[SECRET, { automaticallyAfterDays: 30 }]]),
    pinned: new Map<string, PinnedProvider | null | undefined>([
      [SECRET, { type: 'apiKey', name: 'weather', secretSource: 'EXTERNAL' }],
    ]),
    providers: new Map<string, ProviderState>([
      [
        'weather',
        { name: 'weather', secretSource: 'EXTERNAL', secretArn: SECRET, jsonKey: 'apiKey' },
      ],
    ]),
  };
}
type Account = ReturnType<typeof account>;

function readerOf(a: Account): DoctorReader & { simulated: string[] } {
  const simulated: string[] = [];
  return {
    simulated,
    caller: async () => ({ arn: a.callerArn, account: ACCOUNT }),
    simulate: async (principal, rights) => {
      if (!a.simulate) throw new UnverifiableError('iam:SimulatePrincipalPolicy is not served');
      simulated.push(principal);
      return new Map(
        rights.map((r) => [r.action, a.denied.has(r.action) ? 'denied' : 'allowed'] as const),
      );
    },
    trails: async () => a.trails,
    rules: async (prefix) => a.rules.filter((r) => r.name.startsWith(prefix)),
    secrets: async (gatewayId) => a.secrets.filter((s) => !gatewayId || s.gatewayId === gatewayId),
    pinnedProvider: async (arn) => (a.pinned.has(arn) ? a.pinned.get(arn) : null),
    registeredSchedule: async (arn) => a.registeredSchedules.get(arn),
    provider: async (_type, name) => a.providers.get(name) ?? null,
  };
}

const options: DoctorOptions = {
  stage: 'prod',
  region: 'us-east-1',
  stateTable: 'gatewarden-prod-state',
  rotationFunctionArn: ROTATE,
  detectTargets: [DETECT],
};

describe('gatewarden doctor', () => {
  it('passes a healthy deployment, simulating the role behind the caller session', async () => {
    // Prepare
    const reader = readerOf(account());

    // Act
    const report = await runDoctor(reader, options);

    // Assess
    expect(report.checks.filter((c) => c.status !== 'pass')).toEqual([]);
    expect(report.ok).toBe(true);
    expect(reader.simulated).toContain(`arn:aws:iam::${ACCOUNT}:role/GatewayAdmin`);
    expect(report.checks.map((c) => c.id)).toEqual(
      expect.arrayContaining([
        ...Object.keys(COMMAND_RIGHTS).map((c) => `rights.${c}`),
        'trail',
        'rules.delivery',
        'secret.rotation:gatewarden/gw1/apiKey/weather',
        'secret.schedule:gatewarden/gw1/apiKey/weather',
        'secret.function:gatewarden/gw1/apiKey/weather',
        'secret.provider:gatewarden/gw1/apiKey/weather',
        'secret.json-key:gatewarden/gw1/apiKey/weather',
      ]),
    );
  });

  it.each<[string, (a: Account) => void, string, RegExp]>([
    [
      'a missing right',
      (a) => a.denied.add('cloudtrail:LookupEvents'),
      'rights.report',
      /lacks 1 .*gatewarden report.*cloudtrail:LookupEvents/,
    ],
    [
      'a disabled rule',
      (a) => {
        const rule = a.rules.find((r) => r.name.endsWith('-secretsmanager'));
        if (rule) rule.state = 'DISABLED';
      },
      'rules.delivery',
      /rule gatewarden-prod-detect-secretsmanager is DISABLED: detect receives none of \d+ event/,
    ],
    [
      'a read-only event behind a plain ENABLED rule',
      (a) => {
        const rule = a.rules.find((r) => r.name.endsWith('-secretsmanager'));
        if (rule) rule.state = 'ENABLED';
      },
      'rules.delivery',
      /is ENABLED; read-only events reach only rules in state ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS.*GetSecretValue/,
    ],
    [
      'a rule aimed elsewhere',
      (a) => {
        const rule = a.rules.find((r) => r.name.endsWith('-cloudtrail'));
        if (rule) rule.targetArns = ['arn:aws:sqs:us-east-1:111122223333:elsewhere'];
      },
      'rules.delivery',
      /targets arn:aws:sqs:.*elsewhere, not the detect function/,
    ],
    [
      'a rule that delivers only some of the events (errors only)',
      (a) => {
        const rule = a.rules.find((r) => r.name.endsWith('-cloudtrail'));
        if (rule)
          rule.pattern = {
            'detail-type': ['AWS API Call via CloudTrail'],
            detail: { errorCode: ['AccessDenied'] },
          };
      },
      'rules.delivery',
      /no rule matches it: detect receives none of \d+ event.*aws\.cloudtrail:/,
    ],
    [
      'no rules at all',
      (a) => (a.rules = []),
      'rules.delivery',
      /no EventBridge rule named gatewarden-prod-detect-\*/,
    ],
    [
      'rotation disabled',
      (a) => {
        const secret = a.secrets[0];
        if (secret) secret.rotationEnabled = false;
      },
      'secret.rotation:gatewarden/gw1/apiKey/weather',
      /rotation is disabled/,
    ],
    [
      'a schedule pushed 1000 days out',
      (a) => {
        const secret = a.secrets[0];
        if (secret) secret.rules = { automaticallyAfterDays: 1000 };
      },
      'secret.schedule:gatewarden/gw1/apiKey/weather',
      /schedule lengthened: rotates every 1000 days, registered every 30 days/,
    ],
    [
      'a rate schedule longer than the registered days',
      (a) => {
        const secret = a.secrets[0];
        if (secret) secret.rules = { scheduleExpression: 'rate(800 hours)' };
      },
      'secret.schedule:gatewarden/gw1/apiKey/weather',
      /schedule lengthened: rotates rate\(800 hours\), registered every 30 days/,
    ],
    [
      'a cron schedule in place of the registered one',
      (a) => {
        const secret = a.secrets[0];
        if (secret) secret.rules = { scheduleExpression: 'cron(0 4 1 1 ? *)' };
      },
      'secret.schedule:gatewarden/gw1/apiKey/weather',
      /schedule changed: rotates cron\(0 4 1 1 \? \*\), registered every 30 days/,
    ],
    [
      'another rotation function',
      (a) => {
        const secret = a.secrets[0];
        if (secret) secret.rotationLambdaArn = ROTATE.replace('prod', 'dev');
      },
      'secret.function:gatewarden/gw1/apiKey/weather',
      /rotates with .*gatewarden-dev-rotate, not the deployed rotate function/,
    ],
    [
      'a wrong JSON key',
      (a) =>
        a.providers.set('weather', {
          name: 'weather',
          secretSource: 'EXTERNAL',
          secretArn: SECRET,
          jsonKey: 'api_key',
        }),
      'secret.json-key:gatewarden/gw1/apiKey/weather',
      /reads key api_key \(apiKeySecretJsonKey\), but gatewarden keeps the credential under apiKey/,
    ],
    [
      'a provider gone',
      (a) => a.providers.clear(),
      'secret.provider:gatewarden/gw1/apiKey/weather',
      /credential provider weather does not exist/,
    ],
    [
      'no binding',
      (a) => a.pinned.clear(),
      'secret.provider:gatewarden/gw1/apiKey/weather',
      /no binding in the state table/,
    ],
    [
      'a trail that stopped logging',
      (a) => {
        const trail = a.trails[0];
        if (trail) trail.logging = false;
      },
      'trail',
      /no trail logs management events \(management: logging stopped\)/,
    ],
    [
      'a trail of writes only',
      (a) => {
        const trail = a.trails[0];
        if (trail) trail.managementEvents = 'WriteOnly';
      },
      'trail',
      /logs WriteOnly management events only/,
    ],
  ])('names %s', async (_what, breakIt, id, message) => {
    const a = account();
    breakIt(a);

    const report = await runDoctor(readerOf(a), options);

    const failed = report.checks.filter((c) => c.status === 'fail');
    expect(failed.map((c) => c.id)).toEqual([id]);
    expect(failed[0]?.message).toMatch(message);
    expect(report.ok).toBe(false);
  });

  it('says what it could not verify, and that is no failure', async () => {
    const a = account();
    a.simulate = false;

    const report = await runDoctor(readerOf(a), { ...options, rotationFunctionArn: undefined });

    const unverified = report.checks.filter((c) => c.status === 'unverified');
    expect(unverified.map((c) => c.id).sort()).toEqual(
      [
        ...Object.keys(COMMAND_RIGHTS).map((c) => `rights.${c}`),
        'secret.function:gatewarden/gw1/apiKey/weather',
      ].sort(),
    );
    expect(unverified[0]?.message).toMatch(
      /could not verify .*SimulatePrincipalPolicy is not served/,
    );
    expect(report.ok).toBe(true);
  });

  it('requires gateway data events only when asked', async () => {
    const quiet = await runDoctor(readerOf(account()), options);
    const asked = await runDoctor(readerOf(account()), { ...options, gatewayDataEvents: true });

    expect(quiet.checks.some((c) => c.id === 'trail.gateway-data-events')).toBe(false);
    expect(asked.checks.find((c) => c.id === 'trail.gateway-data-events')?.status).toBe('fail');
  });

  it.each([
    [
      'secretsmanager:RotateSecret',
      /^arn:aws:secretsmanager:us-east-1:111122223333:secret:gatewarden\//,
    ],
    ['secretsmanager:ListSecrets', /^\*$/],
    ['dynamodb:PutItem', /^arn:aws:dynamodb:us-east-1:111122223333:table\/gatewarden-prod-state$/],
    [
      'bedrock-agentcore:UpdateApiKeyCredentialProvider',
      /:token-vault\/default\/apikeycredentialprovider\//,
    ],
    [
      'bedrock-agentcore:GetOauth2CredentialProvider',
      /:token-vault\/default\/oauth2credentialprovider\//,
    ],
    ['bedrock-agentcore:GetGateway', /:gateway\/doctor-probe$/],
    ['bedrock-agentcore:ListGateways', /^\*$/],
  ])('simulates %s on a resource of its kind', (action, resource) => {
    const ctx = {
      account: ACCOUNT,
      region: 'us-east-1',
      stage: 'prod',
      stateTable: 'gatewarden-prod-state',
    };
    expect(resourceFor(action, ctx)).toMatch(resource);
  });

  it.each([
    ['arn:aws:sts::111122223333:assumed-role/Admin/alice', 'arn:aws:iam::111122223333:role/Admin'],
    ['arn:aws:iam::111122223333:user/ops/bob', 'arn:aws:iam::111122223333:user/ops/bob'],
    ['arn:aws:sts::123456789012:user/moto', 'arn:aws:iam::123456789012:user/moto'],
    ['arn:aws:iam::111122223333:root', undefined],
  ])('simulates %s as %s', (caller, principal) => {
    expect(simulationPrincipal(caller)).toBe(principal);
  });
});

describe('the rights doctor simulates', () => {
  const catalog = new IamDataCatalog();
  const ctx = {
    account: ACCOUNT,
    region: 'us-east-1',
    stage: 'prod',
    stateTable: 'gatewarden-prod-state',
  };
  const rights = Object.keys(COMMAND_RIGHTS).flatMap((command) => commandRights(command, ctx));

  it.each(rights.map((r) => [r.action, r.resource]))(
    '%s exists and %s is a resource it can be scoped to',
    async (action, resource) => {
      expect(await catalog.canonical(action)).toBe(action);
      if (resource === '*') return;
      const patterns = (await catalog.resourcePatterns(action)) ?? [];
      const matches = patterns.some((p) =>
        new RegExp(
          `^${p
            .replace(/[.+^${}()|[\]\\]/g, '\\$&')
            .replace(/\*/g, '.*')
            .replace(/\?/g, '.')}$`,
        ).test(resource),
      );
      expect({ action, resource, matches }).toEqual({ action, resource, matches: true });
    },
  );
});

describe('gatewarden doctor with nothing registered', () => {
  it.each([[undefined], ['gw-9']])(
    'says in one passing line that there is no secret to check, and how to add one (gateway %s)',
    async (gatewayId) => {
      // Prepare
      const a = account();
      a.secrets = [];
      // Act
      const report = await runDoctor(readerOf(a), {
        ...options,
        ...(gatewayId ? { gatewayId } : {}),
      });
      // Assess
      const secrets = report.checks.filter((c) => c.area === 'secrets');
      const line = `no registered secret${gatewayId ? ` for gateway ${gatewayId}` : ''} yet, nothing to check: \`gatewarden register apikey|oauth|inbound\` puts one under gatewarden`;
      expect(secrets).toEqual([{ id: 'secrets', area: 'secrets', status: 'pass', message: line }]);
      expect(report.ok).toBe(true);
      expect(formatDoctorReport(report)).toContain(`registered secrets\n  ok   ${line}\n`);
    },
  );
});
