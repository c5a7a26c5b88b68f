/**
 * The local IAM gate's vocabulary for one call: what it is (CallInfo), what AWS authorizes for
 * it (Authorization), what a resolver may look up (ResourceLookups), what a service's resolver
 * answers (ServiceResolution), and the two ways a call is refused before any policy is read.
 * A leaf module: local/iam/resources.ts and the services' resolvers (local/iam/resolvers/)
 * build on it.
 * TEST/DEMO COMPONENT — local stack only.
 */
export type ContextValues = Record<string, string | string[]>;

/** One authorization AWS makes for a call. */
export interface Authorization {
  action: string;
  /** Resource ARN, or `*` for actions with no resource type. */
  resource: string;
  resourceAccount: string;
  context: ContextValues;
}

/** What the resolver may ask the local AWS (as the account admin, never recorded). */
export interface ResourceLookups {
  secret(
    id: string,
    region: string,
  ): Promise<
    | { arn: string; kmsKeyId?: string; rotationLambdaArn?: string; tags: Record<string, string> }
    | undefined
  >;
  keyArn(keyId: string, region: string): Promise<string | undefined>;
  roleArn(name: string): Promise<string | undefined>;
  functionArn(name: string, region: string): Promise<string | undefined>;
  tableHashKey(table: string, region: string): Promise<string | undefined>;
  /** Tags the stand-in keeps (user pools, credential providers) by ARN. */
  standinTags(arn: string): Record<string, string>;
  /** The account that owns a bucket (S3 bucket names are global), if it exists. */
  bucketAccount?(bucket: string): Promise<string | undefined>;
  /** The KMS key of a bucket's default SSE-KMS encryption, if it has one. */
  bucketKey?(bucket: string): Promise<string | undefined>;
  /**
   * How an object is encrypted, as S3 answers HeadObject (`aws:kms` and its key, `AES256`), or
   * undefined when the object does not say (or does not exist).
   */
  objectEncryption?(
    bucket: string,
    key: string,
  ): Promise<{ sse: string; keyId?: string } | undefined>;
  /** The KMS key of an encrypted topic (`KmsMasterKeyId`), if it has one. */
  topicKey?(topicArn: string): Promise<string | undefined>;
}

export interface CallInfo {
  signingName: string;
  operation: string;
  region: string;
  /** Account of the caller (resources named by bare names live there). */
  account: string;
  params: Record<string, unknown>;
  labels: Record<string, string>;
}

export class Unclassifiable extends Error {}

/** A request AWS refuses before any policy is read (an S3 bucket not of the expected owner). */
export class Refused extends Error {}

export type Vars = Record<string, string>;

export interface ServiceResolution {
  /** Variables of the catalog's ARN formats (`SecretId`, `TableName`, …), from the request. */
  vars?: Vars;
  /**
   * Variables the request implies without naming them (AgentCore's one token vault `default`):
   * they complete a resource the action requires, never name one it may merely act on.
   */
  defaults?: Vars;
  /** Whole ARNs by resource type name, where a format cannot be filled from names alone. */
  arns?: Record<string, string>;
  context?: ContextValues;
  implied?: Authorization[];
  /** The account of the resources, where a lookup knows it (an S3 bucket's owner). */
  account?: string;
}

export type Resolver = (call: CallInfo, lookups: ResourceLookups) => Promise<ServiceResolution>;
