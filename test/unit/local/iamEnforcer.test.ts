/**
 * The local IAM gate's decisions (local/iam/enforcer.ts) with the real evaluator and policies
 * held in a table: what AWS would allow or refuse, and which statement decided it.
 */
import {
  callerOf,
  IamEnforcer,
  serviceCaller,
  type Caller,
  type PolicySource,
} from '../../../local/iam/enforcer.js';
import type { PrincipalPolicies } from '../../../local/iam/policies.js';
import type { CallInfo } from '../../../local/iam/resources.js';
import { secretResourcePolicy } from '../../../lib/rotation/registerPolicy.js';

const ACCOUNT = '123456789012';
const ROTATOR = `arn:aws:iam::${ACCOUNT}:role/rotator`;
const READER = `arn:aws:iam::${ACCOUNT}:role/reader`;
const SECRET = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:gatewarden/x-AbCdEf`;
const KEY = `arn:aws:kms:us-east-1:${ACCOUNT}:key/11111111-2222-3333-4444-555555555555`;

const allow = (Action: string | string[], Resource: string, Condition?: unknown) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action, Resource, ...(Condition ? { Condition } : {}) }],
});

const secretPolicy = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'NobodyElseReads',
      Effect: 'Deny',
      Principal: '*',
      Action: 'secretsmanager:GetSecretValue',
      Resource: '*',
      Condition: { StringNotEquals: { 'aws:PrincipalArn': [READER, ROTATOR] } },
    },
  ],
};

function source(options: {
  identities: Record<string, PrincipalPolicies>;
  resources: Record<string, unknown>;
  keyId?: string;
}): PolicySource {
  return {
    principalPolicies: async (arn) => options.identities[arn] ?? { identity: [] },
    resourcePolicy: async (action, resource) =>
      options.resources[`${action.startsWith('sts:') ? 'trust' : 'own'}|${resource}`],
    lookups: () => ({
      secret: async () => ({
        arn: SECRET,
        tags: {},
        ...(options.keyId ? { kmsKeyId: options.keyId } : {}),
      }),
      keyArn: async () => KEY,
      roleArn: async (name) => `arn:aws:iam::${ACCOUNT}:role/${name}`,
      functionArn: async (name) => `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${name}`,
      tableHashKey: async () => 'pk',
      standinTags: () => ({}),
    }),
  };
}

const session = (role: string): Caller =>
  callerOf({
    type: 'AssumedRole',
    arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/s`,
    accountId: ACCOUNT,
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: 'AROA',
        arn: `arn:aws:iam::${ACCOUNT}:role/${role}`,
        accountId: ACCOUNT,
        userName: role,
      },
      attributes: { creationDate: '2026-12-05T00:00:00Z', mfaAuthenticated: 'false' },
    },
  });
const admin = callerOf({
  type: 'IAMUser',
  arn: `arn:aws:iam::${ACCOUNT}:user/moto`,
  accountId: ACCOUNT,
});
const read: CallInfo = {
  signingName: 'secretsmanager',
  operation: 'GetSecretValue',
  region: 'us-east-1',
  account: ACCOUNT,
  params: { SecretId: SECRET },
  labels: {},
};

