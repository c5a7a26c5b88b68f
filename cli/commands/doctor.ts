import { InvalidArgumentError, type Command } from 'commander';
import type { CheckResult, CheckStatus, DoctorReport } from '../../lib/doctor/index.js';
import { ENV } from '../../lib/shared/env.js';
import { forTerminal } from '../../lib/shared/terminal.js';
import type { RegisterCommand } from './index.js';

export const DOCTOR_DESCRIPTION =
  'Check a deployment read-only: your rights for each command, the trail, the EventBridge rules that feed detection, and every registered secret (rotation, function, provider, JSON key)';

interface DoctorFlags {
  stage?: string;
  gateway?: string;
  rotationFunction?: string;
  detectTarget?: string[];
  dataEvents?: boolean;
  posture?: boolean;
  nonProduction?: boolean;
  allowedInterceptor?: string[];
  json?: boolean;
  org?: boolean;
  orgRegions?: string;
  callAs?: 'SELF' | 'DELEGATED_ADMIN';
}

const MARK: Record<CheckStatus, string> = {
  pass: 'ok  ',
  fail: 'FAIL',
  warn: 'WARN',
  unverified: '??  ',
};
const AREA_TITLES: Record<CheckResult['area'], string> = {
  rights: 'rights of the caller (IAM policy simulation)',
  trail: 'CloudTrail',
  rules: 'EventBridge rules feeding detect',
  secrets: 'registered secrets',
  posture: 'gateway posture (live configuration)',
  organization: 'organization members (StackSet instances, read roles, rules, trails)',
};

/** The report as people read it: one line per check, grouped by area, then the counts. */
export function formatDoctorReport(report: DoctorReport): string {
  const lines = [
    `gatewarden doctor — stage ${report.stage}${report.region ? `, ${report.region}` : ''}, caller ${report.caller}`,
  ];
  for (const area of Object.keys(AREA_TITLES) as Array<CheckResult['area']>) {
    const checks = report.checks.filter((c) => c.area === area);
    if (checks.length === 0) continue;
    lines.push('', AREA_TITLES[area]);
    if (area !== 'secrets') {
      for (const check of checks) lines.push(`  ${MARK[check.status]} ${check.message}`);
      continue;
    }
    // A secret whose checks all pass is one line; otherwise its problems, one line each.
    const bySecret = new Map<string, CheckResult[]>();
    for (const check of checks) {
      const name = check.id.split(':').slice(1).join(':') || check.id;
      bySecret.set(name, [...(bySecret.get(name) ?? []), check]);
    }
    for (const [name, own] of bySecret) {
      const problems = own.filter((c) => c.status !== 'pass');
      if (problems.length === 0) {
        const said = own.map((c) => c.message.replace(`${name}: `, '')).join('; ');
        lines.push(
          `  ${MARK.pass} ${own.length > 1 ? `${name}: ${said}` : (own[0]?.message ?? '')}`,
        );
        continue;
      }
      for (const check of problems) lines.push(`  ${MARK[check.status]} ${check.message}`);
      const passed = own.length - problems.length;
      if (passed > 0) lines.push(`       (${name}: ${passed} other check(s) passed)`);
    }
  }
  const { pass, fail, warn, unverified } = report.summary;
  lines.push(
    '',
    `${pass} passed, ${fail} failed,${warn > 0 ? ` ${warn} warned,` : ''} ${unverified} could not be verified`,
  );
  const notVerified = report.checks.filter((c) => c.status === 'unverified');
  if (notVerified.length > 0) {
    lines.push('could not verify:');
    for (const check of notVerified) lines.push(`  - ${check.id}`);
  }
  // Messages quote names, ARNs and reasons read from the account: one line each, escaped.
  return `${lines.map((line) => forTerminal(line)).join('\n')}\n`;
}

/**
 * What the doctor compares against, from flags, the environment, or the stage's names
 * (`gatewarden-<stage>-rotate`, the queue `gatewarden-<stage>-detect-events` the detect rules
 * deliver to). On the local stack: the local stage's names.
 */
