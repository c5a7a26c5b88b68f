/**
 * `gatewarden doctor` on the local stack, through the real command: it passes on the demo's
 * deployment (the local stage, a demo gateway, a registered API key) and names each problem
 * of a deployment broken on purpose — a detect rule disabled, rotation disabled, a provider
 * reading the wrong JSON key, a caller missing a right.
 */
import {
  BedrockAgentCoreControlClient,
  UpdateApiKeyCredentialProviderCommand,
} from '@aws-sdk/client-bedrock-agentcore-control';
import { DisableRuleCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  IAMClient,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import {
  CancelRotateSecretCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { DoctorReport } from '../../../lib/doctor/index.js';
import { ADMIN_ARN } from '../../support/functionRoles.js';
import { provisionDemoGateway, type DemoGateway } from '../../../scripts/demo/provision.js';
import { createLocalStage } from '../../../scripts/localStage.js';
import { localStack, testClientConfig, uniqueName } from '../../support/localStack.js';

const run = promisify(execFile);
const ROOT = process.cwd();

async function gatewarden(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      [join(ROOT, 'bin', 'gatewarden.js'), ...args],
      {
        cwd: ROOT,
        env,
        maxBuffer: 16 * 1024 * 1024,
        timeout: 120_000,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failure.code ?? -1, stdout: failure.stdout ?? '', stderr: failure.stderr ?? '' };
  }
}

async function doctor(gatewayId: string, env?: NodeJS.ProcessEnv) {
  const result = await gatewarden(['doctor', '--gateway', gatewayId, '--json'], env);
  return { code: result.code, report: JSON.parse(result.stdout) as DoctorReport };
}

const statuses = (report: DoctorReport) =>
  Object.fromEntries(report.checks.map((c) => [c.id, c.status]));

let gw: DemoGateway;
let secretArn: string;
let secretName: string;

beforeAll(async () => {
  await createLocalStage();
  gw = await provisionDemoGateway({
    issuer: localStack().oidcIssuer,
    ...(process.env.GATEWARDEN_LOCAL_OIDC_INITIAL_ACCESS_TOKEN
      ? { initialAccessToken: process.env.GATEWARDEN_LOCAL_OIDC_INITIAL_ACCESS_TOKEN }
      : {}),
    suffix: uniqueName('dr').slice(-10),
  });
  const registered = await gatewarden([
    'register',
    'apikey',
    '--provider',
    gw.apiKeyProvider.name,
    '--issuer',
    'generated',
    '--gateway',
    gw.gatewayId,
    '--no-test',
    // The admin (the stack's default caller) registers and may break the deployment below.
    '--admin-role',
    ADMIN_ARN,
    '--json',
  ]);
  expect(registered.code).toBe(0);
  secretArn = (JSON.parse(registered.stdout) as { secretArn: string }).secretArn;
  secretName = secretArn.split(':secret:')[1]?.replace(/-[A-Za-z0-9]{6}$/, '') ?? '';
}, 120_000);

afterAll(async () => {
  // Put the shared local stage's rules back as deployed for whoever runs next.
  await createLocalStage();
}, 60_000);

describe('gatewarden doctor on the local stack', () => {
  it('passes on the demo deployment and says what it could not verify', async () => {
    const { code, report } = await doctor(gw.gatewayId);

    expect(report.checks.filter((c) => c.status === 'fail')).toEqual([]);
    expect(code).toBe(0);
    expect(statuses(report)).toMatchObject({
      trail: 'pass',
      'rules.delivery': 'pass',
      [`secret.rotation:${secretName}`]: 'pass',
      [`secret.schedule:${secretName}`]: 'pass',
      [`secret.function:${secretName}`]: 'pass',
      [`secret.provider:${secretName}`]: 'pass',
      [`secret.json-key:${secretName}`]: 'pass',
      // The local stack's default caller is no IAM user, so IAM has nothing to simulate.
      'rights.rotate': 'unverified',
    });
    expect(report.checks.find((c) => c.id === 'rights.rotate')?.message).toMatch(
      /could not verify .*NoSuchEntity/,
    );
  });

  it('names a rotation schedule pushed out of sight (rules 1000 days away, not rotated now)', async () => {
    await new SecretsManagerClient(testClientConfig()).send(
      new RotateSecretCommand({
        SecretId: secretArn,
        RotationRules: { AutomaticallyAfterDays: 1000 },
        RotateImmediately: false,
      }),
    );

    const { code, report } = await doctor(gw.gatewayId);

    expect(code).toBe(1);
    const failed = report.checks.filter((c) => c.status === 'fail');
    expect(failed.map((c) => c.id)).toEqual([`secret.schedule:${secretName}`]);
    expect(failed[0]?.message).toMatch(
      /schedule lengthened: rotates every 1000 days, registered every 30 days/,
    );
  });

  it('names each problem of a deployment broken on purpose, and exits 1', async () => {
    // Prepare: a detect rule disabled, rotation off, the provider on another JSON key, and a
    // caller whose policy allows everything but RotateSecret.
    await new EventBridgeClient(testClientConfig()).send(
      new DisableRuleCommand({ Name: 'gatewarden-local-detect-secrets', EventBusName: 'default' }),
    );
    await new SecretsManagerClient(testClientConfig()).send(
      new CancelRotateSecretCommand({ SecretId: secretArn }),
    );
    await new BedrockAgentCoreControlClient(testClientConfig()).send(
      new UpdateApiKeyCredentialProviderCommand({
        name: gw.apiKeyProvider.name,
        apiKeySecretSource: 'EXTERNAL',
        apiKeySecretConfig: { secretId: secretArn, jsonKey: 'api_key' },
      }),
    );
    const iam = new IAMClient(testClientConfig());
    const userName = uniqueName('doctor-operator');
    await iam.send(new CreateUserCommand({ UserName: userName }));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: userName,
        PolicyName: 'operator',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: '*', Resource: '*' },
            { Effect: 'Deny', Action: 'secretsmanager:RotateSecret', Resource: '*' },
          ],
        }),
      }),
    );
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: userName }));

    // Act: as that operator
    const { code, report } = await doctor(gw.gatewayId, {
      ...process.env,
      AWS_ACCESS_KEY_ID: AccessKey?.AccessKeyId ?? '',
      AWS_SECRET_ACCESS_KEY: 'not-checked-by-moto',
    });

    // Assess
    expect(code).toBe(1);
    expect(report.ok).toBe(false);
    const failed = Object.fromEntries(
      report.checks.filter((c) => c.status === 'fail').map((c) => [c.id, c.message]),
    );
    expect(Object.keys(failed).sort()).toEqual(
      [
        'rights.register',
        'rights.rotate',
        'rules.delivery',
        `secret.json-key:${secretName}`,
        `secret.rotation:${secretName}`,
      ].sort(),
    );
    expect(failed['rights.rotate']).toMatch(
      new RegExp(`user/${userName} lacks 1 .*gatewarden rotate.*secretsmanager:RotateSecret`),
    );
    expect(failed['rules.delivery']).toMatch(
      /rule gatewarden-local-detect-secrets is DISABLED: detect receives none of \d+ event/,
    );
    expect(failed[`secret.rotation:${secretName}`]).toMatch(/rotation is disabled/);
    expect(failed[`secret.json-key:${secretName}`]).toMatch(
      /reads key api_key \(apiKeySecretJsonKey\), but gatewarden keeps the credential under apiKey/,
    );
    // The other rights of that operator were simulated and pass.
    expect(statuses(report)).toMatchObject({ 'rights.report': 'pass', 'rights.doctor': 'pass' });
  });

  it('prints one line per check for people, failures marked', async () => {
    const result = await gatewarden(['doctor', '--gateway', gw.gatewayId]);

    expect(result.stdout).toMatch(/^gatewarden doctor — stage local/);
    expect(result.stdout).toMatch(/FAIL .*rotation is disabled/);
    expect(result.stdout).toMatch(/\d+ passed, \d+ failed, \d+ could not be verified/);
    expect(result.code).toBe(1);
  });
});