describe('IamEnforcer', () => {
  const identities = {
    [ROTATOR]: {
      identity: [
        {
          name: 'rotate',
          policy: allow(
            'secretsmanager:GetSecretValue',
            'arn:aws:secretsmanager:*:*:secret:gatewarden/*',
          ),
        },
      ],
    },
    [`arn:aws:iam::${ACCOUNT}:role/other`]: {
      identity: [{ name: 'wide', policy: allow('secretsmanager:*', '*') }],
    },
  };

  it('allows a role its identity policy grants and the resource policy does not deny', async () => {
    const enforcer = new IamEnforcer(
      source({ identities, resources: { [`own|${SECRET}`]: secretPolicy } }),
    );
    expect((await enforcer.decide(session('rotator'), read)).allowed).toBe(true);
  });

  it('refuses a role with secretsmanager:* when the secret names other readers, naming the statement', async () => {
    const enforcer = new IamEnforcer(
      source({ identities, resources: { [`own|${SECRET}`]: secretPolicy } }),
    );
    const decision = await enforcer.decide(session('other'), read);
    expect(decision.allowed).toBe(false);
    expect(decision.reason).toBe('with an explicit deny in a resource-based policy');
    expect(decision.decisive.join()).toContain('NobodyElseReads');
  });

  it('refuses the account admin too: an explicit Deny beats AdministratorAccess', async () => {
    const enforcer = new IamEnforcer(
      source({ identities, resources: { [`own|${SECRET}`]: secretPolicy } }),
    );
    expect((await enforcer.decide(admin, read)).allowed).toBe(false);
  });

  it('refuses a role no policy grants (implicit deny)', async () => {
    const enforcer = new IamEnforcer(source({ identities, resources: {} }));
    const decision = await enforcer.decide(session('nobody'), read);
    expect(decision).toMatchObject({
      allowed: false,
      reason: expect.stringContaining('no identity-based policy allows'),
    });
  });

  it('a customer key must let the reader decrypt through Secrets Manager: key policy and kms:ViaService', async () => {
    const keyPolicy = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
          Action: 'kms:*',
          Resource: '*',
        },
      ],
    };
    const withKey = {
      [ROTATOR]: {
        identity: [
          {
            name: 'rotate',
            policy: allow(
              'secretsmanager:GetSecretValue',
              'arn:aws:secretsmanager:*:*:secret:gatewarden/*',
            ),
          },
          {
            name: 'key',
            policy: allow('kms:Decrypt', KEY, {
              StringEquals: { 'kms:ViaService': 'secretsmanager.us-east-1.amazonaws.com' },
            }),
          },
        ],
      },
      [READER]: {
        identity: [{ name: 'read', policy: allow('secretsmanager:GetSecretValue', '*') }],
      },
    };
    const enforcer = new IamEnforcer(
      source({
        identities: withKey,
        resources: { [`own|${SECRET}`]: secretPolicy, [`own|${KEY}`]: keyPolicy },
        keyId: KEY,
      }),
    );
    expect((await enforcer.decide(session('rotator'), read)).allowed).toBe(true);
    const reader = await enforcer.decide(session('reader'), read);
    expect(reader).toMatchObject({
      allowed: false,
      failed: { action: 'kms:Decrypt', resource: KEY },
    });
  });

  it('a key policy that does not grant the account leaves identity policies powerless', async () => {
    const keyPolicy = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { AWS: READER }, Action: 'kms:Decrypt', Resource: '*' },
      ],
    };
    const enforcer = new IamEnforcer(
      source({
        identities: {
          [`arn:aws:iam::${ACCOUNT}:role/other`]: {
            identity: [{ name: 'wide', policy: allow('*', '*') }],
          },
        },
        resources: { [`own|${KEY}`]: keyPolicy },
      }),
    );
    const decision = await enforcer.authorize(session('other'), {
      action: 'kms:Decrypt',
      resource: KEY,
      resourceAccount: ACCOUNT,
      context: {},
    });
    expect(decision.allowed).toBe(false);
  });

  it('a permissions boundary caps what the identity policy grants', async () => {
    const bounded = {
      [ROTATOR]: {
        identity: [{ name: 'wide', policy: allow('secretsmanager:*', '*') }],
        boundary: { name: 'boundary', policy: allow('secretsmanager:DescribeSecret', '*') },
      },
    };
    const enforcer = new IamEnforcer(source({ identities: bounded, resources: {} }));
    expect((await enforcer.decide(session('rotator'), read)).allowed).toBe(false);
  });

  it('Lambda may assume a role only if its trust policy names lambda.amazonaws.com', async () => {
    const trust = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'lambda.amazonaws.com' },
          Action: 'sts:AssumeRole',
        },
      ],
    };
    const enforcer = new IamEnforcer(
      source({ identities: {}, resources: { [`trust|${ROTATOR}`]: trust } }),
    );
    const assume = {
      action: 'sts:AssumeRole',
      resource: ROTATOR,
      resourceAccount: ACCOUNT,
      context: {},
    };
    const fn = { arn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:f`, account: ACCOUNT };
    expect(
      (await enforcer.authorize(serviceCaller('lambda.amazonaws.com', fn), assume)).allowed,
    ).toBe(true);
    expect((await enforcer.authorize(serviceCaller('ec2.amazonaws.com', fn), assume)).allowed).toBe(
      false,
    );
    expect((await enforcer.authorize(admin, assume)).allowed).toBe(false);
  });

  it('an unknown caller is refused whatever the policies say', async () => {
    const enforcer = new IamEnforcer(source({ identities, resources: {} }));
    const decision = await enforcer.decide(callerOf({ type: 'Unknown' }), read);
    expect(decision.allowed).toBe(false);
  });
});

describe('callerOf', () => {
  it('moto answers user/moto for any key it did not issue: only the stack’s admin key is the admin', () => {
    const moto = {
      type: 'IAMUser' as const,
      arn: `arn:aws:iam::${ACCOUNT}:user/moto`,
      accountId: ACCOUNT,
    };
    expect(callerOf({ ...moto, accessKeyId: 'testing' }).kind).toBe('admin');
    expect(callerOf({ ...moto, accessKeyId: 'AKIAFORGEDORDELETED1' }).kind).toBe('unknown');
  });
});

describe('the secret policy register writes, under the real evaluator', () => {
  const SWEEPER = `arn:aws:iam::${ACCOUNT}:role/sweeper`;
  const policy = JSON.parse(
    secretResourcePolicy({
      readers: [READER, ROTATOR, SWEEPER],
      writers: [ROTATOR],
      rotationLambdaArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:rotate`,
      stageMovers: [SWEEPER],
    }),
  ) as unknown;
  const moveStage = (stage: string): CallInfo => ({
    ...read,
    operation: 'UpdateSecretVersionStage',
    params: { SecretId: SECRET, VersionStage: stage, MoveToVersionId: 'v1' },
  });
  const enforcer = new IamEnforcer(
    source({
      identities: {
        [SWEEPER]: {
          identity: [
            { name: 'sweep', policy: allow('secretsmanager:UpdateSecretVersionStage', '*') },
          ],
        },
        [ROTATOR]: {
          identity: [
            { name: 'rotate', policy: allow('secretsmanager:UpdateSecretVersionStage', '*') },
          ],
        },
        [READER]: { identity: [{ name: 'wide', policy: allow('secretsmanager:*', '*') }] },
      },
      resources: { [`own|${SECRET}`]: policy },
    }),
  );

  it.each([
    ['the sweep takes AWSPENDING off', 'sweeper', 'AWSPENDING', true],
    ['the sweep may not move AWSCURRENT back', 'sweeper', 'AWSCURRENT', false],
    ['the rotator promotes', 'rotator', 'AWSCURRENT', true],
    ['a reader with secretsmanager:* moves nothing', 'reader', 'AWSPENDING', false],
  ])('%s', async (_, role, stage, allowed) => {
    expect((await enforcer.decide(session(role), moveStage(stage))).allowed).toBe(allowed);
  });
});

