import { IamEnforcer, serviceCaller, type Caller } from '../../../local/iam/enforcer.js';
import {
  AGENTCORE_SERVICE,
  secretResourcePolicy,
  WRITE_ACTIONS,
} from '../../../lib/rotation/registerPolicy.js';
import { PROVIDER_ARN, registeredPolicy, SWEEPER } from './registeredPolicies.js';

/*
 * The resource policy `gatewarden register` puts on each secret, judged by what it decides for
 * a request: a small evaluator of the Deny statements (the operators the policy uses) answers
 * "does this policy refuse the call?" for a principal, an action and the request's keys.
 */
const ACCOUNT = '123456789012';
const ROTATOR = `arn:aws:iam::${ACCOUNT}:role/gatewarden-prod-us-east-1-rotate`;
const ADMIN = `arn:aws:iam::${ACCOUNT}:role/gatewarden-admin`;
const GATEWAY = `arn:aws:iam::${ACCOUNT}:role/service/gateway-execution`;
const ROTATE_FN = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:gatewarden-prod-rotate`;
// Non-writer principals an attacker could hold: a reader, an admin-looking name, a user.
const NON_WRITERS = [
  GATEWAY,
  `arn:aws:iam::${ACCOUNT}:role/gatewarden-admin-copy`,
  `arn:aws:iam::${ACCOUNT}:user/ops`,
];

interface PolicyStatement {
  Sid: string;
  Effect: 'Allow' | 'Deny';
  Principal: unknown;
  Action: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

interface Request {
  principalArn: string;
  action: string;
  /** Request context keys besides aws:PrincipalArn, e.g. aws:CalledVia (multi-valued). */
  keys?: Record<string, readonly string[]>;
}

function policyFor(
  readers = [GATEWAY, ROTATOR],
  writers = [ROTATOR, ADMIN],
): { Statement: PolicyStatement[] } {
  return JSON.parse(secretResourcePolicy({ readers, writers, rotationLambdaArn: ROTATE_FN })) as {
    Statement: PolicyStatement[];
  };
}

const asList = (value: string | string[]): string[] => (Array.isArray(value) ? value : [value]);

/** IAM semantics of the operators the policy uses; a key absent from the request is empty. */
function conditionHolds(operator: string, key: string, expected: string[], request: Request) {
  const values = key === 'aws:PrincipalArn' ? [request.principalArn] : (request.keys?.[key] ?? []);
  switch (operator) {
    case 'StringNotEquals':
      return values.length === 0 || !values.some((v) => expected.includes(v));
    case 'ForAllValues:StringNotEquals':
      return values.every((v) => !expected.includes(v));
    case 'Null':
      return (values.length === 0) === (expected[0] === 'true');
    case 'Bool':
      return values.length > 0 && values.every((v) => expected.includes(v));
    default:
      throw new Error(`operator ${operator} is not modelled by this test`);
  }
}

/** Sids of the Deny statements that refuse the request. */
function denials(policy: { Statement: PolicyStatement[] }, request: Request): string[] {
  return policy.Statement.filter((s) => s.Effect === 'Deny')
    .filter((s) => s.Principal === '*' && asList(s.Action).includes(request.action))
    .filter((s) =>
      Object.entries(s.Condition ?? {}).every(([operator, keys]) =>
        Object.entries(keys).every(([key, expected]) =>
          conditionHolds(operator, key, asList(expected), request),
        ),
      ),
    )
    .map((s) => s.Sid);
}

describe('secretResourcePolicy: writers only', () => {
  const rows = WRITE_ACTIONS.flatMap((action) =>
    NON_WRITERS.map((principalArn) => [action, principalArn] as const),
  );

  it.each(rows)('refuses %s to the non-writer %s', (action, principalArn) => {
    expect(denials(policyFor(), { principalArn, action })).toEqual(['OnlyRotatorAndAdminWrite']);
  });

  it.each(WRITE_ACTIONS.flatMap((action) => [ROTATOR, ADMIN].map((p) => [action, p] as const)))(
    'leaves %s to the writer %s',
    (action, principalArn) => {
      expect(denials(policyFor(), { principalArn, action })).toEqual([]);
    },
  );

  it.each([
    'secretsmanager:PutSecretValue',
    'secretsmanager:DeleteSecret',
    'secretsmanager:PutResourcePolicy',
    'secretsmanager:ReplicateSecretToRegions',
  ])('counts %s as a write', (action) => {
    expect(WRITE_ACTIONS).toContain(action);
  });

  it('does not let a call through AgentCore write', () => {
    const request = {
      principalArn: GATEWAY,
      action: 'secretsmanager:PutSecretValue',
      keys: { 'aws:CalledVia': [AGENTCORE_SERVICE] },
    };
    expect(denials(policyFor(), request)).toEqual(['OnlyRotatorAndAdminWrite']);
  });
});

describe('secretResourcePolicy: readers only', () => {
  it.each([
    // [principal, other request keys, refused]
    [GATEWAY, {}, false],
    [ROTATOR, {}, false],
    [ADMIN, {}, true], // a writer is not a reader unless named as one
    [`arn:aws:iam::${ACCOUNT}:user/ops`, {}, true],
    [`arn:aws:iam::${ACCOUNT}:user/ops`, { 'aws:CalledVia': ['athena.amazonaws.com'] }, true],
    // No exemption for calls through AgentCore: anyone could create a provider or workload.
    [`arn:aws:iam::${ACCOUNT}:role/other`, { 'aws:CalledVia': [AGENTCORE_SERVICE] }, true],
  ] as const)('GetSecretValue by %s with %j refused: %s', (principalArn, keys, refused) => {
    const request = { principalArn, action: 'secretsmanager:GetSecretValue', keys };
    expect(denials(policyFor(), request)).toEqual(refused ? ['NobodyElseReads'] : []);
  });

  it('allows exactly the readers, sorted and without duplicates', () => {
    const [allow] = policyFor([GATEWAY, ROTATOR, GATEWAY]).Statement;
    expect(allow).toMatchObject({
      Sid: 'ReadersMayRead',
      Effect: 'Allow',
      Principal: { AWS: [ROTATOR, GATEWAY].sort() },
      Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
    });
  });
});

describe('secretResourcePolicy: the rotation function is pinned', () => {
  const rotate = (principalArn: string, lambda?: string): Request => ({
    principalArn,
    action: 'secretsmanager:RotateSecret',
    keys: lambda ? { 'secretsmanager:RotationLambdaARN': [lambda] } : {},
  });
  const OTHER_FN = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:attacker`;

  it.each([
    // [request, refused]
    ['a non-writer pointing rotation at another function', rotate(GATEWAY, OTHER_FN), true],
    ['a non-writer starting a rotation (no function given)', rotate(GATEWAY), false],
    ['a non-writer naming the gatewarden function', rotate(GATEWAY, ROTATE_FN), false],
    ['the admin re-pointing rotation (break-glass)', rotate(ADMIN, OTHER_FN), false],
    ['the rotator', rotate(ROTATOR, OTHER_FN), false],
  ] as const)('%s: refused %s', (_what, request, refused) => {
    expect(denials(policyFor(), request)).toEqual(refused ? ['RotationFunctionIsPinned'] : []);
  });
});

