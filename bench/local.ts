/**
 * `npm run bench:local`: the latency the local stack's IAM gate adds to each call (issue 16:
 * goal p50 ≤ 2 ms).
 *
 * Starts a local stack of its own (for its moto), then, in this process, two fronts exactly as
 * the daemon builds them (`local/front.ts`, stand-in routes, runtime) on that one moto: one with
 * the IAM gate enforcing, one with GATEWARDEN_LOCAL_IAM=off. The same SDK calls, signed by the
 * same role session, go through both, interleaved call by call (the order alternating), so both
 * variants see the same machine, the same moto state and the same noise. Representative calls:
 *   - Secrets Manager GetSecretValue of a secret under a customer key, with a resource policy;
 *   - KMS Decrypt under a key policy that requires an encryption context;
 *   - DynamoDB GetItem on a table with a resource policy (`dynamodb:LeadingKeys`);
 *   - STS AssumeRole of a second role whose trust policy names the caller;
 *   - AgentCore Identity (stand-in) GetApiKeyCredentialProvider.
 * Added latency is the median (and p95) of the paired differences enforce − off, per call.
 * Also printed, for scale: the enforce call right after a write made the gate forget what it
 * cached (`cold`). Ends with one JSON line; exits 1 when an added p50 misses the goal.
 */
import {
  BedrockAgentCoreControlClient,
  CreateApiKeyCredentialProviderCommand,
  GetApiKeyCredentialProviderCommand,
} from '@aws-sdk/client-bedrock-agentcore-control';
import {
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  PutResourcePolicyCommand as PutTablePolicyCommand,
} from '@aws-sdk/client-dynamodb';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { CreateKeyCommand, DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutResourcePolicyCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const RUNS = Number(process.env.BENCH_LOCAL_RUNS ?? 200);
const GOAL_MS = 2;

process.env.GATEWARDEN_LOCAL_STATE_DIR = mkdtempSync(join(tmpdir(), 'gw-bench-local-'));
process.env.GATEWARDEN_LOCAL_IAM = 'enforce';
const [{ startLocalStack, stopLocalStack }, { startFront }, { IamGate }] = await Promise.all([
  import('../local/stack.js'),
  import('../local/front.js'),
  import('../local/iam/gate.js'),
]);
const { createStandinRuntime } = await import('../local/standin/runtime.js');
const { standinRoutes } = await import('../local/standin/index.js');
const { standinResourceTags } = await import('../local/standin/tags.js');

const quantile = (values: number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
};
const round = (ms: number): number => Math.round(ms * 100) / 100;
const time = async (fn: () => Promise<unknown>): Promise<number> => {
  const started = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - started) / 1e6;
};

/** A front as the daemon builds it on `motoUrl`, enforcing or with the gate off. */
async function front(mode: 'enforce' | 'off', motoUrl: string, oidcIssuer: string) {
  const runtime = createStandinRuntime({ motoUrl, oidcIssuer });
  const gate =
    mode === 'off'
      ? undefined
      : new IamGate(
          'enforce',
          motoUrl,
          (arn) => standinResourceTags(runtime.context, arn),
          (key) => runtime.identities.resolve(key),
          (line) => process.stderr.write(`${line}\n`),
        );
  if (gate) runtime.authorizeServiceCallsWith((call) => gate.serviceCall(call));
  const started = await startFront({
    motoUrl,
    routes: standinRoutes(),
    runtime,
    health: () => Promise.resolve({}),
    log: () => undefined,
    ...(gate ? { iam: gate } : {}),
  });
  return { ...started, gate };
}

