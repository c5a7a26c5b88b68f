import { access, constants, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { IamDataCatalog } from '../../lib/reports/catalog.js';
import { ReportInputError } from '../../lib/reports/errors.js';
import { AuthorizationDetailsFile } from '../../lib/reports/iamFile.js';
import { DEFAULT_MAX_PRINCIPALS } from '../../lib/reports/iamModel.js';
import {
  checkCount,
  labelledSummary,
  parseLabelRule,
  parseLabelRules,
  type LabelRule,
} from '../../lib/reports/labels.js';
import { DirectoryActivitySource } from '../../lib/reports/logFiles.js';
import type { ReportLists } from '../../lib/reports/render/reportLists.js';
import { reportChunks, writeReportFiles } from '../../lib/reports/reportFiles.js';
import { ReportSpool } from '../../lib/reports/ReportSpool.js';
import { postureDeclarations } from '../../lib/reports/postureChecks.js';
import { DEFAULT_REPORT_DAYS, streamReport, type ReportDeps } from '../../lib/reports/report.js';
import type { AccessReport } from '../../lib/reports/reportTypes.js';
import type { ActivitySource, ScanProgress } from '../../lib/reports/usage.js';
import { forTerminal } from '../../lib/shared/terminal.js';
import type { RegisterCommand } from './index.js';
import {
  addUsageQueryOptions,
  athenaSettings,
  type UsageQueryCliOptions,
} from './usageQueryOptions.js';

type Format = 'json' | 'md' | 'html' | 'all';

interface ReportCliOptions extends UsageQueryCliOptions {
  iam?: string;
  trail?: string;
  days: number;
  format: Format;
  out?: string;
  manager: string[];
  label: LabelRule[];
  labelsFile?: string;
  lookupEvents?: boolean;
  progress: boolean;
  nonProduction?: boolean;
  allowedInterceptor: string[];
  allowUnknownUsage?: boolean;
  maxPrincipals: number;
  organization?: boolean;
  stage?: string;
  memberRole?: string;
  concurrency?: number;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 3650)
    throw new InvalidArgumentError('must be a whole number of days, 1–3650');
  return n;
}

function principalCap(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError('must be a whole number, 1 or more');
  return n;
}

function concurrency(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100)
    throw new InvalidArgumentError('must be a whole number, 1–100');
  return n;
}

