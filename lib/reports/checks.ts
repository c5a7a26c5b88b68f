import type { Severity } from '../detection/types.js';
import type { GrantedSet } from './granted.js';
import type { IamPrincipal } from './iamModel.js';
import { statementCoversAction, type Statement } from './policy.js';
import type { GatewayInventory } from './inventory.js';
import type { CheckResult, ManagerOut, PrincipalReport, ReportFinding } from './reportTypes.js';
import { ESCALATION_METHODS } from './privilegeEscalation.js';
import { RISK_PATTERNS, lower } from './risks.js';
import type { GatewayAssessment } from '../posture/types.js';
import { checkPosture, POSTURE_CHECK_TITLES, type PostureDeclarations } from './postureChecks.js';
import { checkSecrets } from './secretChecks.js';
import { CATEGORY_SEVERITY, type RiskCategory } from './riskCategories.js';
import { AGENTCORE_SERVICE, checkTrust, serviceOnly } from './trustChecks.js';

export { AGENTCORE_SERVICE, trustsAgentCore } from './trustChecks.js';

/** Writes that manage gateways, their targets and their credential providers. */
export const MANAGEMENT_ACTIONS = [
  'bedrock-agentcore:CreateGateway',
  'bedrock-agentcore:UpdateGateway',
  'bedrock-agentcore:DeleteGateway',
  'bedrock-agentcore:CreateGatewayTarget',
  'bedrock-agentcore:UpdateGatewayTarget',
  'bedrock-agentcore:DeleteGatewayTarget',
  'bedrock-agentcore:CreateApiKeyCredentialProvider',
  'bedrock-agentcore:UpdateApiKeyCredentialProvider',
  'bedrock-agentcore:DeleteApiKeyCredentialProvider',
  'bedrock-agentcore:CreateOauth2CredentialProvider',
  'bedrock-agentcore:UpdateOauth2CredentialProvider',
  'bedrock-agentcore:DeleteOauth2CredentialProvider',
] as const;

const CATEGORY_PHRASE: Record<RiskCategory, string> = {
  'privilege-escalation': 'can escalate its privileges',
  'data-exfiltration': 'can read data on every resource',
  'resource-exposure': 'can change who may reach any resource (policies, ACLs, grants)',
  'credentials-exposure': 'can obtain credentials from calls on every resource',
  'infrastructure-modification': 'can change (write, tag, delete) resources of every name',
};

const CATEGORY_FIX: Record<RiskCategory, string> = {
  'privilege-escalation':
    'Scope these actions to specific ARNs, or deny them with a permissions boundary.',
  'data-exfiltration': 'Scope the reads to the buckets, parameters, secrets and keys it needs.',
  'resource-exposure': 'Scope these writes to the resources it manages, or remove them.',
  'credentials-exposure': 'Scope these calls to the resources it needs, or remove them.',
  'infrastructure-modification': 'Scope these writes to the ARNs it manages.',
};

/** Condition keys that tie a management permission to a place or a second factor. */
const MANAGEMENT_CONDITION_KEYS =
  /^(aws:SourceIp|aws:SourceVpce?|aws:MultiFactorAuthPresent|aws:MultiFactorAuthAge|aws:ViaAWSService|aws:CalledVia.*|aws:PrincipalTag\/.*|aws:RequestedRegion|aws:SourceVpcArn)$/i;

