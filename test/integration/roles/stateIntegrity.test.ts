/**
 * Attacks on what steers the rotator through the state table (issue 17, point 2), on a local
 * stack that enforces IAM, the product's code running AS the rotate and rotateNow functions.
 *
 * (a) A principal with DynamoDB rights only (as AmazonDynamoDBFullAccess gives) may not write a
 *     binding, a ledger record or detection state (baselines, last-known states, counters,
 *     dedup claims, bursts), nor lift the table's policy: the table's resource policy. The
 *     detect role still writes its own state.
 * (b) With that policy out of the way (the admin writes the items, as an admin's mistake or a
 *     table without the policy would let anyone), the items' MACs stop them: a forged ledger
 *     record naming another consumer's credential, a rewritten `retireAfter`, an altered or an
 *     unsigned binding are refused and alerted, and nothing they name is revoked or reached.
 */
import {
  DeleteItemCommand,
  DeleteResourcePolicyCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  IAMClient,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { GenerateMacCommand, KMSClient } from '@aws-sdk/client-kms';
import { DescribeSecretCommand, RotateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { randomUUID } from 'node:crypto';
import {
  defaultDeps as rotateDeps,
  makeHandler as rotateHandler,
  type RotateEvent,
} from '../../../functions/rotate.js';
import {
  defaultDeps as rotateNowDeps,
  makeHandler as rotateNowHandler,
  type RotateNowResult,
} from '../../../functions/rotateNow.js';
import { BINDING_PK, LEDGER_PK } from '../../../lib/aws/bindingStore.js';
import { clientConfig } from '../../../lib/aws/clients.js';
import { DynamoBaselineStore, DynamoLastStateStore } from '../../../lib/aws/detectionState.js';
import { asFunctionRole } from '../../../local/functionRole.js';
import { ENV } from '../../../lib/shared/env.js';
import { localClient, uniqueName } from '../../support/localStack.js';
import { docAt, sm } from '../rotation/support.js';
import { type Fixtures, RoleFixtures } from './fixtures.js';
import {
  LAMBDA_CONTEXT,
  LocalServer,
  openRoleStack,
  pinWithCli,
  type RoleStack,
} from './support.js';

const STEPS: RotateEvent['Step'][] = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];

let stack: RoleStack;
let world: RoleFixtures;
let fixtures: Fixtures;
let table = '';
/** A webhook key with a grace period of an hour: its retired key stays alive that long. */
let graced: Fixtures['webhook'];
/** A host the attacker controls: it must receive nothing. */
const attacker = new LocalServer((request, response) => {
  attackerRequests += 1;
  response.writeHead(200).end();
});
let attackerRequests = 0;

beforeAll(async () => {
  stack = await openRoleStack();
  world = new RoleFixtures(stack);
  fixtures = await world.create();
  graced = await world.webhookKey('1h');
  table = stack.deployment[ENV.stateTable] ?? '';
  await attacker.start();
}, 300_000);

afterAll(async () => {
  await attacker.stop();
  await world?.close();
  await stack?.close();
}, 60_000);

const admin = (): DynamoDBClient => localClient(DynamoDBClient);

async function startRotation(secretArn: string): Promise<string> {
  const token = randomUUID();
  await sm().send(new RotateSecretCommand({ SecretId: secretArn, ClientRequestToken: token }));
  return token;
}

async function runSteps(secretArn: string, token: string, steps = STEPS): Promise<void> {
  await stack.asFunction('rotate', async (env) => {
    const handler = rotateHandler(rotateDeps(env));
    for (const Step of steps) {
      await handler({ Step, SecretId: secretArn, ClientRequestToken: token }, LAMBDA_CONTEXT);
    }
  });
}

async function sweep(): Promise<RotateNowResult> {
  return stack.asFunction('rotateNow', (env) =>
    rotateNowHandler(rotateNowDeps(env))({ sweep: true }, LAMBDA_CONTEXT),
  );
}

async function item(pk: string, sk: string): Promise<Record<string, AttributeValue>> {
  const { Item } = await admin().send(
    new GetItemCommand({ TableName: table, Key: { pk: { S: pk }, sk: { S: sk } } }),
  );
  if (!Item) throw new Error(`no item ${sk}`);
  return Item;
}

async function put(entry: Record<string, AttributeValue>): Promise<void> {
  await admin().send(new PutItemCommand({ TableName: table, Item: entry }));
}

/** The item with its body changed by `change` and everything else (its MAC) kept. */
async function rewrite(
  pk: string,
  sk: string,
  change: (body: Record<string, unknown>) => void,
): Promise<Record<string, AttributeValue>> {
  const original = await item(pk, sk);
  const body = JSON.parse(original.body?.S ?? '{}') as Record<string, unknown>;
  change(body);
  await put({ ...original, body: { S: JSON.stringify(body) } });
  return original;
}

async function versionOf(secretArn: string): Promise<string> {
  const out = await sm().send(new DescribeSecretCommand({ SecretId: secretArn }));
  const current = Object.entries(out.VersionIdsToStages ?? {}).find(([, stages]) =>
    stages.includes('AWSCURRENT'),
  );
  return current?.[0] ?? '';
}

describe('(a) the state table policy: a principal with DynamoDB rights only', () => {
  let clients: { dynamo: DynamoDBClient; kms: KMSClient };

  beforeAll(async () => {
    // AmazonDynamoDBFullAccess, as far as the table goes: every DynamoDB action on everything.
    const iam = localClient(IAMClient);
    const UserName = uniqueName('table-writer');
    await iam.send(new CreateUserCommand({ UserName }));
    await iam.send(
      new PutUserPolicyCommand({
        UserName,
        PolicyName: 'dynamodb-full-access',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'dynamodb:*', Resource: '*' }],
        }),
      }),
    );
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName }));
    const credentials = {
      accessKeyId: AccessKey?.AccessKeyId ?? '',
      secretAccessKey: AccessKey?.SecretAccessKey ?? '',
    };
    const config = {
      endpoint: process.env.AWS_ENDPOINT_URL ?? '',
      region: 'us-east-1',
      credentials,
      maxAttempts: 1,
    };
    clients = { dynamo: new DynamoDBClient(config), kms: new KMSClient(config) };
  });

  const forged = (pk: string, sk: string) =>
    new PutItemCommand({
      TableName: table,
      Item: { pk: { S: pk }, sk: { S: sk }, body: { S: '{}' }, mac: { S: 'AAAA' } },
    });

  it.each([
    ['a ledger record', () => `${LEDGER_PK}${fixtures.webhook.secretArn}`, 'version#forged'],
    ['a binding', () => `${BINDING_PK}${fixtures.webhook.secretArn}`, 'binding'],
    ['an issuer-client claim', () => `${BINDING_PK}issuer#okta|https://x|app`, 'claims'],
    // Detection state (lib/aws/detectionState.ts, burstStore.ts): a seeded last-known state makes
    // the real change compare equal, a seeded baseline hides a first-time finding.
    ['a gateway’s last-known state', () => `bl#last#gateway#${randomUUID()}`, 'last'],
    ['a baseline value', () => `bl#action#arn:aws:iam::123456789012:role/x`, 'v#UpdateGateway'],
    ['a baseline subject', () => `bl#action#arn:aws:iam::123456789012:role/x`, 'subject'],
    ['a window counter', () => `wc#calls#${randomUUID()}`, 'w#000000000000000'],
    ['a dedup claim', () => `dd#rule#${randomUUID()}`, 'dedup'],
    ['a burst', () => `bg#g#${randomUUID()}`, 'burst'],
  ])('may not write %s', async (_what, pk, sk) => {
    await expect(clients.dynamo.send(forged(pk(), sk))).rejects.toThrow(
      /explicit deny in a resource-based policy/,
    );
  });

  it('may not change or delete a last-known state either', async () => {
    const Key = { pk: { S: `bl#last#gateway#${randomUUID()}` }, sk: { S: 'last' } };
    await expect(
      clients.dynamo.send(
        new UpdateItemCommand({
          TableName: table,
          Key,
          UpdateExpression: 'SET h = :h',
          ExpressionAttributeValues: { ':h': { S: '[]' } },
        }),
      ),
    ).rejects.toThrow(/explicit deny in a resource-based policy/);
    await expect(
      clients.dynamo.send(new DeleteItemCommand({ TableName: table, Key })),
    ).rejects.toThrow(/explicit deny in a resource-based policy/);
  });

  it('while the detect role still writes its last-known states and baselines', async () => {
    const subject = `gw-${randomUUID()}`;
    const role = `arn:aws:iam::123456789012:role/${randomUUID()}`;
    const at = Date.now();
    const [before, after, baseline] = await asFunctionRole(
      stack.endpoint,
      'gatewarden-local-detect',
      async () => {
        const client = new DynamoDBClient(clientConfig());
        const states = new DynamoLastStateStore(client, table);
        const baselines = new DynamoBaselineStore(client, table, { knownCacheMs: 0 });
        const first = await states.record('gateway', subject, at, 'e1', () => '{"kms":"k1"}');
        const second = await states.record('gateway', subject, at + 1, 'e2', () => undefined);
        await baselines.observe('action', role, 'UpdateGateway', at);
        return [first, second, await baselines.observe('action', role, 'UpdateGateway', at + 1)];
      },
    );
    expect(before).toBeUndefined();
    expect(after?.state).toBe('{"kms":"k1"}');
    expect(baseline).toEqual({ known: true, subjectFirstSeenMs: at });
  });

  it('may not lift the table policy', async () => {
    await expect(
      clients.dynamo.send(
        new DeleteResourcePolicyCommand({
          ResourceArn: `arn:aws:dynamodb:us-east-1:123456789012:table/${table}`,
        }),
      ),
    ).rejects.toThrow(/explicit deny in a resource-based policy/);
  });

  it('cannot sign: no MAC from either key', async () => {
    for (const KeyId of [stack.deployment[ENV.bindingMacKey], stack.deployment[ENV.ledgerMacKey]]) {
      await expect(
        clients.kms.send(
          new GenerateMacCommand({
            KeyId,
            Message: Buffer.from('x'),
            MacAlgorithm: 'HMAC_SHA_256',
          }),
        ),
      ).rejects.toThrow(/not authorized/);
    }
  });
});

