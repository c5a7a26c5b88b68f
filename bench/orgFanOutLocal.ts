/**
 * The organization report's member fan-out on the local stack (issue 22, point 7), beside the
 * in-memory model of `npm run bench:org`. A stack of its own, IAM enforced: an organization of
 * `--members` accounts made with Organizations CreateAccount, each with the member read role
 * (the member template's trust and statements), and a central reader role standing for the
 * report role (ListAccounts, AssumeRole on the read roles within the organization). Then
 * `organizationAccessReport` runs as that role — the real report per member: AssumeRole, IAM's
 * authorization details, the AgentCore, Secrets Manager and CloudTrail reads — at
 * `--concurrency`, every call delayed by `--call-ms` in a proxy before the stack (AWS's latency
 * from a Lambda in the region; the local stack answers in milliseconds). The management account
 * has no read role: its failure is counted, as a report would list it.
 *
 * Projection: at a fixed concurrency the fan-out's time grows with the number of members, so
 * 500 members take wall × 500 / members (stated as a projection when `--members` < 500). The
 * in-memory figure runs lib/reports/organization.ts `fanOutMembers` over 500 members, each
 * taking the mean time a member took here (run at a fraction of the time and scaled back), so
 * the two can be compared against the 900 s limit.
 * Ends with one JSON line: {"bench":"org-fan-out-local",...}.
 *
 *   npx tsx bench/orgFanOutLocal.ts [-- --members 120 --concurrency 10 --call-ms 100]
 */
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { STSClient } from '@aws-sdk/client-sts';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { memberSources } from '../lib/aws/memberAccess.js';
import { OrganizationsDirectory } from '../lib/aws/organizationDirectory.js';
import { MEMBER_STACKSET_FILE } from '../lib/deploy/memberTemplate.js';
import { IamDataCatalog } from '../lib/reports/catalog.js';
import {
  fanOutMembers,
  organizationAccessReport,
  type MemberAccount,
} from '../lib/reports/organization.js';
import { latencyProxy } from './latencyProxy.js';
import { intArg } from './args.js';
import {
  createAccount,
  ensureOrganization,
  MANAGEMENT_ACCOUNT,
  roleSession,
} from '../test/support/organization.js';

const MEMBERS = intArg('members', 120);
const CONCURRENCY = intArg('concurrency', 10);
const CALL_MS = intArg('call-ms', 100);
const TARGET_MEMBERS = 500;
const LAMBDA_LIMIT_S = 900;
const STAGE = 'bench';
const REGION = 'us-east-1';
const ROOT = path.resolve(import.meta.dirname, '..');
const run = promisify(execFile);
const gatewarden = path.join(ROOT, 'bin', 'gatewarden.js');
const log = (line: string) => process.stderr.write(`${line}\n`);

/** The member template's read role: its trust (Principal + PrincipalOrgID) and statements. */
function readRole(account: string) {
  const yaml = createRequire(import.meta.url)('js-yaml') as { load(text: string): unknown };
  const { templateBody } = yaml.load(
    readFileSync(path.join(ROOT, MEMBER_STACKSET_FILE), 'utf8'),
  ) as { templateBody: string };
  const role = (
    JSON.parse(templateBody) as {
      Resources: {
        ReadRole: {
          Properties: {
            RoleName: unknown;
            AssumeRolePolicyDocument: unknown;
            Policies: { PolicyDocument: unknown }[];
          };
        };
      };
    }
  ).Resources.ReadRole.Properties;
  return (parameters: Record<string, string>) => {
    const values: Record<string, string> = {
      ...parameters,
      'AWS::Partition': 'aws',
      'AWS::AccountId': account,
    };
    const resolve = (node: unknown): unknown => {
      if (Array.isArray(node)) return node.map(resolve);
      if (!node || typeof node !== 'object') return node;
      const entries = Object.entries(node);
      const [fn, arg] = entries[0] ?? [];
      if (entries.length === 1 && fn === 'Fn::Sub' && typeof arg === 'string')
        return arg.replace(/\$\{([^}]+)\}/g, (_, name: string) => values[name] ?? `\${${name}}`);
      if (entries.length === 1 && fn === 'Ref' && typeof arg === 'string') return values[arg];
      return Object.fromEntries(entries.map(([k, v]) => [k, resolve(v)]));
    };
    return {
      name: String(resolve(role.RoleName)),
      trust: JSON.stringify(resolve(role.AssumeRolePolicyDocument)),
      policy: JSON.stringify(resolve(role.Policies[0]?.PolicyDocument)),
    };
  };
}