export const CHECKS: Record<string, { title: string }> = {
  'wildcard-grant': { title: 'No wildcard grants where a specific action or ARN would do' },
  'high-risk-grant': { title: 'No high-risk actions on every resource' },
  'unused-permissions': { title: 'Granted permissions are used' },
  'recommendation-risk': {
    title: 'Recommended policies pass the same risk checks (re-scored before they are offered)',
  },
  'privilege-escalation': { title: 'No privilege escalation path (cloudsplaining category)' },
  'data-exfiltration': { title: 'No data reads on every resource (cloudsplaining category)' },
  'resource-exposure': {
    title: 'No resource-policy, ACL or grant writes on every resource (cloudsplaining category)',
  },
  'credentials-exposure': {
    title: 'No credential-returning calls on every resource (cloudsplaining category)',
  },
  'infrastructure-modification': {
    title: 'No writes on every resource that could name one (cloudsplaining category)',
  },
  'unknown-action': { title: 'Every granted action exists in the IAM catalog' },
  'missing-policy': { title: 'Every attached managed policy was available to analyse' },
  'missing-boundary': { title: 'Every permissions boundary was available to analyse' },
  'missing-group': { title: "Every user's groups were available to analyse" },
  'idle-principal': { title: 'No idle role or user keeps permissions' },
  'roles-not-separated': { title: 'Management and execution roles are separate' },
  'shared-execution-role': { title: 'One execution role per gateway' },
  'execution-role-missing': { title: 'Every gateway execution role exists' },
  'trust-not-limited': { title: `Execution-role trust limited to ${AGENTCORE_SERVICE}` },
  'trust-confused-deputy': {
    title: 'Execution-role trust has aws:SourceAccount and aws:SourceArn',
  },
  'credential-not-rotatable': {
    title: 'Gateway credentials held in customer-owned Secrets Manager secrets',
  },
  'secret-rotation-disabled': { title: 'Rotation is on for every gateway credential secret' },
  'secret-rotation-overdue': { title: 'No gateway credential secret is overdue for rotation' },
  'cloudtrail-not-logging': { title: 'CloudTrail logs the region' },
  'management-without-conditions': {
    title: 'Management permissions carry conditions (source IP, MFA, VPC)',
  },
  ...POSTURE_CHECK_TITLES,
};

export interface CheckInput {
  now: Date;
  days: number;
  principals: { iam: IamPrincipal; granted: GrantedSet; report: PrincipalReport }[];
  inventory: GatewayInventory;
  inventoryKnown: boolean;
  managers: ManagerOut[];
  missingPolicies: string[];
  activityKnown: boolean;
  /** Why a source was read yet usage is unknown (then nothing is idle or unused). */
  activityUnknownReason?: string;
  regionsSeen: Set<string>;
  /** What the deployment declares for posture checks (production, reviewed interceptors). */
  posture?: PostureDeclarations;
}

/** One principal as the checks see it: its IAM data, effective grants and analysis. */
export type CheckedPrincipal = CheckInput['principals'][number];

/** What the checks need besides the principals, once every principal has been seen. */
export type GlobalCheckInput = Omit<CheckInput, 'principals' | 'managers'> & {
  /** ARNs of every principal analysed. */
  principalArns: ReadonlySet<string>;
  managers: readonly ManagerOut[];
};

/**
 * The checks run one principal at a time, so a report of 150,000 roles need not hold every
 * principal's analysis at once: {@link principal} as each is analysed, {@link manager} for
 * those that manage gateways, {@link finish} once all are seen. Findings go to `onFinding`
 * unsorted (see {@link sortFindings}).
 */
export class CheckRunner {
  private readonly skipped = new Map<string, string>();
  private readonly failed = new Set<string>();
  private executionRoles = 0;
  readonly add: Add;

  constructor(
    private readonly days: number,
    private readonly onFinding: (finding: ReportFinding) => void,
  ) {
    this.add = (checkId, severity, resource, message, subject = '') => {
      this.failed.add(checkId);
      onFinding({ id: `${checkId}|${resource}|${subject}`, checkId, severity, resource, message });
    };
  }

  /** The checks of one principal: its grants, usage, gaps, and (an execution role) its trust. */
  principal({ iam, granted, report }: CheckedPrincipal): void {
    principalFindings(report, granted, this.days, this.add);
    if (report.kind === 'execution' || report.kind === 'execution+management') {
      this.executionRoles += 1;
      executionRoleFindings(iam, granted, report, this.add);
    }
  }

  /** A principal that manages gateways (configured, by policy, or seen in CloudTrail). */
  manager(p: CheckedPrincipal): void {
    managerFindings(p, this.add);
  }