describe('secretResourcePolicy: input', () => {
  it.each([
    [{ readers: [], writers: [ROTATOR] }, /at least one reader/],
    [{ readers: [GATEWAY], writers: [] }, /at least one writer/],
  ])('refuses %j', (input, message) => {
    expect(() => secretResourcePolicy({ ...input, rotationLambdaArn: ROTATE_FN })).toThrow(message);
  });

  it('is the same document whatever the order of readers and writers', () => {
    expect(
      secretResourcePolicy({
        readers: [GATEWAY, ROTATOR],
        writers: [ADMIN, ROTATOR],
        rotationLambdaArn: ROTATE_FN,
      }),
    ).toBe(
      secretResourcePolicy({
        readers: [ROTATOR, GATEWAY],
        writers: [ROTATOR, ADMIN],
        rotationLambdaArn: ROTATE_FN,
      }),
    );
  });

  it('never applies a Deny to nobody: every Deny names every principal', () => {
    for (const s of policyFor().Statement.filter((st) => st.Effect === 'Deny')) {
      expect(s.Principal).toBe('*');
    }
  });
});

describe('secretResourcePolicy: the schedule is the writers’', () => {
  const rotate = (principalArn: string, modifiesRules: boolean): Request => ({
    principalArn,
    action: 'secretsmanager:RotateSecret',
    keys: modifiesRules ? { 'secretsmanager:ModifyRotationRules': ['true'] } : {},
  });

  it.each([
    // [who, refused, request]
    ['a non-writer pushing the schedule out', true, rotate(GATEWAY, true)],
    ['a non-writer starting a rotation', false, rotate(GATEWAY, false)],
    ['the admin changing the schedule', false, rotate(ADMIN, true)],
    ['the rotator', false, rotate(ROTATOR, true)],
  ] as const)('%s: refused %s', (_what, refused, request) => {
    expect(denials(policyFor(), request)).toEqual(
      refused ? ['OnlyRotatorAndAdminChangeTheSchedule'] : [],
    );
  });
});

/*
 * The exact documents `register` writes (EXTERNAL, the default, and MANAGED), judged by the
 * local IAM gate's evaluator (@cloud-copilot/iam-simulate) as AWS would judge a request: the
 * caller's identity policies, the secret's policy, the request context.
 */
