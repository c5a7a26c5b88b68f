/**
 * `npm run demo`: gatewarden end to end on the embedded local stack.
 *
 * 1. start the local stack (or reuse a running one) and provision a sample gateway;
 * 2. register its three credentials and rotate them on demand, showing versions and stages
 *    before and after, and that the gateway's credentials still work;
 * 3. replay CloudTrail (what the stack recorded plus a few suspicious events) through the
 *    detection engine;
 * 4. produce a least-privilege access report for the gateway's roles;
 * 5. print a summary and stop the stack (if the demo started it).
 *
 * Every gatewarden step runs the real `gatewarden` command in a child process, as a user would.
 * No secret value is printed: only ARNs, ids, version ids and stages.
 */
import {
  BedrockAgentCoreClient,
  GetResourceApiKeyCommand,
  GetWorkloadAccessTokenCommand,
} from '@aws-sdk/client-bedrock-agentcore';
import {
  CreateSecretCommand,
  ListSecretVersionIdsCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import {
  BedrockAgentCoreControlClient,
  GetApiKeyCredentialProviderCommand,
} from '@aws-sdk/client-bedrock-agentcore-control';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { clientConfig } from '../../lib/aws/clients.js';
import { GatewardenError } from '../../lib/shared/errors.js';
import type { AccessReport } from '../../lib/reports/reportTypes.js';
import { startLocalStack, stopLocalStack } from '../../local/stack.js';
import { createLocalStage } from '../localStage.js';
import { exportsOf, LOCAL_CREDENTIALS } from '../../local/state.js';
import { stackOutputs } from '../../lib/aws/stackOutputs.js';
import { provisionDemoGateway, type DemoGateway } from './provision.js';
import { seedActivity, exportCloudTrail } from './activity.js';
import { seedToolCalls } from './toolCalls.js';
import { toolAccessLines } from './toolAccess.js';
import type { ToolReport } from '../../lib/tools/report.js';
import { actAsDemoAdmin } from './admin.js';
import {
  describeFindings,
  labelFindings,
  splitFindings,
  splitReportFindings,
  type DemoFinding,
} from './findings.js';
import { checkInboundClient, checkOutboundOauth } from './checks.js';
import { iamRefusalsSince } from './iamCheck.js';
import { startWeatherApi } from './weatherApi.js';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
/** Where the demo writes its findings, CloudTrail export, report and summary by default. */
export const DEFAULT_DEMO_OUT = join('out', 'demo');

const say = (line = ''): void => {
  process.stdout.write(`${line}\n`);
};
const step = (title: string): void => say(`\n== ${title}`);

/** A step of the demo failed: the message quotes only the command's own error lines. */
class DemoStepError extends GatewardenError {}

/** Runs `gatewarden ARGS…` as a user would and returns its stdout. */
async function gatewarden(
  args: string[],
  tolerateFailures = false,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  say(`$ gatewarden ${args.join(' ')}`);
  try {
    const { stdout } = await run(process.execPath, [join(ROOT, 'bin', 'gatewarden.js'), ...args], {
      env,
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string; code?: number };
    // Exit 1 with a JSON document: some items failed (e.g. other secrets on a shared stack).
    if (tolerateFailures && failure.code === 1 && failure.stdout) return failure.stdout;
    // The command's own error lines (gatewarden's, already safe), not the SDK's warnings.
    const said = (failure.stderr ?? '')
      .split('\n')
      .filter((line) => line.startsWith('gatewarden:') || line.startsWith('hint:'))
      .join(' ')
      .slice(-800);
    throw new DemoStepError(
      `gatewarden ${args[0] ?? ''} failed (exit ${failure.code ?? '?'}): ${said}`,
    );
  }
}

/** Runs `gatewarden ARGS…` and returns its output and exit status, failing or not. */
async function gatewardenStatus(args: string[]): Promise<{ stdout: string; code: number }> {
  say(`$ gatewarden ${args.join(' ')}`);
  try {
    const { stdout } = await run(process.execPath, [join(ROOT, 'bin', 'gatewarden.js'), ...args], {
      env: process.env,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { stdout, code: 0 };
  } catch (error) {
    const failure = error as { stdout?: string; code?: number };
    return { stdout: failure.stdout ?? '', code: failure.code ?? 1 };
  }
}

async function stages(sm: SecretsManagerClient, secretId: string): Promise<string> {
  const { Versions = [] } = await sm.send(
    new ListSecretVersionIdsCommand({ SecretId: secretId, IncludeDeprecated: false }),
  );
  return Versions.filter((v) => (v.VersionStages ?? []).length > 0)
    .sort((a, b) => (a.CreatedDate?.getTime() ?? 0) - (b.CreatedDate?.getTime() ?? 0))
    .map((v) => `${(v.VersionId ?? '').slice(0, 8)}…[${(v.VersionStages ?? []).join(',')}]`)
    .join('  ');
}

interface Registered {
  label: string;
  secretArn: string;
}

/**
 * The local stage's break-glass admin (stack output `AdminRoleArn`: the stack's own admin user on
 * the local stack) and an environment that acts as it; the demo's installer when none is set.
 */
async function stageAdminOf(): Promise<{ arn?: string; env: NodeJS.ProcessEnv }> {
  const { outputs } = await stackOutputs('gatewarden-local');
  const arn = outputs?.AdminRoleArn;
  if (!arn || !arn.endsWith(':user/moto')) return { env: process.env };
  return {
    arn,
    env: {
      ...process.env,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    },
  };
}

async function registerCredentials(
  gw: DemoGateway,
  probeUrl: string,
  sm: SecretsManagerClient,
  admin: string,
): Promise<Registered[]> {
  // Issuer admin credentials live in their own secrets under gatewarden-admin/ (the only
  // place a document may reference), by ARN — never inlined.
  const tokenSecret = async (name: string, token: string): Promise<string> => {
    const created = await sm.send(
      new CreateSecretCommand({
        Name: `gatewarden-admin/${gw.gatewayId}/${name}`,
        SecretString: token,
      }),
    );
    return created.ARN ?? '';
  };
  const agentSecret = await sm.send(
    new CreateSecretCommand({
      Name: `demo-agents/${gw.gatewayId}/inbound-client`,
      SecretString: JSON.stringify({ clientSecret: gw.inboundClient.clientSecret }),
    }),
  );
  // On the local stack `register` uses a stand-in rotate function (moto never runs it) and
  // `rotate` runs the four steps in-process; on AWS these are the deployed function and role.
  // `register` runs as the stage's break-glass admin (its AdminRoleArn output: only it may sign
  // bindings, as on AWS); the demo's installer is a named reader: the demo reads what rotated,
  // and its weather API (the key's third party) checks keys against the secret as this user.
  const stageAdmin = await stageAdminOf();
  const common = [
    '--grace',
    '5s',
    '--window',
    '3h',
    '--admin-role',
    stageAdmin.arn ?? admin,
    '--reader',
    admin,
    '--json',
  ];
  const register = (args: string[]) => gatewarden(args, false, stageAdmin.env);
  const apiKey = JSON.parse(
    await register([
      'register',
      'apikey',
      '--provider',
      gw.apiKeyProvider.name,
      '--issuer',
      'generated',
      '--gateway',
      gw.gatewayId,
      '--probe-url',
      probeUrl,
      ...common,
    ]),
  ) as { secretArn: string };
  const oauth = JSON.parse(
    await register([
      'register',
      'oauth',
      '--provider',
      gw.oauthProvider.name,
      '--issuer',
      'rfc7592',
      '--gateway',
      gw.gatewayId,
      '--registration-uri',
      gw.outboundClient.registrationClientUri,
      '--registration-token-secret',
      await tokenSecret('outbound-registration', gw.outboundClient.registrationAccessToken),
      '--discovery-url',
      gw.discoveryUrl,
      '--audience',
      gw.audience,
      ...common,
    ]),
  ) as { secretArn: string };
  const inbound = JSON.parse(
    await register([
      'register',
      'inbound',
      '--gateway',
      gw.gatewayId,
      '--issuer',
      'rfc7592',
      '--client-id',
      gw.inboundClient.clientId,
      '--current-secret',
      `${agentSecret.ARN ?? ''}#clientSecret`,
      '--registration-uri',
      gw.inboundClient.registrationClientUri,
      '--registration-token-secret',
      await tokenSecret('inbound-registration', gw.inboundClient.registrationAccessToken),
      '--audience',
      gw.audience,
      ...common,
    ]),
  ) as { secretArn: string };
  return [
    { label: 'outbound API key', secretArn: apiKey.secretArn },
    { label: 'outbound OAuth client', secretArn: oauth.secretArn },
    { label: 'inbound client', secretArn: inbound.secretArn },
  ];
}

/** The data plane serves the provider's current key, and the target accepts it. */
async function checkApiKeyTarget(gw: DemoGateway, probeUrl: string): Promise<string> {
  const data = new BedrockAgentCoreClient(clientConfig());
  const { workloadAccessToken } = await data.send(
    new GetWorkloadAccessTokenCommand({ workloadName: gw.workloadIdentity }),
  );
  const { apiKey } = await data.send(
    new GetResourceApiKeyCommand({
      workloadIdentityToken: workloadAccessToken,
      resourceCredentialProviderName: gw.apiKeyProvider.name,
    }),
  );
  const response = await fetch(probeUrl, { headers: { 'x-api-key': apiKey ?? '' } });
  // `register` pointed the provider at the gatewarden secret (EXTERNAL): promotion in
  // finishSecret is the whole update, nothing was pushed to the provider.
  const provider = await new BedrockAgentCoreControlClient(clientConfig()).send(
    new GetApiKeyCredentialProviderCommand({ name: gw.apiKeyProvider.name }),
  );
  const source =
    provider.apiKeySecretSource === 'EXTERNAL'
      ? 'read by AgentCore from the gatewarden secret (EXTERNAL source, no provider update)'
      : `pushed to the provider (${provider.apiKeySecretSource ?? 'MANAGED'} source)`;
  return `API-key target answers HTTP ${response.status} with the key AgentCore serves, ${source}`;
}

export interface DemoOptions {
  /** Folder for findings.jsonl, cloudtrail.json, report/ and summary.txt. */
  outDir?: string;
  /** Leave the stack running (sample gateway, secrets, local stage) to try commands on. */
  keep?: boolean;
}

export async function runDemo(options: DemoOptions = {}): Promise<void> {
  const started = Date.now();
  const OUT = resolve(options.outDir ?? DEFAULT_DEMO_OUT);
  step('1. Local AWS stack');
  const { state, reused } = await startLocalStack();
  Object.assign(process.env, exportsOf(state));
  say(
    `endpoint ${state.endpoint} (${reused ? 'reused a running stack' : 'started'}); OIDC issuer ${state.oidcIssuer}`,
  );
  let weather: Awaited<ReturnType<typeof startWeatherApi>>;
  let admin: string;
  try {
    admin = await actAsDemoAdmin();
    say(`acting as ${admin} (an IAM user with an admin policy, as whoever installs gatewarden)`);
    // The local stage, deployed from the packaged template as on AWS, so the functions run as
    // their roles and `gatewarden doctor` has a stage to check at the end.
    await createLocalStage();
    weather = await startWeatherApi();
  } catch (error) {
    // A failed set-up leaves no stack behind.
    if (!reused) await stopLocalStack();
    throw error;
  }
  mkdirSync(OUT, { recursive: true });
  const summary: string[] = [];
  const next: string[] = [];
  try {
    step('2. Sample gateway (real AWS SDK calls)');
    const gatewayCreated = Date.now();
    const gw = await provisionDemoGateway({
      issuer: state.oidcIssuer,
      initialAccessToken: state.oidcInitialAccessToken,
      probeUrl: weather.url.replace(/\/weather$/, ''),
    });
    say(`gateway     ${gw.gatewayArn} (CUSTOM_JWT on ${gw.discoveryUrl})`);
    say(`exec role   ${gw.roleArn}`);
    say(`API key     ${gw.apiKeyProvider.arn} → target ${gw.apiKeyProvider.targetId}`);
    say(`OAuth2      ${gw.oauthProvider.arn} → target ${gw.oauthProvider.targetId}`);
    say(
      `inbound     client ${gw.inboundClient.clientId} (agents use it to get JWTs for the gateway)`,
    );

    step('3. Register the three credentials with gatewarden');
    const sm = new SecretsManagerClient(clientConfig());
    const secrets = await registerCredentials(gw, weather.url, sm, admin);
    const apiKeySecret = secrets[0]?.secretArn ?? '';
    weather.trustSecret(apiKeySecret);
    const before = new Map<string, string>();
    for (const secret of secrets) {
      before.set(secret.secretArn, await stages(sm, secret.secretArn));
      say(`${secret.label.padEnd(22)} ${secret.secretArn}`);
    }

    step('4. Rotate every credential of the gateway on demand');
    const rotated = await gatewarden(['rotate', '--gateway', gw.gatewayId, '--wait', '--json']);
    const rotation = JSON.parse(rotated) as {
      results?: Array<{
        secretArn: string;
        outcome: string;
        step?: string;
        errorClass?: string;
        ms: number;
      }>;
    };
    const results = rotation.results ?? [];
    for (const secret of secrets) {
      say(`${secret.label}:`);
      say(`  before  ${before.get(secret.secretArn) ?? ''}`);
      say(`  after   ${await stages(sm, secret.secretArn)}`);
    }
    const landed = results.filter((r) => r.outcome === 'succeeded').length;
    for (const r of results) {
      const failure =
        r.outcome === 'failed' ? ` at ${r.step ?? '?'} (${r.errorClass ?? 'Error'})` : '';
      say(
        `rotation ${r.outcome}${failure} in ${r.ms} ms: ${r.secretArn.split(':secret:')[1] ?? r.secretArn}`,
      );
    }

    step('5. The gateway still authenticates with the new credentials');
    const checks = [
      await checkApiKeyTarget(gw, weather.url),
      await checkOutboundOauth(gw),
      await checkInboundClient(gw, sm, secrets[2]?.secretArn ?? ''),
    ];
    for (const line of checks) say(`ok  ${line}`);
    say('waiting out the 5 s grace period, then sweeping retired credentials…');
    await new Promise((r) => setTimeout(r, 5_500));
    const sweep = JSON.parse(await gatewarden(['rotate', '--sweep', '--json'], true)) as {
      swept: Array<{ secretArn: string; revoked: number; stillInGrace: number; error?: string }>;
    };
    const ours = sweep.swept.filter((r) => secrets.some((s) => s.secretArn === r.secretArn));
    say(
      `sweep: ${ours.reduce((n, r) => n + r.revoked, 0)} retired credential(s) revoked at their issuers, ${ours.reduce((n, r) => n + r.stillInGrace, 0)} still in grace`,
    );
    say(
      '  (a generated key lives only in its secret, so its target decides how long AWSPREVIOUS is honoured; this OIDC provider replaces a client secret in place under RFC 7592, so nothing older is left at the issuer)',
    );
    summary.push(
      `rotation: ${secrets.length} credentials registered, ${landed}/${results.length} rotations landed, gateway still authenticates`,
    );

    step('6. Detection: replay CloudTrail through the rules');
    const scenario = await seedActivity(gw, apiKeySecret, gatewayCreated);
    const toolCalls = await seedToolCalls(gw, sm, secrets[2]?.secretArn ?? '', gatewayCreated);
    for (const id of toolCalls.suspiciousEventIds) scenario.suspiciousEventIds.add(id);
    scenario.actors.push(`the agent ${toolCalls.principal}`);
    const trailFile = join(OUT, 'cloudtrail.json');
    const recorded = await exportCloudTrail(trailFile, toolCalls.records);
    say(
      `${recorded} CloudTrail records: the demo's own API calls as the stack recorded them, a week of the gateway's routine (replayed history, so baselines have something to learn from), and ${scenario.suspiciousEventIds.size} suspicious calls by ${scenario.actors.join(' and ')} since the gateway was created`,
    );
    say(
      `  ${toolCalls.records.length} of them are InvokeGateway data events of the agent's tool calls (${toolCalls.tools.join(', ')}), generated by the demo in the documented shape and marked "gatewardenDemo": the local stack has no gateway data plane`,
    );
    say(
      '  (the suspicious calls are replayed records, not made on the stack: the report and doctor below check the live gateway, which they did not change)',
    );
    const jsonl = await gatewarden(['detect', '--format', 'jsonl', trailFile]);
    const findingsFile = join(OUT, 'findings.jsonl');
    writeFileSync(findingsFile, labelFindings(jsonl, scenario.suspiciousEventIds));
    const findings = jsonl
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as DemoFinding);
    const split = splitFindings(findings, scenario.suspiciousEventIds);
    for (const line of describeFindings(split)) say(line);
    if (split.missed.length > 0)
      say(`!! ${split.missed.length} suspicious call(s) raised no finding`);
    say(`findings written to ${findingsFile}`);
    summary.push(
      `detection: ${findings.length} findings from ${recorded} records — ${split.scenario.length} on the attack scenario (${scenario.suspiciousEventIds.size - split.missed.length}/${scenario.suspiciousEventIds.size} suspicious calls flagged), ${split.noiseCount} set-up noise`,
    );

    step('7. Least-privilege access report');
    const reportDir = join(OUT, 'report');
    // The demo's own admins are labelled, not hidden: their findings are true (an admin policy
    // is critical anywhere) and stay counted; the label says they are the demo's set-up.
    const setUp = [...new Set([admin, (await stageAdminOf()).arn].filter(Boolean))];
    // The local account's whole history is this run: a window of one day is what its trail
    // covers (a 90-day window would be partial, and the report would call nothing unused).
    await gatewarden([
      'report',
      '--days',
      '1',
      '--format',
      'all',
      '--out',
      reportDir,
      '--no-progress',
      ...setUp.flatMap((arn) => ['--label', `${arn}=set-up`]),
    ]);
    const report = JSON.parse(readFileSync(join(reportDir, 'report.json'), 'utf8')) as AccessReport;
    const role = report.roles.find((r) => r.arn === gw.roleArn);
    if (role) {
      const used = role.usedActions;
      say(`gateway role uses: ${used.map(String).join(', ') || 'nothing'}`);
      say(
        `gateway role: ${role.grantedActionCount} actions granted, ${role.usedActions.length} used, ${role.unusedActionCount} to remove`,
      );
    }
    const parts = splitReportFindings(report.findings, [gw.gatewayId, gw.roleName]);
    say(`findings on the demo gateway and its role: ${parts.gateway.length}`);
    for (const f of parts.gateway) say(`  [${f.severity.padEnd(8)}] ${f.checkId}: ${f.message}`);
    say(
      `findings labelled set-up (the demo's own admins, ${setUp.join(', ')}; true findings, marked in the report, still counted): ${parts.setUp.length}`,
    );
    for (const f of parts.setUp)
      say(`  [${f.severity.padEnd(8)}] [set-up] ${f.checkId}: ${f.resource}`);
    say(
      `findings on other roles and checks of the account: ${parts.elsewhere} (in ${join(reportDir, 'report.md')})`,
    );
    say(`report written to ${reportDir}/report.{json,md,html}`);
    summary.push(
      `report: ${report.roles.length} roles analysed, ${report.findings.length} findings — ${parts.gateway.length} on the demo gateway (listed), ${parts.setUp.length} labelled set-up (listed), ${parts.elsewhere} elsewhere`,
    );
    // Tool-level least privilege: who calls which tool, and the Cedar policy allowing exactly that
    // (the gateway's tools read live, the calls from the demo's InvokeGateway data events).
    const toolsDir = join(OUT, 'tools');
    await gatewarden(['tools', '--trail', trailFile, '--gateway', gw.gatewayId, '--out', toolsDir]);
    const tools = JSON.parse(readFileSync(join(toolsDir, 'tools.json'), 'utf8')) as ToolReport;
    const toolLines = toolAccessLines(tools, gw.gatewayId, join(toolsDir, `${gw.gatewayId}.cedar`));
    for (const line of toolLines) say(line);
    say(`tool report written to ${toolsDir}/tools.{json,md,html}`);
    summary.push(toolLines.join('\n'));

    step('8. gatewarden doctor: is this deployment ready for real use?');
    const doctor = await gatewardenStatus(['doctor', '--gateway', gw.gatewayId]);
    const doctorLines = doctor.stdout.trimEnd().split('\n');
    for (const line of doctorLines) say(line);
    const counts = doctorLines.find((l) => /passed, \d+ failed/.test(l)) ?? 'no report';
    summary.push(`doctor: ${counts} (exit ${doctor.code})`);

    step('9. IAM: every call above was authorized as AWS would');
    const iam = await iamRefusalsSince(state.endpoint, new Date(started));
    for (const line of iam.refused) say(`refused  ${line}`);
    summary.push(`iam: ${iam.mode} mode, ${iam.refused.length} call(s) refused`);
    if (iam.mode !== 'enforce' || iam.refused.length > 0) process.exitCode = 1;
    writeFileSync(join(OUT, 'summary.txt'), `${summary.join('\n')}\n`);
    next.push(...nextCommands(gw.gatewayId, secrets, OUT));
  } finally {
    await weather.close();
    if (!reused && !options.keep) await stopLocalStack();
  }
  step('Summary');
  for (const line of summary) say(`- ${line}`);
  const stack = options.keep
    ? 'left running (--keep)'
    : reused
      ? 'left running (it was running before the demo)'
      : 'stopped';
  say(`- local stack ${stack}; ${((Date.now() - started) / 1000).toFixed(1)} s`);
  say(`- outputs in ${OUT}: findings.jsonl, cloudtrail.json, report/, tools/, summary.txt`);
  if (options.keep || reused) {
    step('Try it yourself');
    for (const line of next) say(line);
  }
}

/**
 * What to try on the kept stack: the sample gateway, its registered secrets and the local stage
 * stay. The API-key target's sample API lived in the demo's process, so the commands rotate the
 * credentials whose checks need no demo process: the OAuth client and the inbound client.
 */
export function nextCommands(
  gatewayId: string,
  secrets: ReadonlyArray<{ label: string; secretArn: string }>,
  out: string,
): string[] {
  const name = (arn: string) => arn.split(':secret:')[1]?.replace(/-[A-Za-z0-9]{6}$/, '') ?? arn;
  const inbound = secrets[2]?.secretArn ?? secrets.at(-1)?.secretArn ?? '';
  return [
    'eval "$(npx gatewarden local start)"        # point this shell at the running stack',
    `npx gatewarden doctor --gateway ${gatewayId}   # is the deployment ready?`,
    `npx gatewarden rotate --secret ${name(inbound)} --wait   # rotate the inbound client's secret`,
    `npx gatewarden detect ${join(out, 'cloudtrail.json')}   # replay the trail through the rules`,
    'npx gatewarden local stop                      # when done',
  ];
}