const stateDir = mkdtempSync(path.join(tmpdir(), 'gw-bench-org-'));
const env = {
  ...process.env,
  GATEWARDEN_LOCAL_STATE_DIR: stateDir,
  GATEWARDEN_LOCAL_IAM: 'enforce',
  // No AWS managed policies in moto (local/moto.ts): with them, each account costs seconds to
  // make and each GetAccountAuthorizationDetails ~15 s of moto's time, which AWS does not.
  GATEWARDEN_LOCAL_MANAGED_POLICIES: 'false',
};
log(`starting a local stack (${stateDir}) …`);
const started = JSON.parse(
  (
    await run(process.execPath, [gatewarden, 'local', 'start', '--json', '--no-deploy'], {
      env,
      timeout: 180_000,
    })
  ).stdout,
) as Record<string, string>;
Object.assign(process.env, env, started);
const front = process.env.AWS_ENDPOINT_URL ?? '';
const { readState } = await import('../local/state.js');
const motoUrl = readState(path.join(stateDir, 'local-stack.json'))?.motoUrl ?? '';

try {
  // Set-up (not timed), as the management account's admin.
  const admin = { region: REGION, maxAttempts: 1 };
  const organizations = new OrganizationsClient(admin);
  const organizationId = await ensureOrganization(organizations);
  const iam = new IAMClient(admin);
  const readerName = `gatewarden-${STAGE}-report`;
  const reader = await iam.send(
    new CreateRoleCommand({
      RoleName: readerName,
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${MANAGEMENT_ACCOUNT}:root` },
            Action: 'sts:AssumeRole',
          },
        ],
      }),
    }),
  );
  const readerArn = reader.Role?.Arn ?? '';
  // The report role's organization statements (resources/role-report.yml).
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: readerName,
      PolicyName: 'organization',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: 'organizations:ListAccounts', Resource: '*' },
          {
            Effect: 'Allow',
            Action: 'sts:AssumeRole',
            Resource: `arn:aws:iam::*:role/gatewarden-${STAGE}-member-read`,
            Condition: { StringEquals: { 'aws:ResourceOrgID': organizationId } },
          },
        ],
      }),
    }),
  );
  const setupStarted = Date.now();
  for (let i = 0; i < MEMBERS; i++) {
    const account = await createAccount(organizations, `bench-${i}`);
    // The read role as the StackSet makes it, on moto directly (set-up, not the product).
    const direct = { ...admin, endpoint: motoUrl };
    const member = new IAMClient({
      ...direct,
      credentials: await roleSession(
        new STSClient(direct),
        `arn:aws:iam::${account}:role/OrganizationAccountAccessRole`,
      ),
    });
    const role = readRole(account)({
      Stage: STAGE,
      ReportRoleArn: readerArn,
      OrganizationId: organizationId,
    });
    await member.send(
      new CreateRoleCommand({ RoleName: role.name, AssumeRolePolicyDocument: role.trust }),
    );
    await member.send(
      new PutRolePolicyCommand({
        RoleName: role.name,
        PolicyName: 'member-inventory',
        PolicyDocument: role.policy,
      }),
    );
    if ((i + 1) % 20 === 0) log(`${i + 1} member accounts ready`);
  }
  log(`set-up: ${MEMBERS} accounts in ${((Date.now() - setupStarted) / 1000).toFixed(0)} s`);

  // Timed: the fan-out as the reader, every call through the latency proxy.
  const credentials = await roleSession(new STSClient(admin), readerArn, 'bench-report');
  const proxy = await latencyProxy(front, CALL_MS);
  process.env.AWS_ENDPOINT_URL = proxy.url;
  const client = { region: REGION, maxAttempts: 1, credentials };
  const t0 = Date.now();
  const { organization, members } = await organizationAccessReport(
    {
      directory: new OrganizationsDirectory(new OrganizationsClient(client)),
      memberSources: (account) =>
        memberSources(account, { stage: STAGE, sts: new STSClient(client) }),
      catalog: new IamDataCatalog(),
    },
    { concurrency: CONCURRENCY },
  );
  const wallS = (Date.now() - t0) / 1000;
  await proxy.close();
  process.env.AWS_ENDPOINT_URL = front;
  const reported = organization.accounts.filter((a) => a.status === 'reported').length;
  const failed = organization.accounts.length - reported;
  const readMs = members.filter((m) => m.ok).map((m) => m.ms);
  const meanMemberMs = readMs.reduce((a, b) => a + b, 0) / Math.max(1, readMs.length);
  const callsPerMember = proxy.calls() / Math.max(1, organization.accounts.length);
  const projected500S = (wallS * TARGET_MEMBERS) / organization.accounts.length;

  // The in-memory model (bench:org) at the per-member time measured here.
  log(`in-memory model: ${TARGET_MEMBERS} members of ${meanMemberMs.toFixed(0)} ms …`);
  const model: MemberAccount[] = Array.from({ length: TARGET_MEMBERS }, (_, i) => ({
    id: String(100000000000 + i),
    name: `model-${i}`,
    status: 'ACTIVE',
  }));
  // Run at 1/scale of the time (about 10 s) and scaled back: sleeps schedule the same.
  const scale = Math.max(1, Math.round((meanMemberMs * TARGET_MEMBERS) / CONCURRENCY / 10_000));
  const m0 = Date.now();
  await fanOutMembers(
    model,
    (account) =>
      new Promise((resolve) => setTimeout(() => resolve(account.id), meanMemberMs / scale)),
    { concurrency: CONCURRENCY },
  );
  const inMemory500S = ((Date.now() - m0) / 1000) * scale;

  const seconds = (s: number) => `${s.toFixed(1)} s`;
  const lines = [
    `local stack: ${organization.accounts.length} accounts (${reported} reported, ${failed} failed) at concurrency ${CONCURRENCY}, ${CALL_MS} ms per call, ${callsPerMember.toFixed(1)} calls per account: ${seconds(wallS)}`,
    `  mean per reported member ${meanMemberMs.toFixed(0)} ms`,
    `  ${TARGET_MEMBERS} members: ${organization.accounts.length >= TARGET_MEMBERS ? 'measured' : 'projected'} ${seconds(projected500S)} of the ${LAMBDA_LIMIT_S} s Lambda limit (${((projected500S / LAMBDA_LIMIT_S) * 100).toFixed(0)} %)`,
    `in memory (fanOutMembers, ${TARGET_MEMBERS} members of ${meanMemberMs.toFixed(0)} ms): ${seconds(inMemory500S)} of ${LAMBDA_LIMIT_S} s`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  process.stdout.write(
    `${JSON.stringify({
      bench: 'org-fan-out-local',
      accounts: organization.accounts.length,
      reported,
      failed,
      concurrency: CONCURRENCY,
      callMs: CALL_MS,
      callsPerAccount: Number(callsPerMember.toFixed(1)),
      wallS: Number(wallS.toFixed(1)),
      meanMemberMs: Math.round(meanMemberMs),
      projected500S: Number(projected500S.toFixed(1)),
      inMemory500S: Number(inMemory500S.toFixed(1)),
      lambdaLimitS: LAMBDA_LIMIT_S,
      withinLimit: projected500S < LAMBDA_LIMIT_S,
    })}\n`,
  );
} finally {
  await run(process.execPath, [gatewarden, 'local', 'stop'], { env: process.env });
}
