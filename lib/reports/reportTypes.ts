import type { Severity } from '../detection/types.js';
import type { PostureCheckStatus, PostureFinding } from '../posture/types.js';
import type { ScanIssue } from './usage.js';

/** Bumped on any incompatible change of {@link AccessReport}; see docs/report-schema.md. */
export const REPORT_SCHEMA_VERSION = 1;

export interface PolicyStatementOut {
  /** Set on statements kept for a reason the recommendation states (e.g. `KeptNotObservable`). */
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  /** Exactly one of `Action` and `NotAction`. */
  Action?: string[];
  NotAction?: string[];
  /** Exactly one of `Resource` and `NotResource`. */
  Resource?: string[];
  NotResource?: string[];
  Condition?: Record<string, Record<string, unknown>>;
}

export interface RecommendedPolicy {
  Version: '2012-10-17';
  Statement: PolicyStatementOut[];
}

export interface WildcardGrant {
  policy: string;
  sid?: string;
  /** Action patterns as written (excluded actions when `notAction`). */
  actions: string[];
  notAction: boolean;
  resources: string[];
  notResource: boolean;
  /** What is wild: the action part, the resource part, or both. */
  kind: 'action' | 'resource' | 'action+resource';
  /** Number of catalog actions the grant expands to. */
  expandedCount: number;
  conditional: boolean;
}

import type { CategoryRisk } from './riskCategories.js';

export interface HighRiskGrant {
  riskId: string;
  action: string;
  resources: string[];
  /** True when `resources` are the exceptions of a `NotResource` grant. */
  notResource?: boolean;
  policy: string;
  conditional: boolean;
  reason: string;
}

/** A granted action kept although unused: the trail cannot show its use. */
export interface KeptAction {
  action: string;
  kept: 'not observable';
  /** Why the trail cannot show it (`data event AWS::S3::Object not logged`, `checked inside …`). */
  why: string;
}

/** Result of checking a recommended policy before anyone applies it. */
export interface PolicyValidation {
  valid: boolean;
  /** Characters IAM counts (whitespace excluded) and the managed-policy limit. */
  characters: number;
  limit: number;
  errors: string[];
  /** Which validators ran: `grammar` (always), `access-analyzer` (when available). */
  validators: string[];
  /** Findings that do not make the policy invalid (Access Analyzer warnings, suggestions). */
  warnings?: string[];
  /** Why a validator did not run (`not validated by Access Analyzer: unreachable`). */
  notes?: string[];
}

/** The recommended policy against what the principal has today. */
export interface PolicyDiff {
  /** Granted actions the recommendation drops (compacted like `unusedActions`). */
  removed: string[];
  removedCount: number;
  /** Actions whose resources the recommendation narrows (at most 50 listed). */
  narrowed: { action: string; from: string[]; to: string[] }[];
  /** Current statements (`- …`) and recommended ones (`+ …`), one line each, for people. */
  lines: string[];
}

/** What to do with a principal's policies, and how sure the report is. */
export interface Recommendation {
  /** `idle`: no call seen in the window; `unknown`: no usage data (then no policy). */
  status: 'recommended' | 'idle' | 'unknown';
  kept: KeptAction[];
  /** Data-event actions granted only through `*` or NotAction: not kept, check before applying. */
  unobservableNotKept: number;
  /** Deny statements carried over unchanged from the current policies. */
  carriedDenies: number;
  /** The permissions boundary that still applies on top of the recommended policy. */
  boundary?: string;
  validation?: PolicyValidation;
  /** Set when the policy exceeds the size limit: the same statements in parts within it. */
  parts?: RecommendedPolicy[];
  diff?: PolicyDiff;
  /** What the recommended policy itself still risks, by the same checks (absent: nothing). */
  residualRisk?: ResidualRisk;
}

/** Risk a recommended policy keeps, judged by the checks that judge current policies. */
export interface ResidualRisk {
  /** High-risk grant ids (`passrole-any`, `privesc-…`) the recommendation still holds. */
  highRisk: string[];
  categories: { category: CategoryRisk['category']; items: string[] }[];
  /** Idle principals: data actions kept on every resource only because the trail cannot show them. */
  idleDataOnStar: string[];
}

/** A Deny statement that applies only under conditions (or to some resources): it narrows. */
export interface ConditionalDeny {
  policy: string;
  sid?: string;
  actions: string[];
  notAction: boolean;
  resources: string[];
  notResource: boolean;
  conditionKeys: string[];
}

/** One Allow statement of a principal's policies: what it grants, and how much of it was used. */
export interface PolicyGrantOut {
  /** `inline:<name>` or the managed policy ARN. */
  policy: string;
  /** The group the policy reaches the principal through. */
  viaGroup?: string;
  sid?: string;
  /** Action patterns as written (the excluded ones when `notAction`). */
  actions: string[];
  notAction: boolean;
  resources: string[];
  notResource: boolean;
  conditional: boolean;
  /** Catalog actions the statement expands to. */
  expandedCount: number;
  /** Used actions it covers; null when usage is unknown. */
  usedCount: number | null;
}

export type RoleKind = 'execution' | 'management' | 'execution+management' | 'other';