function labelRule(value: string, previous: LabelRule[]): LabelRule[] {
  try {
    return [...previous, parseLabelRule(value)];
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

function format(value: string): Format {
  if (!['json', 'md', 'html', 'all'].includes(value))
    throw new InvalidArgumentError('must be json, md, html or all');
  return value as Format;
}

/** `gatewarden report`: the least-privilege access report, offline or through the SDK. */
export const registerReport: RegisterCommand = (program: Command) => {
  const command = program
    .command('report')
    .description(
      'Least-privilege access report: what gateway roles and managers are granted vs what they used',
    )
    .option(
      '--iam <file>',
      'output of `aws iam get-account-authorization-details` (offline); without it, IAM and AgentCore are read through the SDK',
    )
    .option(
      '--trail <dir|s3://bucket/prefix>',
      'CloudTrail log files (.json/.json.gz) in a directory or an S3 prefix',
    )
    .option(
      '--lookup-events',
      'read usage with CloudTrail LookupEvents (management events, 90 days); the default without --iam',
    );
  addUsageQueryOptions(command, 'usage');
  command
    .option('--days <n>', 'days of activity to consider', positiveInt, DEFAULT_REPORT_DAYS)
    .option('--format <format>', 'json | md | html | all', format, 'json')
    .option(
      '--out <dir>',
      'write the --format file(s) (report.json / report.md / report.html) into this directory',
    )
    .option(
      '--manager <arn>',
      'principal expected to manage gateways (repeatable)',
      (v: string, acc: string[]) => [...acc, v],
      [],
    )
    .option(
      '--label <arn-or-glob=label>',
      'mark the principals an ARN or glob (* and ?) matches, and the findings on them, with a label (repeatable): e.g. arn:aws:iam::*:role/break-glass=break-glass; still counted, never hidden',
      labelRule,
      [],
    )
    .option(
      '--labels-file <file>',
      'label rules, one <arn-or-glob>=<label> per line (# comments); added to --label',
    )
    .option(
      '--non-production',
      'gateway posture: detailed gateway errors (exceptionLevel DEBUG) are allowed on this stage',
    )
    .option(
      '--allowed-interceptor <arn>',
      'gateway posture: an interceptor Lambda reviewed to receive request headers or run in another account (repeatable; also GATEWARDEN_POSTURE_INTERCEPTORS)',
      (v: string, acc: string[]) => [...acc, v],
      [],
    )
    .option(
      '--allow-unknown-usage',
      'exit 0 even when the usage source proves nothing (no CloudTrail record inside the window); the report still says usage is unknown',
    )
    .option(
      '--max-principals <n>',
      'refuse an --iam export with more roles and users than this',
      principalCap,
      DEFAULT_MAX_PRINCIPALS,
    )
    .option(
      '--organization',
      'every active account of the organization (Organizations ListAccounts), each read through a role in it; writes organization.json (and <account>/report.json with --out)',
    )
    .option('--stage <stage>', 'with --organization: read through this stage’s member read role')
    .option(
      '--member-role <name>',
      'with --organization: the role to assume in each member instead (the stage’s read role trusts only the central report role)',
    )
    .option(
      '--concurrency <n>',
      'with --organization: members read at once (default 10)',
      concurrency,
    )
    .option('--no-progress', 'no progress bar')
    .action(async (options: ReportCliOptions) => {
      // Checked first: a long analysis must not end in a raw errno.
      const labels = await labelRules(options);
      if (options.out !== undefined) await checkWritable(options.out);
      if (options.organization === true) {
        if (
          options.iam !== undefined ||
          options.trail !== undefined ||
          options.lake !== undefined ||
          options.lookupEvents === true
        )
          throw new ReportInputError(
            '--organization reads each member through the SDK; usage only from --athena',
            { usage: true },
          );
        const { runOrganizationReport } = await import('./reportOrganization.js');
        await runOrganizationReport(
          options,
          {
            days: options.days,
            managers: options.manager,
            labels,
          },
          new IamDataCatalog(),
        );
        return;
      }
      const spool = new ReportSpool();
      try {
        const report = await runReport(options, labels, spool);
        emit(report, spool, options);
      } finally {
        spool.dispose();
      }
    });
};

/** The `--label` rules and those of `--labels-file`, in that order. */
async function labelRules(options: ReportCliOptions): Promise<LabelRule[]> {
  if (options.labelsFile === undefined) return checkCount(options.label);
  let text: string;
  try {
    text = await readFile(options.labelsFile, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    throw new ReportInputError(
      `cannot read --labels-file ${options.labelsFile}: ${code === 'ENOENT' ? 'no such file' : typeof code === 'string' ? code : 'unreadable'}`,
      { usage: true, context: { labelsFile: options.labelsFile } },
    );
  }
  return checkCount([...options.label, ...parseLabelRules(text)]);
}

/**
 * The report without its principals and findings, which go to `spool` as they are made: a
 * report of 150,000 roles is never whole in memory.
 */
async function runReport(
  options: ReportCliOptions,
  labels: LabelRule[],
  spool: ReportSpool,
): Promise<AccessReport> {
  const catalog = new IamDataCatalog();
  const bar = options.progress && process.stderr.isTTY ? progressBar() : undefined;
  let deps: ReportDeps;
  if (options.iam !== undefined) {
    deps = {
      iam: new AuthorizationDetailsFile(options.iam, { maxPrincipals: options.maxPrincipals }),
      catalog,
    };
  } else {
    const { IamApiSource } = await import('../../lib/aws/iamInventory.js');
    const { AgentCoreInventorySource } = await import('../../lib/aws/agentcoreInventory.js');
    const { AccessAnalyzerPolicyValidator } =
      await import('../../lib/aws/accessAnalyzerValidator.js');
    deps = {
      iam: new IamApiSource(),
      inventory: new AgentCoreInventorySource(),
      catalog,
      // Reading the account: recommended policies are also checked by Access Analyzer.
      policyValidator: new AccessAnalyzerPolicyValidator(),
    };
  }
  const activity = await activitySource(options);
  if (activity !== undefined) deps.activity = activity;
  if (bar !== undefined) deps.onProgress = bar.update;
  try {
    return await streamReport(
      deps,
      {
        days: options.days,
        managers: options.manager,
        labels,
        posture: postureDeclarations(process.env, {
          ...(options.nonProduction ? { nonProduction: true } : {}),
          allowedInterceptors: options.allowedInterceptor,
        }),
      },
      spool,
    );
  } finally {
    bar?.done();
  }
}

async function activitySource(options: ReportCliOptions): Promise<ActivitySource | undefined> {
  const chosen = [options.trail, options.lookupEvents, options.lake, options.athena].filter(
    (x) => x !== undefined && x !== false,
  );
  if (chosen.length > 1)
    throw new ReportInputError('choose one of --trail, --lookup-events, --lake, --athena');
  if (options.athena !== undefined) {
    const { table, settings } = athenaSettings({ ...options, athena: options.athena });
    const aws = await import('../../lib/aws/activitySources.js');
    return new aws.AthenaActivitySource(table, settings);
  }
  if (options.trail?.startsWith('s3://')) {
    const aws = await import('../../lib/aws/activitySources.js');
    return aws.S3LogActivitySource.fromUrl(options.trail);
  }
  if (options.trail !== undefined) return new DirectoryActivitySource(options.trail);
  if (options.lookupEvents === true) {
    const aws = await import('../../lib/aws/activitySources.js');
    return new aws.LookupEventsActivitySource();
  }
  if (options.lake !== undefined) {
    const aws = await import('../../lib/aws/activitySources.js');
    return new aws.LakeActivitySource(options.lake);
  }
  if (options.iam === undefined) {
    // Reading the account through the SDK: usage comes from LookupEvents unless told otherwise,
    // as in the deployed function. Offline (--iam) there is no account to ask.
    const aws = await import('../../lib/aws/activitySources.js');
    return new aws.LookupEventsActivitySource();
  }
  return undefined;
}

function emit(report: AccessReport, lists: ReportLists, options: ReportCliOptions): void {
  const s = report.summary;
  const formats: Exclude<Format, 'all'>[] =
    options.format === 'all' ? ['json', 'md', 'html'] : [options.format];
  if (options.out !== undefined) {
    writeReportFiles(report, lists, formats, options.out);
    const names = formats.length === 1 ? `report.${formats[0]}` : `report.{${formats.join(',')}}`;
    process.stderr.write(
      `report: ${s.roles} roles, ${s.principals} other principals, ${lists.findingCount} findings (${s.findings.critical} critical, ${s.findings.high} high) → ${options.out}/${names}\n`,
    );
  } else {
    // Names, policies and reasons come from the account or an export: escaped for the terminal.
    for (const f of formats)
      for (const chunk of reportChunks(f, report, lists))
        process.stdout.write(forTerminal(chunk, { lines: true }));
  }
  const labelled = labelledSummary(report);
  if (labelled !== undefined)
    process.stderr.write(`report: ${forTerminal(labelled)}; counted in every total\n`);
  if (s.roles + s.principals === 0)
    process.stderr.write(
      `report: nothing to analyse: ${forTerminal(report.sources.iam)} holds no role or user${s.skippedServiceLinkedRoles > 0 ? ` besides ${s.skippedServiceLinkedRoles} service-linked role(s), which are skipped` : ''}\n`,
    );
  else if (report.sources.activity === null)
    process.stderr.write(
      'report: no activity source read: used and unused actions are unknown and no policy is recommended (add --trail <dir>, or leave out --iam to read the account)\n',
    );
  if (report.sources.activityUnknownReason !== undefined) {
    const reason = forTerminal(report.sources.activityUnknownReason);
    // A partial trail's reason says so itself (`usage partial: … not on <days>`).
    const label = report.sources.usage === 'partial' ? '' : 'usage unknown: ';
    if (options.allowUnknownUsage === true) {
      process.stderr.write(`warning: ${label}${reason}; nothing is reported as unused or idle\n`);
    } else {
      // A usage report whose usage is unknown is not the report asked for: fail the run.
      process.stderr.write(
        `error: ${label}${reason}; nothing is reported as unused or idle. Check --trail and --days, or pass --allow-unknown-usage to accept a report without usage\n`,
      );
      process.exitCode = 1;
    }
  }
  for (const rule of report.summary.labelled?.unmatchedRules ?? [])
    process.stderr.write(`warning: --label ${forTerminal(rule)} matched no principal or finding\n`);
  const issues = report.sources.issues;
  for (const issue of issues.slice(0, 10)) {
    process.stderr.write(`warning: skipped ${forTerminal(`${issue.input}: ${issue.reason}`)}\n`);
  }
  if (issues.length > 10)
    process.stderr.write(
      `warning: ${issues.length - 10} more inputs skipped (listed in the report's sources.issues)\n`,
    );
}

/** Creates `dir` if needed and proves a file can be written there, or says why not. */
async function checkWritable(dir: string): Promise<void> {
  const probe = join(dir, `.gatewarden-write-test-${process.pid}`);
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
    await writeFile(probe, '');
    await rm(probe, { force: true });
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    const why =
      code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'ENOTDIR' || code === 'EEXIST'
          ? 'a file is in the way'
          : code === 'EROFS'
            ? 'read-only file system'
            : typeof code === 'string'
              ? code
              : 'cannot write';
    throw new ReportInputError(`cannot write the report to --out ${dir}: ${why}`, {
      context: { out: dir },
    });
  }
}

/** A one-line progress bar on stderr (TTY only). */
function progressBar(): { update: (stage: string, p?: ScanProgress) => void; done: () => void } {
  let last = 0;
  return {
    update(stage, p) {
      const now = Date.now();
      if (p !== undefined && p.done !== p.total && now - last < 100) return;
      last = now;
      const width = 30;
      const ratio = p?.total ? p.done / p.total : undefined;
      const bar =
        ratio === undefined
          ? ''
          : `[${'#'.repeat(Math.round(ratio * width)).padEnd(width, '.')}] ${Math.round(ratio * 100)}% `;
      const count = p === undefined ? '' : `${p.done}${p.total ? `/${p.total}` : ''} ${p.unit}`;
      process.stderr.write(`\r\x1b[K${stage} ${bar}${count}`);
    },
    done() {
      process.stderr.write('\r\x1b[K');
    },
  };
}
