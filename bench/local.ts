/**
 * `npm run bench:local`: what the local stack's IAM gate adds to each call.
 *
 * Starts a local stack of its own (moto, the front), sets up what a rotation touches (a role
 * with an inline policy, a secret under a customer key with a readers-only resource policy, a
 * table), then, in this process, runs the front's own gate (`local/iam/gate.ts`) on recorded
 * request shapes, alternating in one run so both see the same machine:
 *   - warm:  the gate as it runs between writes (identity and resource policies cached);
 *   - cold:  every cache dropped before each call (the first call after a write);
 *   - moto:  the same call sent straight to moto, for scale (what a call costs anyway).
 * Goal: warm p50 ≤ 2 ms. Ends with one JSON line; exits 1 when the goal is missed.
 */
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
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

const RUNS = Number(process.env.BENCH_LOCAL_RUNS ?? 300);
const GOAL_MS = 2;

process.env.GATEWARDEN_LOCAL_STATE_DIR = mkdtempSync(join(tmpdir(), 'gw-bench-local-'));
process.env.GATEWARDEN_LOCAL_IAM = 'enforce';
const [{ startLocalStack, stopLocalStack }, { exportsOf }, { IamGate }] = await Promise.all([
  import('../local/stack.js'),
  import('../local/state.js'),
  import('../local/iam/gate.js'),
]);
const { IdentityCache } = await import('../local/standin/cloudtrail/identity.js');
const { describeAwsRequest } = await import('../local/standin/awsRequest.js');
const { GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');

const quantile = (values: number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
};
const round = (ms: number): number => Math.round(ms * 100) / 100;

const { state } = await startLocalStack((line) => process.stderr.write(`${line}\n`));
try {
  Object.assign(process.env, exportsOf(state));
  const motoUrl = state.motoUrl;
  const config = { region: 'us-east-1', maxAttempts: 1 };
  const account = '123456789012';
  const roleName = `bench-rotator-${Date.now()}`;
  const roleArn = `arn:aws:iam::${account}:role/${roleName}`;
  const iam = new IAMClient(config);
  await iam.send(
    new CreateRoleCommand({
      RoleName: roleName,
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${account}:root` },
            Action: 'sts:AssumeRole',
          },
        ],
      }),
    }),
  );
  const key = await new KMSClient(config).send(new CreateKeyCommand({}));
  const keyArn = key.KeyMetadata?.Arn ?? '';
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: roleName,
      PolicyName: 'rotate',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'],
            Resource: `arn:aws:secretsmanager:us-east-1:${account}:secret:gatewarden/*`,
          },
          {
            Effect: 'Allow',
            Action: 'kms:Decrypt',
            Resource: keyArn,
            Condition: {
              StringEquals: { 'kms:ViaService': 'secretsmanager.us-east-1.amazonaws.com' },
            },
          },
        ],
      }),
    }),
  );
  const sm = new SecretsManagerClient(config);
  const secret = await sm.send(
    new CreateSecretCommand({
      Name: `gatewarden/bench/${Date.now()}`,
      SecretString: 'x',
      KmsKeyId: keyArn,
    }),
  );
  await sm.send(
    new PutResourcePolicyCommand({
      SecretId: secret.ARN,
      ResourcePolicy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'NobodyElseReads',
            Effect: 'Deny',
            Principal: '*',
            Action: 'secretsmanager:GetSecretValue',
            Resource: '*',
            Condition: { StringNotEquals: { 'aws:PrincipalArn': [roleArn] } },
          },
        ],
      }),
    }),
  );
  const session = await new STSClient(config).send(
    new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'bench' }),
  );
  const accessKeyId = session.Credentials?.AccessKeyId ?? '';

  // The request as the front sees it: GetSecretValue signed by the role session.
  const body = Buffer.from(JSON.stringify({ SecretId: secret.ARN }));
  const raw = {
    method: 'POST',
    path: '/',
    query: new URLSearchParams(),
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'secretsmanager.GetSecretValue',
      authorization: `AWS4-HMAC-SHA256 Credential=${accessKeyId}/20261205/us-east-1/secretsmanager/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body,
  };
  const request = {
    ...raw,
    aws: describeAwsRequest(raw),
    sourceIp: '127.0.0.1',
    userAgent: 'bench',
    receivedAt: new Date(),
  };
  const identities = new IdentityCache(async (keyId) => {
    const sts = new STSClient({
      ...config,
      endpoint: motoUrl,
      credentials: { accessKeyId: keyId, secretAccessKey: 'x' },
    });
    return sts.send(new GetCallerIdentityCommand({}));
  });
  const gate = new IamGate(
    'enforce',
    motoUrl,
    () => ({}),
    (k) => identities.resolve(k),
    () => undefined,
  );
  const direct = new SecretsManagerClient({
    ...config,
    endpoint: motoUrl,
    credentials: {
      accessKeyId,
      secretAccessKey: session.Credentials?.SecretAccessKey ?? '',
      sessionToken: session.Credentials?.SessionToken ?? '',
    },
  });

  const time = async (fn: () => Promise<unknown>): Promise<number> => {
    const started = process.hrtime.bigint();
    await fn();
    return Number(process.hrtime.bigint() - started) / 1e6;
  };
  // Sanity: the gate allows the role and the call works.
  if ((await gate.check(request)) !== undefined) throw new Error('the gate refused the bench call');
  const warm: number[] = [];
  const cold: number[] = [];
  const moto: number[] = [];
  for (let i = 0; i < 20; i++) await gate.check(request); // warm-up
  for (let i = 0; i < RUNS; i++) {
    warm.push(await time(() => gate.check(request)));
    if (i % 3 === 0) {
      gate.store.invalidate();
      cold.push(await time(() => gate.check(request)));
    }
    moto.push(await time(() => direct.send(new GetSecretValueCommand({ SecretId: secret.ARN }))));
  }
  const summary = {
    bench: 'local-iam-gate',
    runs: RUNS,
    warm: { p50: round(quantile(warm, 0.5)), p95: round(quantile(warm, 0.95)) },
    cold: { p50: round(quantile(cold, 0.5)), p95: round(quantile(cold, 0.95)) },
    moto: { p50: round(quantile(moto, 0.5)), p95: round(quantile(moto, 0.95)) },
    warmOverMoto: round(quantile(warm, 0.5) / quantile(moto, 0.5)),
    goalMs: GOAL_MS,
  };
  console.log(`gate, warm caches  p50 ${summary.warm.p50} ms  p95 ${summary.warm.p95} ms`);
  console.log(`gate, cold caches  p50 ${summary.cold.p50} ms  p95 ${summary.cold.p95} ms`);
  console.log(`moto itself        p50 ${summary.moto.p50} ms  p95 ${summary.moto.p95} ms`);
  console.log(`warm gate / moto call: ${summary.warmOverMoto}x   goal: warm p50 ≤ ${GOAL_MS} ms`);
  console.log(JSON.stringify(summary));
  if (summary.warm.p50 > GOAL_MS) process.exitCode = 1;
} finally {
  await stopLocalStack((line) => process.stderr.write(`${line}\n`));
}