describe('(b) with the table policy out of the way, the MACs refuse what was written', () => {
  it('a forged ledger record naming another consumer’s credential: the rotation refuses and alerts, that credential stays', async () => {
    const { secretArn, bystander } = fixtures.webhook;
    const pk = `${LEDGER_PK}${secretArn}`;
    // A real, signed record of this secret: its MAC is replayed on the forgery.
    const genuine = await item(pk, `version#${await versionOf(secretArn)}`);
    const forgedId = randomUUID();
    const body = JSON.stringify({
      versionId: forgedId,
      state: { issuerCredentialId: bystander, retiring: [] },
      writtenBy: 'rotator',
      writtenAt: new Date().toISOString(),
    });
    await put({
      pk: { S: pk },
      sk: { S: `version#${forgedId}` },
      body: { S: body },
      mac: genuine.mac ?? { S: '' },
    });
    try {
      const token = await startRotation(secretArn);

      await expect(runSteps(secretArn, token, ['createSecret'])).rejects.toThrow(
        /rotation ledger record version#.* failed its integrity check/,
      );

      expect(world.webhookStub.keys.has(bystander)).toBe(true);
      const alerts = (await world.received(world.alerts.topic, secretArn)).join();
      expect(alerts).toContain('Rotation Failed');
      expect(alerts).toContain('ItemIntegrityError');
      expect(alerts).not.toContain(bystander);

      // Unsigned, the same: refused.
      const { mac: _mac, ...unsigned } = await item(pk, `version#${forgedId}`);
      await admin().send(new PutItemCommand({ TableName: table, Item: unsigned }));
      await expect(runSteps(secretArn, token, ['createSecret'])).rejects.toThrow(
        /rotation ledger record version#.* is not signed/,
      );
      expect(world.webhookStub.keys.has(bystander)).toBe(true);
    } finally {
      await admin().send(
        new DeleteItemCommand({
          TableName: table,
          Key: { pk: { S: pk }, sk: { S: `version#${forgedId}` } },
        }),
      );
    }
  });

  it('a rewritten retireAfter: the sweep refuses and revokes nothing inside the grace period', async () => {
    const { secretArn } = graced;
    // Two rotations: the second retires the key the first minted (an id the rotator recorded),
    // alive for the grace period of an hour.
    await runSteps(secretArn, await startRotation(secretArn));
    const retired = (await docAt(secretArn, 'AWSCURRENT')).issuerCredentialId ?? '';
    await runSteps(secretArn, await startRotation(secretArn));
    const current = await docAt(secretArn, 'AWSCURRENT');
    expect(current.retiring.map((entry) => entry.issuerCredentialId)).toEqual([retired]);
    const pk = `${LEDGER_PK}${secretArn}`;
    const sk = `version#${await versionOf(secretArn)}`;

    const original = await rewrite(pk, sk, (body) => {
      const state = body.state as { retiring: { retireAfter: string }[] };
      for (const entry of state.retiring) entry.retireAfter = '2020-01-01T00:00:00.000Z';
    });
    const swept = await sweep();

    const mine = swept.results.find((r) => 'secretArn' in r && r.secretArn === secretArn);
    expect(mine).toMatchObject({ revoked: 0, error: 'ItemIntegrityError' });
    expect(world.webhookStub.keys.has(retired)).toBe(true);

    // The record as the rotator wrote it: the key stays, in its grace period.
    await put(original);
    const again = await sweep();
    expect(again.results.find((r) => 'secretArn' in r && r.secretArn === secretArn)).toMatchObject({
      revoked: 0,
      stillInGrace: 1,
    });
    expect(world.webhookStub.keys.has(retired)).toBe(true);
  });

  it('an altered binding: the rotation refuses before any call to the rewritten host', async () => {
    const { secretArn } = fixtures.external;
    const pk = `${BINDING_PK}${secretArn}`;
    const original = await rewrite(pk, 'binding', (body) => {
      const steering = body.steering as { test: { probe: { url: string } } };
      steering.test.probe.url = `${attacker.url}/ping`;
    });
    try {
      const token = await startRotation(secretArn);

      await expect(runSteps(secretArn, token)).rejects.toThrow(
        /registration binding of .* failed its integrity check/,
      );
      expect(attackerRequests).toBe(0);
      expect((await world.received(world.alerts.topic, secretArn)).join()).toContain(
        'ItemIntegrityError',
      );
    } finally {
      await put(original);
    }
  });

  it('an unsigned binding (from before signing): refused until `register update` signs it again', async () => {
    const { secretArn } = fixtures.managed;
    const pk = `${BINDING_PK}${secretArn}`;
    const { mac: _mac, ...unsigned } = await item(pk, 'binding');
    await admin().send(new PutItemCommand({ TableName: table, Item: unsigned }));
    const token = await startRotation(secretArn);

    await expect(runSteps(secretArn, token, ['createSecret'])).rejects.toThrow(
      /is not signed .*gatewarden register update --secret/,
    );

    await pinWithCli(secretArn);
    await runSteps(secretArn, token);
    expect((await docAt(secretArn, 'AWSCURRENT')).rotatedAt).toBeDefined();
  });
});
