/**
 * The local IAM gate remembers what it allowed (local/iam/enforcer.ts, for speed: issue 16's
 * ≤ 2 ms per call) against the exact policy objects that decided it. What must never be
 * reused: an answer for a policy since replaced, for another request context, or for a
 * policy that reads the clock.
 */
import { jest } from '@jest/globals';
import { callerOf, IamEnforcer, type PolicySource } from '../../../local/iam/enforcer.js';
import type { PrincipalPolicies } from '../../../local/iam/policies.js';
import type { Authorization } from '../../../local/iam/resources.js';
import { IamGate } from '../../../local/iam/gate.js';
import type { FrontRequest } from '../../../local/standin/context.js';

const ACCOUNT = '123456789012';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/caller`;
const KEY = `arn:aws:kms:us-east-1:${ACCOUNT}:key/11111111-2222-3333-4444-555555555555`;

const caller = callerOf({
  type: 'AssumedRole',
  arn: `arn:aws:sts::${ACCOUNT}:assumed-role/caller/s`,
  accountId: ACCOUNT,
  sessionContext: {
    sessionIssuer: {
      type: 'Role',
      principalId: 'AROA',
      arn: ROLE,
      accountId: ACCOUNT,
      userName: 'caller',
    },
    attributes: { creationDate: '2026-12-05T00:00:00Z', mfaAuthenticated: 'false' },
  },
});

const decrypt = (purpose: string): Authorization => ({
  action: 'kms:Decrypt',
  resource: KEY,
  resourceAccount: ACCOUNT,
  context: { 'kms:EncryptionContext:purpose': purpose },
});

const keyPolicy = (Condition?: unknown) => ({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { AWS: ROLE },
      Action: 'kms:Decrypt',
      Resource: '*',
      ...(Condition ? { Condition } : {}),
    },
  ],
});

/** A store that hands out the policies it holds now (a new object once one is replaced). */
function store(held: { key: unknown; identity: PrincipalPolicies }): PolicySource {
  return {
    principalPolicies: async () => held.identity,
    resourcePolicy: async () => held.key,
    lookups: () => {
      throw new Error('not needed');
    },
  };
}

describe('allowed decisions remembered per policy version', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('a key policy replaced after an allowed call decides the next call', async () => {
    const held = { key: keyPolicy() as unknown, identity: { identity: [] } };
    const enforcer = new IamEnforcer(store(held));
    expect((await enforcer.authorize(caller, decrypt('bench'))).allowed).toBe(true);
    expect((await enforcer.authorize(caller, decrypt('bench'))).allowed).toBe(true);
    held.key = { Version: '2012-10-17', Statement: [] };
    const after = await enforcer.authorize(caller, decrypt('bench'));
    expect(after.allowed).toBe(false);
  });

  it('an identity policy replaced after an allowed call decides the next call', async () => {
    const grant = {
      name: 'grant',
      policy: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: KEY }],
      },
    };
    // The key policy delegates to IAM (the account root may use the key): identity decides.
    const delegates = {
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
    const held = { key: delegates as unknown, identity: { identity: [grant] } };
    const enforcer = new IamEnforcer(store(held));
    expect((await enforcer.authorize(caller, decrypt('bench'))).allowed).toBe(true);
    held.identity = { identity: [] };
    expect((await enforcer.authorize(caller, decrypt('bench'))).allowed).toBe(false);
  });

  it('an allowed encryption context does not stand for another one', async () => {
    const held = {
      key: keyPolicy({ StringEquals: { 'kms:EncryptionContext:purpose': 'bench' } }) as unknown,
      identity: { identity: [] },
    };
    const enforcer = new IamEnforcer(store(held));
    expect((await enforcer.authorize(caller, decrypt('bench'))).allowed).toBe(true);
    expect((await enforcer.authorize(caller, decrypt('other'))).allowed).toBe(false);
    expect((await enforcer.authorize(caller, decrypt('bench'))).allowed).toBe(true);
  });

  it('a policy that reads the clock is evaluated at each call', async () => {
    const until = Date.parse('2026-12-05T12:00:00Z');
    const held = {
      key: keyPolicy({
        DateLessThan: { 'aws:CurrentTime': new Date(until).toISOString() },
      }) as unknown,
      identity: { identity: [] },
    };
    const enforcer = new IamEnforcer(store(held));
    jest.useFakeTimers({ now: until - 60_000, doNotFake: ['nextTick', 'setImmediate'] });
    expect((await enforcer.authorize(caller, decrypt('bench'))).allowed).toBe(true);
    jest.setSystemTime(until + 60_000);
    expect((await enforcer.authorize(caller, decrypt('bench'))).allowed).toBe(false);
  });
});

describe('what a call that went through makes the gate forget', () => {
  const gate = new IamGate(
    'enforce',
    'http://127.0.0.1:9',
    () => ({}),
    async () => ({ type: 'IAMUser' }),
    () => undefined,
  );
  const call = (service: string, operation: string) =>
    ({ aws: { service, operation, params: {}, labels: {} } }) as unknown as FrontRequest;

  it.each([
    ['dynamodb', 'PutItem'],
    ['dynamodb', 'TransactWriteItems'],
    ['kms', 'Decrypt'],
    ['kms', 'GenerateMac'],
    ['secretsmanager', 'PutSecretValue'],
    ['sqs', 'SendMessage'],
    ['events', 'PutEvents'],
  ])('a data write (%s %s) keeps the cached policies', (service, operation) => {
    const invalidate = jest.spyOn(gate.store, 'invalidate');
    gate.called(call(service, operation), 200);
    expect(invalidate).not.toHaveBeenCalled();
    invalidate.mockRestore();
  });

  it.each([
    ['dynamodb', 'PutResourcePolicy'],
    ['dynamodb', 'DeleteTable'],
    ['kms', 'PutKeyPolicy'],
    ['kms', 'CreateAlias'],
    ['secretsmanager', 'PutResourcePolicy'],
    ['secretsmanager', 'TagResource'],
    ['secretsmanager', 'RotateSecret'],
    ['iam', 'PutRolePolicy'],
    ['cloudformation', 'ExecuteChangeSet'],
  ])('a write that may change a policy (%s %s) drops them', (service, operation) => {
    const invalidate = jest.spyOn(gate.store, 'invalidate');
    gate.called(call(service, operation), 200);
    expect(invalidate).toHaveBeenCalledWith(service);
    invalidate.mockRestore();
  });
});