  /** The checks of the account as a whole; every check's status. */
  finish(input: GlobalCheckInput): { checks: CheckResult[]; posture: GatewayAssessment[] } {
    const { add, skipped } = this;
    if (this.executionRoles === 0) {
      for (const id of [
        'roles-not-separated',
        'shared-execution-role',
        'trust-not-limited',
        'trust-confused-deputy',
      ]) {
        skipped.set(id, 'no gateway execution role found');
      }
    }
    for (const arn of input.missingPolicies) {
      add(
        'missing-policy',
        'low',
        arn,
        `Managed policy ${arn} is attached but its document was not in the input; grants through it are not analysed. Export with all policies (get-account-authorization-details without --filter).`,
      );
    }
    if (input.inventoryKnown) {
      for (const gateway of input.inventory.gateways) {
        if (gateway.roleArn !== undefined && !input.principalArns.has(gateway.roleArn)) {
          add(
            'execution-role-missing',
            'medium',
            gateway.gatewayArn,
            `Gateway ${gateway.gatewayId} uses role ${gateway.roleArn}, which is not in the IAM data: the role was deleted (the gateway cannot reach its targets) or the input is incomplete.`,
          );
        }
      }
    } else {
      for (const id of ['shared-execution-role', 'execution-role-missing']) {
        skipped.set(id, 'gateway inventory not read (offline run)');
      }
    }

    checkSecrets(input, add, skipped);
    const posture = checkPosture(input.inventory, input.inventoryKnown, input.posture);
    for (const finding of posture.findings) {
      this.failed.add(finding.checkId);
      this.onFinding(finding);
    }
    for (const check of posture.checks)
      if (check.status === 'skipped') skipped.set(check.checkId, check.reason ?? '');

    if (input.inventory.trails === undefined) {
      skipped.set(
        'cloudtrail-not-logging',
        input.activityKnown
          ? 'trail status not read (offline run); CloudTrail records were present for: ' +
              ([...input.regionsSeen].sort().join(', ') || 'no region')
          : 'trail status not read (offline run)',
      );
    } else {
      const region = input.inventory.region;
      const logging = input.inventory.trails.filter(
        (t) => t.isLogging && (t.multiRegion || region === undefined || t.homeRegion === region),
      );
      if (logging.length === 0) {
        add(
          'cloudtrail-not-logging',
          'high',
          `region ${region ?? 'unknown'}`,
          `No CloudTrail trail is logging ${region ?? 'this region'}: gateway management and credential reads leave no audit record and this report cannot see usage. Create a multi-region trail and start logging.`,
        );
      }
    }
    if (input.managers.length === 0)
      skipped.set('management-without-conditions', 'no gateway manager found');
    if (!input.activityKnown) {
      const why =
        input.activityUnknownReason === undefined
          ? 'no activity source (pass --trail, or run with CloudTrail access)'
          : `usage unknown: ${input.activityUnknownReason}`;
      skipped.set('idle-principal', why);
      skipped.set('unused-permissions', why);
    }

    const checks: CheckResult[] = Object.entries(CHECKS).map(([checkId, { title }]) => {
      if (this.failed.has(checkId)) return { checkId, title, status: 'fail' };
      const reason = skipped.get(checkId);
      return reason === undefined
        ? { checkId, title, status: 'pass' }
        : { checkId, title, status: 'skipped', reason };
    });
    return { checks, posture: posture.assessments };
  }
}

/** Runs the seed's best practices as checks; returns findings and every check's status. */
export function runChecks(input: CheckInput): {
  findings: ReportFinding[];
  checks: CheckResult[];
  posture: GatewayAssessment[];
} {
  const findings: ReportFinding[] = [];
  const runner = new CheckRunner(input.days, (f) => findings.push(f));
  for (const p of input.principals) runner.principal(p);
  const byArn = new Map(input.principals.map((p) => [p.report.arn, p]));
  for (const manager of input.managers) {
    const p = byArn.get(manager.arn);
    if (p !== undefined) runner.manager(p);
  }
  const { checks, posture } = runner.finish({ ...input, principalArns: new Set(byArn.keys()) });
  return { findings: sortFindings(findings), checks, posture };
}

