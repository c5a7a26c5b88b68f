import type { Severity } from '../detection/types.js';
import type { ScanIssue } from './usage.js';

/** Bumped on any incompatible change of {@link AccessReport}; see docs/report-schema.md. */
export const REPORT_SCHEMA_VERSION = 1;

export interface PolicyStatementOut {
  Effect: 'Allow';
  Action: string[];
  Resource: string[];
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

export interface HighRiskGrant {
  riskId: string;
  action: string;
  resources: string[];
  policy: string;
  conditional: boolean;
  reason: string;
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
  /** Null when usage is unknown (recommending from nothing would remove everything). */
  recommendedPolicy: RecommendedPolicy | null;
  lastUsed?: string;
  eventCount: number;
}

export interface ReportFinding {
  /** Stable across runs (check, resource, subject): what report diffs compare. */
  id: string;
  checkId: string;
  severity: Severity;
  resource: string;
  message: string;
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
}

export interface ManagerOut {
  arn: string;
  /** How the principal was identified as a gateway manager. */
  sources: ('configured' | 'cloudtrail' | 'policy')[];
  managementActionsUsed: string[];
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
    unmappedEvents: { eventSource: string; eventName: string; count: number }[];
    issues: ScanIssue[];
    missingPolicies: string[];
    inventoryGaps: string[];
  };
  summary: {
    roles: number;
    principals: number;
    gateways: number;
    findings: Record<Severity, number>;
    grantedActions: number;
    usedActions: number;
    unusedActions: number;
  };
  gateways: GatewayOut[];
  managers: ManagerOut[];
  roles: PrincipalReport[];
  principals: PrincipalReport[];
  findings: ReportFinding[];
  checks: CheckResult[];
}