async function resolveOptions(flags: DoctorFlags, env: NodeJS.ProcessEnv) {
  const { endpointIsLocal } = await import('./rotate.js');
  const local = endpointIsLocal(env);
  const stage = flags.stage ?? env[ENV.stage] ?? (local ? 'local' : 'dev');
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  const [{ AwsDoctorReader }, { LOCAL_STAGE, detectQueueName }] = await Promise.all([
    import('../../lib/aws/doctorReader.js'),
    import('../../scripts/localStage.js'),
  ]);
  const stateTable = env[ENV.stateTable] ?? (local ? LOCAL_STAGE.stateTable : undefined);
  const reader = new AwsDoctorReader(stateTable, {
    binding: env[ENV.bindingMacKey] ?? (local ? LOCAL_STAGE.bindingMacKey : undefined),
    ledger: env[ENV.ledgerMacKey] ?? (local ? LOCAL_STAGE.ledgerMacKey : undefined),
  });
  // Who is calling: without an answer (no credentials, endpoint down) nothing can be checked,
  // and that is a failure of the run, not a list of "could not verify".
  const { account, arn: callerArn } = await reader.caller();
  const partition = callerArn.split(':')[1] || 'aws';
  const lambdaArn = (name: string): string | undefined =>
    account && region ? `arn:${partition}:lambda:${region}:${account}:function:${name}` : undefined;
  const rotationFunctionArn =
    flags.rotationFunction ??
    env[ENV.rotationFunctionArn] ??
    lambdaArn(`gatewarden-${stage}-rotate`);
  // The detect rules deliver to the stage's detect queue, which detect reads in batches.
  const derivedTarget =
    account && region
      ? `arn:${partition}:sqs:${region}:${account}:${detectQueueName(stage)}`
      : undefined;
  const detectTargets = flags.detectTarget?.length
    ? flags.detectTarget
    : derivedTarget
      ? [derivedTarget]
      : [];
  return {
    reader,
    options: {
      stage,
      ...(region ? { region } : {}),
      ...(rotationFunctionArn ? { rotationFunctionArn } : {}),
      detectTargets,
      ...(flags.gateway ? { gatewayId: flags.gateway } : {}),
      ...(stateTable ? { stateTable } : {}),
      ...(flags.dataEvents ? { gatewayDataEvents: true } : {}),
      ...(flags.posture ? { posture: true } : {}),
      ...(flags.nonProduction ? { production: false } : {}),
      allowedInterceptors: [
        ...(flags.allowedInterceptor ?? []),
        ...(env[ENV.postureAllowedInterceptors] ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      ],
    },
  };
}

/** `doctor --org`: the members' lines, after the stage's own; a failure to list them is unverified. */
async function addOrganizationChecks(report: DoctorReport, flags: DoctorFlags): Promise<void> {
  const { organizationChecks } = await import('../../lib/doctor/organizationChecks.js');
  const { organizationDoctorPorts } = await import('../../lib/aws/organizationDoctor.js');
  const { safeReason } = await import('../../lib/shared/redact.js');
  const callAs = flags.callAs ?? 'DELEGATED_ADMIN';
  if (callAs !== 'SELF' && callAs !== 'DELEGATED_ADMIN') {
    throw new InvalidArgumentError('--call-as must be SELF or DELEGATED_ADMIN');
  }
  const partition = report.caller.split(':')[1] || 'aws';
  const regions = (flags.orgRegions ?? '')
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  const [
    { expectedMemberRulePattern, expectedMemberRuleSchedule, expectedMemberRules },
    { readDetectRoutes },
  ] = await Promise.all([
    import('../../lib/deploy/memberTemplate.js'),
    import('../../lib/deploy/detectRoutes.js'),
  ]);
  const stageRegion = report.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const centralAccount = report.caller.split(':')[4] ?? '';
  const routes = readDetectRoutes();
  const usEast1Chosen = (regions.length > 0 ? regions : [stageRegion]).includes('us-east-1');
  const checks = await organizationChecks(
    organizationDoctorPorts({
      stage: report.stage,
      partition,
      callAs,
      ...(process.env[ENV.stateTable] ? { stateTable: process.env[ENV.stateTable] } : {}),
    }),
    {
      regions,
      stageRegion,
      expectedRules: (region) => expectedMemberRules(routes, report.stage, region, usEast1Chosen),
      expectedPattern: (region, name) =>
        expectedMemberRulePattern(routes, report.stage, region, usEast1Chosen, name),
      expectedSchedule: (name) => expectedMemberRuleSchedule(report.stage, name),
      centralBusArn: `arn:${partition}:events:${stageRegion}:${centralAccount}:event-bus/default`,
      centralAccount,
    },
  ).catch((error: unknown) => [
    {
      id: 'organization',
      area: 'organization' as const,
      status: 'unverified' as const,
      message: `could not list the organization's accounts or the member StackSet: ${safeReason(error)}`,
    },
  ]);
  report.checks.push(...checks);
  for (const check of checks) report.summary[check.status] += 1;
  report.ok = report.summary.fail === 0;
}

/** `gatewarden doctor`: exit 0 when every check passed or could not be verified, 1 when one failed. */
export const registerDoctor: RegisterCommand = (program: Command) => {
  program
    .command('doctor')
    .description(DOCTOR_DESCRIPTION)
    .option(
      '--stage <stage>',
      'deployed stage (rules gatewarden-<stage>-detect-*); default GATEWARDEN_STAGE, `local` on the local stack, else dev',
    )
    .option('--gateway <id>', 'check only the secrets of this gateway')
    .option(
      '--rotation-function <arn>',
      'the deployed rotate function (default GATEWARDEN_ROTATION_FUNCTION_ARN, else gatewarden-<stage>-rotate)',
    )
    .option(
      '--detect-target <arn>',
      'what detect rules must target (repeatable; default the queue gatewarden-<stage>-detect-events)',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option(
      '--data-events',
      'require a trail logging gateway invocations (InvokeGateway data events)',
    )
    .option(
      '--posture',
      "also check each gateway's live configuration (authorizer, WAF, interceptors, policy engine, KMS, resource policy, targets), or only the --gateway one",
    )
    .option(
      '--non-production',
      'posture: detailed gateway errors (exceptionLevel DEBUG) are allowed',
    )
    .option(
      '--allowed-interceptor <arn>',
      'posture: an interceptor Lambda reviewed to receive request headers or run in another account (repeatable; also GATEWARDEN_POSTURE_INTERCEPTORS, comma-separated)',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option(
      '--org',
      'central stage of an organization: each active member’s StackSet instances (current in every region), read role (assumable), forwarding rules and trail coverage (organization trail or its own)',
    )
    .option(
      '--org-regions <list>',
      'with --org: the regions members forward from (the stage’s organizationRegions; default the stage’s region); us-east-1 is always expected',
    )
    .option('--call-as <who>', 'with --org: DELEGATED_ADMIN (default) or SELF (management account)')
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      '\nRead-only: nothing in the account changes. Rights are checked with iam:SimulatePrincipalPolicy for the role or user behind your credentials; what the account does not let it read is listed as "could not verify", not failed.\nExit status: 0 when no check failed, 1 when one did.',
    )
    .action(async (flags: DoctorFlags) => {
      const { runDoctor } = await import('../../lib/doctor/index.js');
      const { reader, options } = await resolveOptions(flags, process.env);
      const report = await runDoctor(reader, options);
      if (flags.org === true) await addOrganizationChecks(report, flags);
      process.stdout.write(
        flags.json
          ? forTerminal(`${JSON.stringify(report, null, 2)}\n`, { lines: true })
          : formatDoctorReport(report),
      );
      if (!report.ok) process.exitCode = 1;
      const { endpointIsLocal } = await import('./rotate.js');
      if (!report.ok && !flags.json && endpointIsLocal(process.env)) {
        const { stackOutputs } = await import('../../lib/aws/stackOutputs.js');
        const { outputs } = await stackOutputs(`gatewarden-${report.stage}`).catch(() => ({
          outputs: {},
        }));
        if (outputs === undefined) {
          process.stderr.write(
            `hint: the ${report.stage} stage is not deployed on this local stack: \`npx gatewarden local deploy\` deploys it; \`npm run demo -- --keep\` leaves one with a sample gateway and its secrets\n`,
          );
        }
      }
    });
};
