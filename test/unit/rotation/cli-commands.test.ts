import {
  inputFromFlags,
  issuerFromFlags,
  type RegisterFlags,
} from '../../../cli/commands/register.js';
import {
  endpointIsLocal,
  humanLogLine,
  type RotateCommandDeps,
  runRotate,
} from '../../../cli/commands/rotate.js';
import { encodeRotationFailureTag, ROTATION_FAILURE_TAG } from '../../../lib/rotation/alerts.js';
import { MemoryRotationControl } from '../../../lib/rotation/onDemandMemory.js';
import { TAGS } from '../../../lib/shared/env.js';

class Capture {
  text = '';
  constructor(readonly isTTY = false) {}
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

function deps(
  control: MemoryRotationControl,
  stderr = new Capture(),
): RotateCommandDeps & { stdout: Capture; stderr: Capture } {
  return {
    control: () => control,
    rotationDeps: async () => {
      throw new Error('the engine is not used in Secrets Manager mode');
    },
    alertSinks: () => [],
    stdout: new Capture(),
    stderr,
    env: {},
  };
}

/** Two secrets of gw-1 whose rotation function "runs" when RotateSecret is called. */
function control(): MemoryRotationControl {
  const c = new MemoryRotationControl();
  for (const name of ['a', 'b']) {
    c.add(`gatewarden/gw-1/apiKey/${name}`, '{}', {
      [TAGS.gateway]: 'gw-1',
      [TAGS.kind]: 'apiKey',
    }).rotationLambdaArn = 'arn:fn';
  }
  return c;
}

const base = { concurrency: '4', timeout: '5', local: false };

const NO_GW9 =
  'no secret carries the tag gatewarden:gateway=gw-9 in this account and region (registered secrets carry gatewarden:gateway=<gateway id>)';
const NO_TEAM =
  'no secret carries the tag team=payments in this account and region (registered secrets carry gatewarden:gateway=<gateway id>)';

describe('gatewarden rotate --sweep with nothing to sweep', () => {
  it.each([
    [{}, 'no registered gatewarden secret in this account and region'],
    [{ gateway: 'gw-9' }, NO_GW9],
    [{ tag: 'team=payments' }, NO_TEAM],
  ])(
    'says so in one line, exit 0 (%j), and gives the reason under --json',
    async (selection, why) => {
      const d = deps(new MemoryRotationControl());
      d.rotationDeps = async () => ({}) as never;
      const code = await runRotate({ ...base, sweep: true, ...selection }, d);
      expect(code).toBe(0);
      expect(d.stdout.text).toBe(`nothing to sweep: ${why}\n`);
      const json = deps(new MemoryRotationControl());
      json.rotationDeps = async () => ({}) as never;
      expect(await runRotate({ ...base, sweep: true, json: true, ...selection }, json)).toBe(0);
      expect(JSON.parse(json.stdout.text)).toEqual({ swept: [], nothing: why });
    },
  );
});

describe('gatewarden rotate with nothing to rotate', () => {
  it.each([
    [{ gateway: 'gw-9' }, NO_GW9],
    [{ tag: 'team=payments' }, NO_TEAM],
  ])('says so in one line and exits 0 (%j)', async (selection, why) => {
    // Prepare: secrets exist, none carries the tag asked for.
    const d = deps(control());
    // Act
    const code = await runRotate({ ...base, ...selection }, d);
    // Assess
    expect(code).toBe(0);
    expect(d.stdout.text).toBe(`nothing to rotate: ${why}\n`);
    expect(d.stderr.text).toBe('');
  });

  it('gives an empty result list and the reason under --json, in local mode too', async () => {
    const d = deps(control());
    const code = await runRotate({ ...base, local: true, gateway: 'gw-9', json: true }, d);
    expect(code).toBe(0);
    expect(JSON.parse(d.stdout.text)).toEqual({
      mode: 'local',
      succeeded: 0,
      started: 0,
      failed: 0,
      results: [],
      nothing: NO_GW9,
    });
    // Nothing was set up for rotations that will not run: no "local stack detected" line.
    expect(d.stderr.text).toBe('');
  });

  it('still fails on a named secret that does not exist (an error, not nothing to do)', async () => {
    const d = deps(control());
    await expect(runRotate({ ...base, secret: 'gatewarden/nope' }, d)).rejects.toThrow();
    expect(d.stdout.text).toBe('');
  });
});

describe('gatewarden rotate (Secrets Manager mode)', () => {
  it('starts rotations and prints one line each without --wait', async () => {
    const c = control();
    const d = deps(c);
    const code = await runRotate({ ...base, gateway: 'gw-1' }, d);
    expect(code).toBe(0);
    expect(d.stdout.text).toMatch(/→ .*gatewarden\/gw-1\/apiKey\/a.* rotation started/);
    expect(d.stdout.text).toContain('0 rotated, 2 started, 0 failed');
  });

  it('follows each rotation with --wait and says which step failed and why', async () => {
    // Prepare: "a" lands, "b" fails in testSecret, as the rotate function would record it.
    const c = control();
    c.onRotate = (secret, versionId) => {
      if (secret.name.endsWith('/a')) c.land(secret.arn, versionId, '{"new":1}');
      else {
        secret.versions.set(versionId, { value: '{}', stages: ['AWSPENDING'] });
        secret.tags[ROTATION_FAILURE_TAG] = encodeRotationFailureTag({
          secretArn: secret.arn,
          step: 'testSecret',
          errorClass: 'CredentialTestError',
          versionId,
          reason: 'probe answered 401',
        });
      }
    };
    const d = deps(c, new Capture(true));

    // Act
    const code = await runRotate({ ...base, gateway: 'gw-1', wait: true, json: true }, d);

    // Assess
    expect(code).toBe(1);
    const report = JSON.parse(d.stdout.text) as {
      mode: string;
      succeeded: number;
      failed: number;
      results: Record<string, unknown>[];
    };
    expect(report).toMatchObject({ mode: 'secretsManager', succeeded: 1, failed: 1 });
    expect(report.results[1]).toMatchObject({
      step: 'testSecret',
      errorClass: 'CredentialTestError',
      reason: 'probe answered 401',
    });
    expect(d.stderr.text).toMatch(/\[2\/2\] 1 failed/); // progress on a TTY, on stderr
  });

  it.each([
    [{ gateway: 'gw-1', secret: 'x' }, /exactly one of/],
    [{}, /exactly one of/],
    [{ gateway: 'gw-1', concurrency: '0' }, /--concurrency must be a positive integer/],
    [{ sweep: true, gateway: 'gw-1', tag: 'a=b' }, /exactly one of/],
  ])('rejects %j', async (options, message) => {
    await expect(runRotate({ ...base, ...options }, deps(control()))).rejects.toThrow(message);
  });
});

describe('endpointIsLocal', () => {
  it.each([
    [{ AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' }, true],
    [{ AWS_ENDPOINT_URL: 'http://localhost:4566' }, true],
    [{ AWS_ENDPOINT_URL: 'https://secretsmanager.eu-west-1.amazonaws.com' }, false],
    [{}, false],
  ])('%j → %s', (env, local) => {
    expect(endpointIsLocal(env)).toBe(local);
  });
});

describe('gatewarden register flags', () => {
  const flags = (over: Partial<RegisterFlags>): RegisterFlags => ({
    issuer: 'generated',
    schedule: 'rate(30 days)',
    grace: '24h',
    resourcePolicy: true,
    ...over,
  });

  it.each([
    ['apiKey', { issuer: 'generated', length: '64' }, { type: 'generated', length: 64 }],
    [
      'apiKey',
      { issuer: 'webhook', webhookUrl: 'https://k.example.com', hmacSecret: 'gatewarden-admin/h' },
      { type: 'webhook', url: 'https://k.example.com', hmacSecretArn: 'gatewarden-admin/h' },
    ],
    [
      'oauthClient',
      { issuer: 'cognito', userPool: 'p', clientId: 'c' },
      { type: 'cognito', userPoolId: 'p', clientId: 'c' },
    ],
    [
      'oauthClient',
      {
        issuer: 'rfc7592',
        registrationUri: 'https://i/reg/1',
        registrationTokenSecret: 'gatewarden-admin/t',
      },
      {
        type: 'rfc7592',
        registrationClientUri: 'https://i/reg/1',
        registrationAccessTokenSecretArn: 'gatewarden-admin/t',
      },
    ],
    [
      'inboundClient',
      {
        issuer: 'okta',
        oktaOrg: 'https://o',
        clientId: 'app',
        oktaTokenSecret: 'gatewarden-admin/t',
      },
      { type: 'okta', orgUrl: 'https://o', appId: 'app', apiTokenSecretArn: 'gatewarden-admin/t' },
    ],
    [
      'oauthClient',
      {
        issuer: 'entra',
        tenant: 't',
        applicationObjectId: 'o',
        entraAdminSecret: 'gatewarden-admin/a',
      },
      {
        type: 'entra',
        tenantId: 't',
        applicationObjectId: 'o',
        adminCredentialsSecretArn: 'gatewarden-admin/a',
      },
    ],
    [
      'oauthClient',
      { issuer: 'auth0', auth0Domain: 'https://d', auth0AdminSecret: 'gatewarden-admin/a' },
      {
        type: 'auth0',
        domainUrl: 'https://d',
        managementCredentialsSecretArn: 'gatewarden-admin/a',
      },
    ],
  ] as const)('%s with %j', (kind, over, expected) => {
    expect(issuerFromFlags(kind, flags(over))).toEqual(expected);
  });

  it.each([
    ['apiKey', { issuer: 'okta' }, /--issuer must be one of generated, webhook/],
    ['oauthClient', { issuer: 'cognito', clientId: 'c' }, /--issuer cognito needs --user-pool/],
    [
      'apiKey',
      { issuer: 'webhook', hmacSecret: 'gatewarden-admin/h' },
      /exactly one of --webhook-url or --webhook-lambda/,
    ],
  ] as const)('rejects %s with %j', (kind, over, message) => {
    expect(() => issuerFromFlags(kind, flags(over))).toThrow(message);
  });

  it('takes the rotate function, KMS key and rotator role from the environment', () => {
    const input = inputFromFlags('apiKey', flags({ provider: 'p' }), {
      GATEWARDEN_ROTATION_FUNCTION_ARN: 'arn:fn',
      GATEWARDEN_SECRETS_KMS_KEY_ID: 'alias/k',
      GATEWARDEN_ROTATOR_ROLE_ARN: 'arn:role',
    });
    expect(input).toMatchObject({
      rotationLambdaArn: 'arn:fn',
      kmsKeyId: 'alias/k',
      rotatorRoleArn: 'arn:role',
      graceSeconds: 86_400,
    });
    expect(() => inputFromFlags('apiKey', flags({ provider: 'p' }), {})).toThrow(
      /pass --rotation-lambda ARN or set GATEWARDEN_ROTATION_FUNCTION_ARN/,
    );
  });
});

describe('log lines on the CLI', () => {
  it('are one readable line, not the JSON the functions write', () => {
    const line = JSON.stringify({
      level: 'WARN',
      message: 'API key has no probe or provider read-back: rotated untested',
      timestamp: '2026-12-05T10:00:00.000Z',
      service: 'gatewarden',
      secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:gatewarden/gw-1/apiKey/a',
      attempt: 2,
    });
    expect(humanLogLine(line)).toBe(
      'gatewarden: warning: API key has no probe or provider read-back: rotated untested (secretArn=arn:aws:secretsmanager:us-east-1:123456789012:secret:gatewarden/gw-1/apiKey/a, attempt=2)',
    );
  });

  it('escape what a terminal would act on, and pass text that is not JSON through escaped', () => {
    expect(humanLogLine(JSON.stringify({ level: 'ERROR', message: 'x\u001b[2Jy' }))).toBe(
      'gatewarden: error: x\\u001B[2Jy',
    );
    expect(humanLogLine('plain \u001b text')).toBe('plain \\u001B text');
  });
});