function principalFindings(
  report: PrincipalReport,
  granted: GrantedSet,
  days: number,
  add: Add,
): void {
  const label = `${report.type} ${report.name}`;
  if (report.wildcardGrants.length > 0) {
    const list = report.wildcardGrants
      .slice(0, 5)
      .map(
        (w) =>
          `${w.notAction ? `every action except ${w.actions.join(',')}` : w.actions.join(',')} on ${w.notResource ? `every resource except ${w.resources.join(',')}` : w.resources.join(',')} (${w.policy})`,
      )
      .join('; ');
    const more =
      report.wildcardGrants.length > 5 ? ` and ${report.wildcardGrants.length - 5} more` : '';
    add(
      'wildcard-grant',
      report.kind === 'other' ? 'low' : 'medium',
      report.arn,
      `${label} has ${report.wildcardGrants.length} wildcard grant(s): ${list}${more}. Replace them with the actions and ARNs in the recommended policy.`,
    );
  }
  for (const risk of report.highRiskGrants) {
    const base =
      risk.riskId === 'full-admin'
        ? 'critical'
        : risk.riskId === 'agentcore-all'
          ? 'high'
          : (RISK_PATTERNS.find((p) => p.riskId === risk.riskId)?.severity ??
            ESCALATION_METHODS.find((m) => `privesc-${m.id}` === risk.riskId)?.severity ??
            'high');
    // Without its boundary the grant is an upper bound: say so, one level lower.
    const bounded = report.inputGaps.some((g) => g.startsWith('boundary '));
    add(
      'high-risk-grant',
      risk.conditional || bounded ? lower(base) : base,
      report.arn,
      `${label} is granted ${risk.action} on ${risk.notResource === true ? `every resource except ${risk.resources.join(',')}` : risk.resources.join(',')} by ${risk.policy}${risk.conditional ? ' (with conditions)' : ''}${bounded ? ' (unless its permissions boundary, missing from the input, removes it)' : ''}: it ${risk.reason}. Scope it to the specific ARNs it needs.`,
      risk.riskId,
    );
  }
  for (const risk of report.riskCategories) {
    const bounded = report.inputGaps.some((g) => g.startsWith('boundary '));
    const base = CATEGORY_SEVERITY[risk.category];
    const shown = risk.items.slice(0, 6).join('; ');
    const more = risk.items.length > 6 ? ` and ${risk.items.length - 6} more` : '';
    add(
      risk.category,
      risk.conditional || bounded ? lower(base) : base,
      report.arn,
      `${label} ${CATEGORY_PHRASE[risk.category]}: ${shown}${more} (granted by ${risk.policies.join(', ')}${risk.conditional ? ', with conditions' : ''})${bounded ? ' (unless its permissions boundary, missing from the input, removes it)' : ''}. ${CATEGORY_FIX[risk.category]}`,
    );
  }
  const residual = report.recommendation.residualRisk;
  if (residual !== undefined) {
    const pieces = [
      ...(residual.idleDataOnStar.length > 0
        ? [
            `keeps ${residual.idleDataOnStar.join(', ')} on every resource for an idle ${report.type} (kept only because the trail cannot show their use)`,
          ]
        : []),
      ...(residual.highRisk.length > 0 ? [`high-risk grants ${residual.highRisk.join(', ')}`] : []),
      ...residual.categories.map((c) => `${c.category}: ${c.items.slice(0, 4).join('; ')}`),
    ];
    add(
      'recommendation-risk',
      residual.idleDataOnStar.length > 0 || residual.highRisk.length > 0 ? 'medium' : 'low',
      report.arn,
      `The recommended policy for ${label} still carries risk: ${pieces.join('; ')}. Scope these to the ARNs it needs (or confirm them) before applying it.`,
    );
  }
  if (report.recommendation.status === 'idle' && report.grantedActionCount > 0) {
    const kept = report.recommendation.kept.map((k) => k.action);
    add(
      'idle-principal',
      report.kind === 'other' ? 'low' : 'medium',
      report.arn,
      kept.length === 0
        ? `${label} made no call in the last ${days} days but is granted ${report.grantedActionCount} actions. Remove it (or its policies) if it is no longer needed; no policy is recommended.`
        : `${label} made no call the trail shows in the last ${days} days; it may still use ${kept.slice(0, 5).join(', ')}${kept.length > 5 ? '…' : ''}, which this trail cannot show. Check before removing it; the recommended policy keeps only those.`,
    );
  }
  if (
    report.usageKnown &&
    report.recommendation.status !== 'idle' &&
    report.unusedActionCount > 0 &&
    report.grantedActionCount > 0
  ) {
    add(
      'unused-permissions',
      report.kind === 'other' ? 'info' : 'low',
      report.arn,
      `${label} used ${report.usedActions.length - report.usedNotGranted.length} of ${report.grantedActionCount} granted actions in the last ${days} days; ${report.unusedActionCount} are unused. Apply the recommended policy (or remove the role if it is idle).`,
    );
  }
  if (granted.unknownActions.length > 0) {
    add(
      'unknown-action',
      'low',
      report.arn,
      `${label} grants actions the IAM catalog does not know: ${granted.unknownActions.slice(0, 10).join(', ')}. Fix the typo or remove them; they grant nothing today but may grant something later.`,
    );
  }
  for (const gap of report.inputGaps) {
    const [kind, arn] = gap.split(' ', 2);
    add(
      kind === 'boundary' ? 'missing-boundary' : 'missing-group',
      'medium',
      report.arn,
      kind === 'boundary'
        ? `${report.type} ${report.name} has permissions boundary ${arn}, which is not in the input: its effective permissions may be narrower than reported, and its risk findings are upper bounds. Export with every managed policy.`
        : `${report.type} ${report.name} is in group ${arn}, which is not in the input: its grants through that group are not analysed. Export without --filter.`,
      gap,
    );
  }
}

