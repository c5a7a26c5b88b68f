import type { GatewayPosture, TokenVaultPosture } from '../posture/types.js';

/**
 * What the doctor reads from the account, as small read-only ports. The AWS adapter is
 * lib/aws/doctorReader.ts; unit tests pass plain objects.
 */

export interface TrailInfo {
  name: string;
  arn: string;
  homeRegion?: string;
  multiRegion: boolean;
  /** `IsOrganizationTrail`: the management account's trail, logging every account of the organization. */
  organization?: boolean;
  /** `IncludeGlobalServiceEvents`: IAM, STS, sign-in and Organizations calls are logged. */
  globalServiceEvents?: boolean;
  logging: boolean;
  /** Management events selected, and which kind: `All`, `ReadOnly`, `WriteOnly`. */
  managementEvents?: 'All' | 'ReadOnly' | 'WriteOnly';
  /**
   * An advanced management selector narrows by `eventSource` (Equals, NotEquals, StartsWith…):
   * some services' management events are left out.
   */
  managementSourcesFiltered?: boolean;
  /**
   * Event sources whose management events a basic selector drops (`ExcludeManagementEventSources`,
   * e.g. `kms.amazonaws.com`) and no other selector logs.
   */
  excludedManagementSources?: string[];
  /** `GetTrailStatus` `LatestDeliveryError`: the trail logs but its log files fail to arrive. */
  deliveryError?: string;
  /** `GetTrailStatus` `LatestDeliveryTime` (ISO 8601): when a log file last arrived. */
  latestDeliveryAt?: string;
  /** Seen but not read (another account's organization trail, seen from a member). */
  unread?: boolean;
  /** Data-event resource types the trail selects (e.g. `AWS::BedrockAgentCore::Gateway`). */
  dataEventTypes: string[];
}

export interface RuleInfo {
  name: string;
  state: string;
  eventBusName: string;
  /** The parsed event pattern (undefined for scheduled rules). */
  pattern?: EventPattern;
  targetArns: string[];
}

export interface EventPattern {
  source?: unknown;
  'detail-type'?: unknown;
  detail?: { eventSource?: unknown; eventName?: unknown; [key: string]: unknown };
  [key: string]: unknown;
}

/** Rotation rules as Secrets Manager reports them (and as registration pinned them). */
export interface ScheduleRules {
  automaticallyAfterDays?: number;
  scheduleExpression?: string;
  duration?: string;
}

export interface SecretInfo {
  arn: string;
  name: string;
  gatewayId?: string;
  /** `gatewarden:kind` tag: apiKey, oauthClient, inboundClient. */
  kind?: string;
  rotationEnabled: boolean;
  rotationLambdaArn?: string;
  schedule?: string;
  /** The live rotation rules (DescribeSecret / ListSecrets). */
  rules?: ScheduleRules;
}

/** What registration pinned for a secret (the binding in the state table). */
export interface PinnedProvider {
  type: 'apiKey' | 'oauth2';
  name: string;
  secretSource: 'MANAGED' | 'EXTERNAL';
}

export interface ProviderState {
  name: string;
  secretSource: 'MANAGED' | 'EXTERNAL';
  /** The secret the provider reads (EXTERNAL) or AgentCore's own (MANAGED). */
  secretArn?: string;
  /** `apiKeySecretJsonKey` / `clientSecretJsonKey` from the provider's Get response. */
  jsonKey?: string;
}

export type Decision = 'allowed' | 'denied';

export interface DoctorReader {
  /** The caller's ARN as GetCallerIdentity returns it. */
  caller(): Promise<{ arn: string; account: string }>;
  /**
   * Simulates the principal's policies for each action on its resource; the map is keyed by
   * action. Throws (e.g. UnverifiableError) when simulation is refused or not served.
   */
  simulate(
    principalArn: string,
    rights: readonly { action: string; resource: string }[],
  ): Promise<Map<string, Decision>>;
  trails(): Promise<TrailInfo[]>;
  /** Rules on a bus (the default one unless named) whose names start with `prefix` (of another region if named). */
  rules(prefix: string, region?: string, eventBusName?: string): Promise<RuleInfo[]>;
  /** Names of the rules on a region's default bus that target `targetArn`. */
  ruleNamesTargeting(targetArn: string, region: string): Promise<string[]>;
  /** gatewarden secrets (tagged `gatewarden:kind`), optionally of one gateway. */
  secrets(gatewayId?: string): Promise<SecretInfo[]>;
  /** The binding's provider; `null` when no binding exists; throws Unverifiable without a table. */
  pinnedProvider(secretArn: string): Promise<PinnedProvider | null | undefined>;
  /**
   * The schedule registration pinned in the binding; `undefined` when the binding has none
   * (or there is no binding). Throws Unverifiable without a table.
   */
  registeredSchedule(secretArn: string): Promise<ScheduleRules | undefined>;
  /** The provider as AgentCore reports it; `null` when it does not exist. */
  provider(type: 'apiKey' | 'oauth2', name: string): Promise<ProviderState | null>;
  /**
   * Every gateway's live configuration (or one gateway's), the token vault when readable,
   * and the names of rotation-enabled gatewarden secrets (undefined when not listed).
   */
  gatewayPostures?(gatewayId?: string): Promise<{
    gateways: GatewayPosture[];
    tokenVault?: TokenVaultPosture;
    rotatedSecrets?: string[];
  }>;
}
