/**
 * A gateway's live configuration as posture checks read it (GetGateway, its targets, its
 * resource policy, its policy engine and policies), and what the checks say about it.
 * Identifiers and configuration only: never a credential value. Names, descriptions and URLs
 * are written by whoever may update the gateway: untrusted text, escaped where it is shown.
 */
import type { Severity } from '../detection/types.js';

export interface JwtAuthorizerPosture {
  discoveryUrl?: string;
  allowedClients: string[];
  allowedAudience: string[];
  allowedScopes: string[];
}

export interface InterceptorPosture {
  /** The Lambda function that sees each call (interceptor or custom transform). */
  lambdaArn?: string;
  /** `REQUEST`, `RESPONSE`; `TRANSFORM` for a custom transform. */
  interceptionPoints: string[];
  passRequestHeaders: boolean;
}

export interface TargetEndpoint {
  /** Where in the target configuration the URL is (`mcpServer.endpoint`, `openApi servers[0]`). */
  field: string;
  url: string;
}

export interface TargetPosture {
  targetId: string;
  name?: string;
  endpoints: TargetEndpoint[];
  /** Credential providers the target reads (API key, OAuth2). */
  providerArns: string[];
}

export interface PolicyPosture {
  policyId: string;
  name?: string;
  status?: string;
  /** `ACTIVE` or `LOG_ONLY`. */
  enforcementMode?: string;
}

export interface PolicyEnginePosture {
  arn: string;
  /** `ENFORCE` or `LOG_ONLY`, as the gateway attaches it. */
  mode?: string;
  /** The engine as GetPolicyEngine answers; `null` when it does not exist. */
  engine?: { status?: string; encryptionKeyArn?: string } | null;
  policies?: PolicyPosture[];
}

/** Parts of a gateway's configuration that could not be read, with the reason (error class). */
export type PostureGapKey =
  'gateway' | 'targets' | 'resourcePolicy' | 'policyEngine' | 'workloadIdentity';

export interface GatewayPosture {
  gatewayId: string;
  gatewayArn: string;
  name?: string;
  authorizerType?: string;
  jwt?: JwtAuthorizerPosture;
  webAclArn?: string;
  wafFailureMode?: string;
  exceptionLevel?: string;
  policyEngine?: PolicyEnginePosture;
  interceptors: InterceptorPosture[];
  kmsKeyArn?: string;
  /** The resource policy document; `null`: the gateway has none; absent: not read. */
  resourcePolicy?: string | null;
  targets: TargetPosture[];
  /**
   * The gateway's own workload identity (GetWorkloadIdentity): where OAuth authorization codes
   * may be returned. `null`: none registered; absent: not read.
   */
  workloadIdentity?: { arn: string; returnUrls: string[] } | null;
  gaps: Partial<Record<PostureGapKey, string>>;
}

export interface TokenVaultPosture {
  tokenVaultId: string;
  arn: string;
  /** `CustomerManagedKey` or `ServiceManagedKey`. */
  keyType?: string;
  kmsKeyArn?: string;
}

/** What the checks compare a gateway with: the deployment's declarations. */
export interface PostureContext {
  /** The account the gateways live in (interceptors elsewhere are cross-account). */
  accountId?: string;
  /** A production stage: detailed errors (`exceptionLevel` DEBUG) are a finding. */
  production: boolean;
  /** Interceptor / transform Lambda ARNs declared to see request headers or live elsewhere. */
  declaredInterceptors: readonly string[];
  /** Provider ARNs registered for rotation; undefined when unknown (the check is skipped). */
  rotatedProviders?: ReadonlySet<string>;
}

export interface PostureFinding {
  checkId: string;
  severity: Severity;
  /** The gateway (or token vault) first, then what the finding is about. */
  resources: string[];
  message: string;
  remediation: string;
}

export interface PostureCheckStatus {
  checkId: string;
  title: string;
  status: 'pass' | 'fail' | 'skipped';
  /** Why a check was skipped (a read refused, nothing to check). */
  reason?: string;
}

/** One gateway's posture: every check's status and the findings. */
export interface GatewayAssessment {
  gatewayId: string;
  gatewayArn: string;
  name?: string;
  checks: PostureCheckStatus[];
  findings: PostureFinding[];
}