describe('the documents register writes, under the real evaluator', () => {
  const SECRET = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:gatewarden/gw-1/apiKey/weather-AbCdEf`;
  const ATTACKER_PROVIDER = PROVIDER_ARN.replace(/weather$/, 'attackers-own');
  const WIDE = `arn:aws:iam::${ACCOUNT}:role/power-user`;
  let policies: Record<'EXTERNAL' | 'MANAGED', unknown>;

  beforeAll(async () => {
    policies = {
      EXTERNAL: await registeredPolicy('EXTERNAL'),
      MANAGED: await registeredPolicy('MANAGED'),
    };
  });

  const enforcerFor = (source: 'EXTERNAL' | 'MANAGED'): IamEnforcer =>
    new IamEnforcer({
      // Every role holds secretsmanager:* (PowerUserAccess would give it): the policy decides.
      principalPolicies: async () => ({
        identity: [
          {
            name: 'secretsmanager-star',
            policy: {
              Version: '2012-10-17',
              Statement: [{ Effect: 'Allow', Action: 'secretsmanager:*', Resource: '*' }],
            },
          },
        ],
      }),
      resourcePolicy: async (_action, resource) =>
        resource === SECRET ? policies[source] : undefined,
      lookups: () => {
        throw new Error('not used: authorizations are given whole');
      },
    });

  const role = (arn: string): Caller => ({
    principal: `${arn.replace(':iam::', ':sts::').replace(/:role\/(.*\/)?/, ':assumed-role/')}/session`,
    principalArn: arn,
    account: ACCOUNT,
    kind: 'role',
  });
  const agentcore = (sourceArn: string, account = ACCOUNT): Caller =>
    serviceCaller(AGENTCORE_SERVICE, { arn: sourceArn, account });
  const action = (name: string, context: Record<string, string | string[]> = {}) => ({
    action: `secretsmanager:${name}`,
    resource: SECRET,
    resourceAccount: ACCOUNT,
    context: { 'secretsmanager:SecretId': SECRET, ...context },
  });

  const viaAgentCore: Record<string, string[]> = { 'aws:CalledVia': [AGENTCORE_SERVICE] };
  const readers: [string, boolean, boolean, () => Caller, Record<string, string[]>][] = [
    // [who, EXTERNAL allowed, MANAGED allowed, caller, other request keys]
    ['AgentCore for the registered provider', true, false, () => agentcore(PROVIDER_ARN), {}],
    [
      'AgentCore for an attacker’s provider on the same secret',
      false,
      false,
      () => agentcore(ATTACKER_PROVIDER),
      {},
    ],
    [
      'AgentCore for the provider from another account',
      false,
      false,
      () => agentcore(PROVIDER_ARN, '210987654321'),
      {},
    ],
    [
      'AgentCore with no source',
      false,
      false,
      () => ({ ...agentcore(PROVIDER_ARN), source: undefined }),
      {},
    ],
    [
      'another service for the provider',
      false,
      false,
      () => serviceCaller('lambda.amazonaws.com', { arn: PROVIDER_ARN, account: ACCOUNT }),
      {},
    ],
    [
      'a role with secretsmanager:* through AgentCore',
      false,
      false,
      () => role(WIDE),
      viaAgentCore,
    ],
    ['a role with secretsmanager:*', false, false, () => role(WIDE), {}],
    ['the gateway role', true, true, () => role(GATEWAY), {}],
    ['the rotator', true, true, () => role(ROTATOR), {}],
  ];

  it.each(readers)(
    'GetSecretValue by %s: allowed on EXTERNAL %s, on MANAGED %s',
    async (_who, external, managed, caller, context) => {
      for (const [source, allowed] of [
        ['EXTERNAL', external],
        ['MANAGED', managed],
      ] as const) {
        const decision = await enforcerFor(source).authorize(
          caller(),
          action('GetSecretValue', context),
        );
        expect({ source, allowed: decision.allowed }).toEqual({ source, allowed });
      }
    },
  );

  it('names the statement that refuses an attacker’s provider', async () => {
    const decision = await enforcerFor('EXTERNAL').authorize(
      agentcore(ATTACKER_PROVIDER),
      action('GetSecretValue'),
    );
    expect(decision.decisive.join()).toContain('AgentCoreReadsOnlyForTheProvider');
  });

  it.each([
    // [who, allowed, caller, modifies the rules]
    ['a role with secretsmanager:* pushing the schedule out', false, () => role(WIDE), true],
    ['a role with secretsmanager:* starting a rotation', true, () => role(WIDE), false],
    ['the sweep (rotateNow) pushing the schedule out', false, () => role(SWEEPER), true],
    ['the admin changing the schedule', true, () => role(ADMIN), true],
  ] as const)('RotateSecret by %s: allowed %s', async (_who, allowed, caller, modifies) => {
    for (const source of ['EXTERNAL', 'MANAGED'] as const) {
      const decision = await enforcerFor(source).authorize(
        caller(),
        action('RotateSecret', modifies ? { 'secretsmanager:ModifyRotationRules': 'true' } : {}),
      );
      expect({ source, allowed: decision.allowed }).toEqual({ source, allowed });
    }
  });
});
