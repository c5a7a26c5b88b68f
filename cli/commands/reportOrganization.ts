import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAthenaTable } from '../../lib/reports/athenaQuery.js';
import type { IamDataCatalog } from '../../lib/reports/catalog.js';
import { ReportInputError } from '../../lib/reports/errors.js';
import {
  organizationAccessReport,
  type MemberOutcome,
  type OrganizationDirectory,
  type OrganizationReport,
  type OrganizationReportDeps,
} from '../../lib/reports/organization.js';
import { organizationPages } from '../../lib/reports/render/htmlOrganization.js';
import type { ReportOptions } from '../../lib/reports/report.js';
import type { AccessReport } from '../../lib/reports/reportTypes.js';
import { forTerminal } from '../../lib/shared/terminal.js';

/**
 * `gatewarden report --organization`: every active account of the organization, each read
 * through a role in it, a few at a time; a member that cannot be read is listed with its reason
 * and the others go on. The stage's member read role trusts the central report role alone, so
 * from a workstation `--member-role` names a role the caller may assume in each member.
 */
export interface OrganizationCliOptions {
  stage?: string;
  memberRole?: string;
  concurrency?: number;
  athena?: string;
  workgroup?: string;
  athenaOutput?: string;
  out?: string;
}

const ROLE_NAME = /^[\w+=,.@/-]{1,64}$/;

export async function runOrganizationReport(
  options: OrganizationCliOptions,
  reportOptions: ReportOptions,
  catalog: IamDataCatalog,
  directory?: OrganizationDirectory,
): Promise<void> {
  if (options.stage === undefined && options.memberRole === undefined) {
    throw new ReportInputError(
      '--organization needs --stage (the member read role of that stage) or --member-role',
      { usage: true },
    );
  }
  if (options.memberRole !== undefined && !ROLE_NAME.test(options.memberRole)) {
    throw new ReportInputError('--member-role must be a role name (not an ARN)', { usage: true });
  }
  const { memberSources } = await import('../../lib/aws/memberAccess.js');
  const { OrganizationsDirectory } = await import('../../lib/aws/organizationDirectory.js');
  const { AccessAnalyzerPolicyValidator } =
    await import('../../lib/aws/accessAnalyzerValidator.js');
  const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? '';
  const { partitionOf } = await import('../../lib/shared/partition.js');
  const partition = partitionOf(region);
  const deps: OrganizationReportDeps = {
    directory: directory ?? new OrganizationsDirectory(),
    memberSources: (account) =>
      memberSources(account, {
        stage: options.stage ?? '',
        partition,
        ...(options.memberRole !== undefined ? { roleName: options.memberRole } : {}),
      }),
    catalog,
    policyValidator: new AccessAnalyzerPolicyValidator(),
  };
  if (options.athena !== undefined) {
    const table = parseAthenaTable(options.athena);
    const aws = await import('../../lib/aws/activitySources.js');
    deps.activity = (accounts) =>
      new aws.AthenaActivitySource(table, {
        ...(options.workgroup ? { workgroup: options.workgroup } : {}),
        ...(options.athenaOutput ? { outputLocation: options.athenaOutput } : {}),
        partitions: { accounts: accounts.map((a) => a.id) },
      });
  }
  const { organization, members } = await organizationAccessReport(deps, {
    ...reportOptions,
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
  });
  if (options.out !== undefined) {
    await writeOrganizationOutput(options.out, organization, members);
  } else {
    process.stdout.write(
      forTerminal(`${JSON.stringify(organization, null, 2)}\n`, { lines: true }),
    );
  }
  const s = organization.summary;
  process.stderr.write(
    `report: ${s.accounts} accounts, ${s.reported} reported, ${s.failed} not readable, ${s.findings} findings${options.out === undefined ? '' : ` → ${options.out}/organization.{json,html} and <account>/report.{json,html}`}\n`,
  );
  // Names and reasons come from Organizations and the members: escaped for the terminal.
  for (const account of organization.accounts.filter((a) => a.status === 'failed'))
    process.stderr.write(
      `warning: ${forTerminal(`${account.id} (${account.name}): ${account.reason ?? 'unknown'}`)}\n`,
    );
}

/**
 * `--out DIR`: the summary as `organization.json` and `organization.html`, each member that was
 * read under `<account id>/` as `report.json` and `report.html` (linking back to the summary).
 * Account ids are 12 digits (activeMembers), so they are safe as folder names.
 */
export async function writeOrganizationOutput(
  out: string,
  organization: OrganizationReport,
  members: readonly MemberOutcome<AccessReport>[],
): Promise<void> {
  await writeFile(join(out, 'organization.json'), `${JSON.stringify(organization, null, 2)}\n`);
  for (const outcome of members) {
    if (!outcome.ok) continue;
    const dir = join(out, outcome.account.id);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'report.json'), `${JSON.stringify(outcome.value, null, 2)}\n`);
  }
  for (const page of organizationPages(organization, members)) {
    await writeFile(join(out, page.path), page.html);
  }
}
