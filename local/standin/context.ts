/** What every stand-in route gets: the request, and the shared state of the local stack. */
import type { AwsRequestInfo, RawRequest } from './awsRequest.js';
import type { StandinResponse } from './http.js';

export interface FrontRequest extends RawRequest {
  aws: AwsRequestInfo;
  sourceIp: string;
  userAgent: string;
  receivedAt: Date;
}

/** An AWS SDK v3 client constructor, as the stand-in uses them to call moto. */
export type SdkClientConstructor<C> = new (config: {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  maxAttempts: number;
  forcePathStyle?: boolean;
}) => C;

/**
 * A call an AWS service makes for a resource of the caller, as its own service principal:
 * AgentCore Identity reading an EXTERNAL provider's secret (`aws:SourceArn` = the provider).
 */
export interface ServiceCall {
  /** The service principal, e.g. `bedrock-agentcore.amazonaws.com`. */
  service: string;
  /** The resource the service acts for (`aws:SourceArn`; its account is `aws:SourceAccount`). */
  sourceArn: string;
  signingName: string;
  operation: string;
  region: string;
  params: Record<string, unknown>;
  /**
   * The role the service acts as (an EventBridge rule target's `RoleArn`): its trust policy must
   * let the service assume it for `sourceArn`, and the call is then decided as that role.
   */
  role?: string;
  /**
   * The access key of the caller the service acts for with the caller's own rights (a forward
   * access session: AgentCore Identity writing a MANAGED provider secret). Absent: the service
   * acts as its own principal.
   */
  onBehalfOf?: string;
}

export interface StandinContext {
  /** moto's own URL (not the front): calls made here are not recorded in CloudTrail. */
  motoUrl: string;
  /** Issuer URL of the local OpenID Connect provider. */
  oidcIssuer: string;
  /**
   * An SDK client that talks to moto directly, as the caller's account: it signs with the
   * caller's access key id (moto maps keys to accounts and does not check signatures).
   */
  motoClient<C>(ctor: SdkClientConstructor<C>, request: FrontRequest): C;
  /** Account id of the caller, resolved through moto STS (cached). */
  accountOf(request: FrontRequest): Promise<string>;
  /**
   * Decides a {@link ServiceCall} as IAM would (the stack's IAM gate and mode); throws the
   * service's AccessDeniedException when refused. Allowed when the gate is off.
   */
  authorizeServiceCall(call: ServiceCall): Promise<void>;
  /** Shared state by name, so routes added later can keep theirs without touching this file. */
  state<T>(key: string, create: () => T): T;
}

/**
 * One stand-in route. The front tries the routes in order; the first whose `matches` returns
 * true answers, everything else is proxied to moto.
 */
export interface StandinRoute {
  name: string;
  matches(request: FrontRequest): boolean;
  handle(request: FrontRequest, context: StandinContext): Promise<StandinResponse>;
  /** Admin routes of the stand-in itself are not API calls and are not recorded. */
  recordInCloudTrail?: boolean;
  /**
   * The botocore service model of the API this route answers (`cloudtrail`,
   * `bedrock-agentcore-control`…), named here because one signing name can cover two models.
   * Requests are validated against it before `handle` (`model/guard.ts`).
   */
  model?: string;
}