describe('encryption-context conditions (which the evaluator drops)', () => {
  const SECRETS_PREFIX = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:gatewarden/*`;
  const keyPolicy = (Condition: unknown) => ({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: 'bedrock-agentcore.amazonaws.com' },
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition,
      },
    ],
  });
  const decrypt = (secretArn?: string) => ({
    action: 'kms:Decrypt',
    resource: KEY,
    resourceAccount: ACCOUNT,
    context: {
      'kms:ViaService': 'secretsmanager.us-east-1.amazonaws.com',
      ...(secretArn ? { 'kms:EncryptionContext:SecretARN': secretArn } : {}),
    },
  });
  const agentcore = serviceCaller('bedrock-agentcore.amazonaws.com', {
    arn: `arn:aws:bedrock-agentcore:us-east-1:${ACCOUNT}:token-vault/default/apikeycredentialprovider/p`,
    account: ACCOUNT,
  });

  it.each([
    // [condition, secret in the request's encryption context, allowed]
    [{ StringLike: { 'kms:EncryptionContext:SecretARN': SECRETS_PREFIX } }, SECRET, true],
    [
      { StringLike: { 'kms:EncryptionContext:SecretARN': SECRETS_PREFIX } },
      SECRET.replace('gatewarden/', 'elsewhere/'),
      false,
    ],
    [{ StringLike: { 'kms:EncryptionContext:SecretARN': SECRETS_PREFIX } }, undefined, false],
    [{ StringEquals: { 'kms:EncryptionContext:SecretARN': SECRET } }, SECRET, true],
    [
      {
        StringLike: { 'kms:EncryptionContext:SecretARN': SECRETS_PREFIX },
        StringEquals: { 'kms:ViaService': 'lambda.us-east-1.amazonaws.com' },
      },
      SECRET,
      false,
    ],
  ] as const)('%j with SecretARN %s: allowed %s', async (condition, secretArn, allowed) => {
    const enforcer = new IamEnforcer(
      source({ identities: {}, resources: { [`own|${KEY}`]: keyPolicy(condition) } }),
    );
    expect((await enforcer.authorize(agentcore, decrypt(secretArn))).allowed).toBe(allowed);
  });
});