/** Per role (and per user / root seen acting): granted vs used. */
export interface PrincipalReport {
  arn: string;
  name: string;
  type: 'role' | 'user' | 'root';
  kind: RoleKind;
  /** Gateway ids using the role as execution role. */
  gateways: string[];
  grantedActionCount: number;
  /** Canonical actions, a fully granted service compacted to `service:*`. */
  grantedActions: string[];
  /** False when no activity source was read: used/unused are then unknown, not empty. */
  usageKnown: boolean;
  usedActions: string[];
  /** Used actions the identity policies do not grant (resource policies, or a gap in input). */
  usedNotGranted: string[];
  unusedActionCount: number;
  unusedActions: string[];
  unknownActions: string[];
  deniedActions: string[];
  outsideBoundary: string[];
  wildcardGrants: WildcardGrant[];
  highRiskGrants: HighRiskGrant[];
  /**
   * Cloudsplaining's risk categories (privilege escalation, data exfiltration, resource
   * exposure, credentials exposure) on the effective permissions: one entry per category held.
   */
  riskCategories: CategoryRisk[];
  /** Deny statements with conditions or specific resources (an MFA guard, a region fence). */
  conditionalDenies: ConditionalDeny[];
  /** Each Allow statement that reaches the principal: which policy grants what. */
  policyGrants: PolicyGrantOut[];
  /** Inputs this principal's analysis lacks (a boundary or group not in the export). */
  inputGaps: string[];
  /**
   * Null when usage is unknown (recommending from nothing would remove everything) or the
   * principal is idle (nothing to keep: delete it rather than apply an empty policy).
   */
  recommendedPolicy: RecommendedPolicy | null;
  recommendation: Recommendation;
  lastUsed?: string;
  eventCount: number;
  /** The operator's labels of this principal (`--label`, `GATEWARDEN_REPORT_LABELS`). */
  labels?: string[];
}

export interface ReportFinding {
  /** Stable across runs (check, resource, subject): what report diffs compare. */
  id: string;
  checkId: string;
  severity: Severity;
  resource: string;
  /** Every resource the finding names, `resource` first (posture findings). */
  resources?: string[];
  message: string;
  /** The operator's labels of the finding's resource (a labelled principal). */
  labels?: string[];
  /** What to change, one line (posture findings; other checks say it in the message). */
  remediation?: string;
}

export interface CheckResult {
  checkId: string;
  title: string;
  status: 'pass' | 'fail' | 'skipped';
  /** Why a check was skipped (input missing) — a skipped check is not a pass. */
  reason?: string;
}

export interface GatewayOut {
  gatewayId: string;
  gatewayArn: string;
  name?: string;
  authorizerType?: string;
  roleArn?: string;
  targets: { targetId: string; name?: string; credentialProviderTypes: string[] }[];
  /** The gateway's posture from its live configuration; absent when it was not read. */
  posture?: { checks: PostureCheckStatus[]; findings: PostureFinding[] };
}

export interface ManagerOut {
  arn: string;
  /** How the principal was identified as a gateway manager. */
  sources: ('configured' | 'cloudtrail' | 'policy')[];
  managementActionsUsed: string[];
  labels?: string[];
}

export interface AccessReport {
  schema: 'gatewarden.access-report';
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  generatedAt: string;
  window: { days: number; from: string; to: string };
  accountIds: string[];
  region?: string;
  sources: {
    iam: string;
    inventory: string;
    activity: { kind: string; description: string } | null;
    catalog: string;
    eventsRead: number;
    eventsAttributed: number;
    eventsDenied: number;
    eventsUnattributed: number;
    eventsOutsideWindow: number;
    /** CloudTrail records (or aggregated facts) inside the window: usage is known only if > 0. */
    eventsInWindow: number;
    /** Records skipped for lack of a readable eventTime. */
    eventsWithoutTime: number;
    /** Records skipped as not CloudTrail (no eventSource/eventName). */
    eventsNotCloudTrail: number;
    /**
     * Whether usage is known: `none` without a source, `unknown` when the source proves
     * nothing, `partial` when its records do not reach the window's first or last days (then
     * treated as unknown: nothing is called unused or idle).
     */
    usage: 'known' | 'partial' | 'unknown' | 'none';
    /** With `partial` usage: the days at the window's start or end without any record. */
    usageMissingDays?: { from: string; to: string }[];
    /** Records of callers outside the report's principals, left out by the source. */
    eventsOutOfScope?: number;
    unmappedEvents: { eventSource: string; eventName: string; count: number }[];
    issues: ScanIssue[];
    missingPolicies: string[];
    /** Permissions boundaries and groups referenced but absent from the IAM input. */
    missingBoundaries: string[];
    missingGroups: string[];
    /** AWS service-linked roles: not analysed (the account cannot change them). */
    skippedServiceLinkedRoles: string[];
    /** Data-event resource types (or `source:<eventSource>`) the trail was seen to log. */
    dataEventsLogged: string[];
    /**
     * Why usage is unknown although a source was given: no CloudTrail record, or none inside
     * the window (junk, no eventTime, all outside), or records on part of the window only
     * (`usage partial: …`). No idle or unused finding is raised then.
     */
    activityUnknownReason?: string;
    inventoryGaps: string[];
  };
  summary: {
    roles: number;
    principals: number;
    skippedServiceLinkedRoles: number;
    gateways: number;
    findings: Record<Severity, number>;
    grantedActions: number;
    usedActions: number;
    unusedActions: number;
    /**
     * Set when label rules were given: how many principals and findings carry a label. They are
     * counted in every other total too; labelling marks, it never hides.
     */
    labelled?: {
      principals: number;
      findings: number;
      byLabel: Record<string, { principals: number; findings: number }>;
      /** Rules that matched nothing (a typo, or a principal that is gone). */
      unmatchedRules: string[];
    };
  };
  gateways: GatewayOut[];
  managers: ManagerOut[];
  roles: PrincipalReport[];
  principals: PrincipalReport[];
  findings: ReportFinding[];
  checks: CheckResult[];
  /** The token vault's key, when read (posture check `token-vault-service-key`). */
  tokenVault?: { arn: string; keyType?: string; kmsKeyArn?: string };
}