function executionRoleFindings(
  iam: IamPrincipal,
  granted: GrantedSet,
  report: PrincipalReport,
  add: Add,
): void {
  if (report.kind === 'execution+management') {
    add(
      'roles-not-separated',
      'high',
      report.arn,
      `Execution role ${report.name} can also manage gateways (${MANAGEMENT_ACTIONS.filter((a) =>
        granted.allowed.has(a),
      )
        .slice(0, 4)
        .join(
          ', ',
        )}…): a gateway (or whoever controls its targets) could reconfigure gateways. Move management permissions to a separate role.`,
    );
  }
  if (report.gateways.length > 1) {
    add(
      'shared-execution-role',
      'medium',
      report.arn,
      `Execution role ${report.name} is shared by gateways ${report.gateways.join(', ')}: each gateway gets the others' outbound permissions. Create one role per gateway.`,
    );
  }
  checkTrust(iam, report, add);
}

function managerFindings(p: CheckedPrincipal, add: Add): void {
  const guarded = (conditions: Statement['conditions']) =>
    Object.values(conditions ?? {}).some((block) =>
      Object.keys(block).some((k) => MANAGEMENT_CONDITION_KEYS.test(k)),
    );
  // A conditional Deny (no MFA, outside the VPC) covering the action is a condition too.
  const guardedByDeny = (action: string) =>
    p.granted.denies.some(
      ({ statement }) => guarded(statement.conditions) && statementCoversAction(statement, action),
    );
  const unconditioned = p.granted.grants.filter(
    (g) =>
      !guarded(g.conditions) &&
      MANAGEMENT_ACTIONS.some((a) => g.actions.includes(a) && !guardedByDeny(a)),
  );
  if (unconditioned.length > 0 && !p.report.kind.startsWith('execution') && !serviceOnly(p.iam)) {
    add(
      'management-without-conditions',
      'low',
      p.report.arn,
      `${p.report.type} ${p.report.name} may manage gateways without any source-IP, VPC or MFA condition (${[...new Set(unconditioned.map((g) => g.policy))].join(', ')}). Add aws:SourceIp / aws:SourceVpce or aws:MultiFactorAuthPresent conditions.`,
    );
  }
}

export type Add = (
  checkId: string,
  severity: Severity,
  resource: string,
  message: string,
  subject?: string,
) => void;

const order: Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

/** Most severe first, then by check and resource: stable across runs (diffs stay small). */
export function sortFindings(findings: ReportFinding[]): ReportFinding[] {
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...findings].sort(
    (a, b) =>
      order.indexOf(a.severity) - order.indexOf(b.severity) ||
      cmp(a.checkId, b.checkId) ||
      cmp(a.resource, b.resource) ||
      cmp(a.message, b.message),
  );
}