const { state } = await startLocalStack((line) => process.stderr.write(`${line}\n`));
const fronts = {
  enforce: await front('enforce', state.motoUrl, state.oidcIssuer),
  off: await front('off', state.motoUrl, state.oidcIssuer),
};
try {
  const account = '123456789012';
  const region = 'us-east-1';
  const admin = (endpoint: string) => ({
    region,
    endpoint,
    maxAttempts: 1,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  const setUp = admin(fronts.enforce.url);
  const stamp = Date.now();
  const trust = (principal: string) =>
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: principal }, Action: 'sts:AssumeRole' }],
    });

  // The caller: a role with an inline policy for every call below.
  const iam = new IAMClient(setUp);
  const roleName = `bench-caller-${stamp}`;
  const roleArn = `arn:aws:iam::${account}:role/${roleName}`;
  const targetName = `bench-target-${stamp}`;
  const targetArn = `arn:aws:iam::${account}:role/${targetName}`;
  await iam.send(
    new CreateRoleCommand({
      RoleName: roleName,
      AssumeRolePolicyDocument: trust(`arn:aws:iam::${account}:root`),
    }),
  );
  await iam.send(
    new CreateRoleCommand({ RoleName: targetName, AssumeRolePolicyDocument: trust(roleArn) }),
  );

  // Secrets Manager: a secret under a customer key, readers-only resource policy.
  const kms = new KMSClient(setUp);
  const secretKey = (await kms.send(new CreateKeyCommand({}))).KeyMetadata?.Arn ?? '';
  const sm = new SecretsManagerClient(setUp);
  const secret = await sm.send(
    new CreateSecretCommand({
      Name: `gatewarden/bench/${stamp}`,
      SecretString: 'x',
      KmsKeyId: secretKey,
    }),
  );
  const secretArn = secret.ARN ?? '';
  await sm.send(
    new PutResourcePolicyCommand({
      SecretId: secretArn,
      ResourcePolicy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'NobodyElseReads',
            Effect: 'Deny',
            Principal: '*',
            Action: 'secretsmanager:GetSecretValue',
            Resource: '*',
            Condition: {
              StringNotEquals: {
                'aws:PrincipalArn': [roleArn, `arn:aws:iam::${account}:user/moto`],
              },
            },
          },
        ],
      }),
    }),
  );

  // KMS: a key whose policy lets the caller decrypt only with the encryption context it names.
  const macKey = await kms.send(
    new CreateKeyCommand({
      Policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'Admin',
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${account}:root` },
            Action: 'kms:*',
            Resource: '*',
          },
          {
            Sid: 'CallerDecryptsItsContext',
            Effect: 'Allow',
            Principal: { AWS: roleArn },
            Action: 'kms:Decrypt',
            Resource: '*',
            Condition: { StringEquals: { 'kms:EncryptionContext:purpose': 'bench' } },
          },
        ],
      }),
    }),
  );
  const decryptKey = macKey.KeyMetadata?.Arn ?? '';
  const context = { purpose: 'bench' };
  const { CiphertextBlob } = await kms.send(
    new EncryptCommand({
      KeyId: decryptKey,
      Plaintext: Buffer.from('x'),
      EncryptionContext: context,
    }),
  );

  // DynamoDB: a table whose resource policy lets the caller read its own partition only.
  const ddb = new DynamoDBClient(setUp);
  const tableName = `bench-table-${stamp}`;
  const table = await ddb.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    }),
  );
  const tableArn = table.TableDescription?.TableArn ?? '';
  await ddb.send(
    new PutTablePolicyCommand({
      ResourceArn: tableArn,
      Policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'CallerReadsItsPartition',
            Effect: 'Allow',
            Principal: { AWS: roleArn },
            Action: 'dynamodb:GetItem',
            Resource: tableArn,
            Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['bench#1'] } },
          },
        ],
      }),
    }),
  );
  await ddb.send(new PutItemCommand({ TableName: tableName, Item: { pk: { S: 'bench#1' } } }));

  // AgentCore Identity (stand-in state lives in each front's runtime): one provider per front.
  const providerName = `bench-provider-${stamp}`;
  for (const f of [fronts.enforce, fronts.off]) {
    await new BedrockAgentCoreControlClient(admin(f.url)).send(
      new CreateApiKeyCredentialProviderCommand({ name: providerName, apiKey: 'bench-value' }),
    );
  }

  await iam.send(
    new PutRolePolicyCommand({
      RoleName: roleName,
      PolicyName: 'bench',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: 'secretsmanager:GetSecretValue',
            Resource: `arn:aws:secretsmanager:${region}:${account}:secret:gatewarden/*`,
          },
          {
            Effect: 'Allow',
            Action: 'kms:Decrypt',
            Resource: secretKey,
            Condition: {
              StringEquals: { 'kms:ViaService': `secretsmanager.${region}.amazonaws.com` },
            },
          },
          { Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: tableArn },
          { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: targetArn },
          {
            Effect: 'Allow',
            Action: 'bedrock-agentcore:GetApiKeyCredentialProvider',
            Resource: [
              `arn:aws:bedrock-agentcore:${region}:${account}:token-vault/default`,
              `arn:aws:bedrock-agentcore:${region}:${account}:token-vault/default/apikeycredentialprovider/${providerName}`,
            ],
          },
        ],
      }),
    }),
  );
  const session = await new STSClient(setUp).send(
    new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'bench' }),
  );
  const asCaller = (endpoint: string) => ({
    region,
    endpoint,
    maxAttempts: 1,
    credentials: {
      accessKeyId: session.Credentials?.AccessKeyId ?? '',
      secretAccessKey: session.Credentials?.SecretAccessKey ?? '',
      sessionToken: session.Credentials?.SessionToken ?? '',
    },
  });

  type Call = (endpoint: string) => () => Promise<unknown>;
  const calls: Record<string, Call> = {
    'secretsmanager:GetSecretValue (resource policy, CMK)': (endpoint) => {
      const client = new SecretsManagerClient(asCaller(endpoint));
      return () => client.send(new GetSecretValueCommand({ SecretId: secretArn }));
    },
    'kms:Decrypt (key policy, encryption context)': (endpoint) => {
      const client = new KMSClient(asCaller(endpoint));
      return () =>
        client.send(
          new DecryptCommand({ CiphertextBlob, KeyId: decryptKey, EncryptionContext: context }),
        );
    },
    'dynamodb:GetItem (table policy, LeadingKeys)': (endpoint) => {
      const client = new DynamoDBClient(asCaller(endpoint));
      return () =>
        client.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: 'bench#1' } } }));
    },
    'sts:AssumeRole (trust policy)': (endpoint) => {
      const client = new STSClient(asCaller(endpoint));
      return () =>
        client.send(new AssumeRoleCommand({ RoleArn: targetArn, RoleSessionName: 'bench-target' }));
    },
    'bedrock-agentcore:GetApiKeyCredentialProvider (stand-in)': (endpoint) => {
      const client = new BedrockAgentCoreControlClient(asCaller(endpoint));
      return () => client.send(new GetApiKeyCredentialProviderCommand({ name: providerName }));
    },
  };
  const bound = Object.entries(calls).map(([name, call]) => ({
    name,
    enforce: call(fronts.enforce.url),
    off: call(fronts.off.url),
    times: {
      enforce: [] as number[],
      off: [] as number[],
      added: [] as number[],
      cold: [] as number[],
    },
  }));

  // Each call must work through both fronts (the enforcing one allows it), with no denial.
  for (const call of bound) {
    await call.enforce();
    await call.off();
  }
  const denied = fronts.enforce.gate?.recentDenials() ?? [];
  if (denied.length > 0)
    throw new Error(`the gate refused a bench call: ${JSON.stringify(denied)}`);

  for (let i = 0; i < 10; i++)
    for (const call of bound) await Promise.all([call.enforce(), call.off()]);
  for (let i = 0; i < RUNS; i++) {
    for (const call of bound) {
      let enforce: number;
      let off: number;
      if (i % 2 === 0) {
        enforce = await time(call.enforce);
        off = await time(call.off);
      } else {
        off = await time(call.off);
        enforce = await time(call.enforce);
      }
      call.times.enforce.push(enforce);
      call.times.off.push(off);
      call.times.added.push(enforce - off);
    }
  }
  // The first call after a write that may have changed a policy: nothing cached (a pass of its
  // own, so the forgetting never reaches the paired measurements above).
  for (let i = 0; i < Math.max(5, Math.floor(RUNS / 10)); i++) {
    for (const call of bound) {
      fronts.enforce.gate?.store.invalidate();
      const cold = await time(call.enforce);
      call.times.cold.push(cold - (await time(call.off)));
    }
  }

  const results = bound.map((call) => ({
    call: call.name,
    off: { p50: round(quantile(call.times.off, 0.5)), p95: round(quantile(call.times.off, 0.95)) },
    enforce: {
      p50: round(quantile(call.times.enforce, 0.5)),
      p95: round(quantile(call.times.enforce, 0.95)),
    },
    added: {
      p50: round(quantile(call.times.added, 0.5)),
      p95: round(quantile(call.times.added, 0.95)),
    },
    ratio: round(quantile(call.times.enforce, 0.5) / quantile(call.times.off, 0.5)),
    addedCold: { p50: round(quantile(call.times.cold, 0.5)) },
  }));
  const all = bound.flatMap((call) => call.times.added);
  const overall = { p50: round(quantile(all, 0.5)), p95: round(quantile(all, 0.95)) };
  const width = Math.max(...results.map((r) => r.call.length));
  console.log(
    `${RUNS} rounds, enforce and off interleaved; times in ms (added = enforce − off, paired)`,
  );
  for (const r of results) {
    console.log(
      `${r.call.padEnd(width)}  off p50 ${r.off.p50} p95 ${r.off.p95} | enforce p50 ${r.enforce.p50} p95 ${r.enforce.p95} | added p50 ${r.added.p50} p95 ${r.added.p95} | ratio ${r.ratio}x | added after a write (cold) p50 ${r.addedCold.p50}`,
    );
  }
  const missed = results.filter((r) => r.added.p50 > GOAL_MS);
  console.log(
    `all calls: added p50 ${overall.p50} ms p95 ${overall.p95} ms; goal: added p50 ≤ ${GOAL_MS} ms per call: ${missed.length === 0 ? 'met' : `missed by ${missed.map((r) => r.call).join(', ')}`}`,
  );
  const finalDenials = fronts.enforce.gate?.recentDenials() ?? [];
  if (finalDenials.length > 0)
    throw new Error(`the gate refused a bench call: ${JSON.stringify(finalDenials)}`);
  console.log(
    JSON.stringify({ bench: 'local-iam-gate', runs: RUNS, goalMs: GOAL_MS, overall, results }),
  );
  if (missed.length > 0) process.exitCode = 1;
} finally {
  await fronts.enforce.close();
  await fronts.off.close();
  await stopLocalStack((line) => process.stderr.write(`${line}\n`));
}
