import type { StateVersion } from './ports.js';
import type { CloudTrailRecord } from './record.js';
import { isAdminManagedPolicy, isAdminStatement, policyStatements } from './rules/policy.js';
import {
  AGENTCORE,
  CLOUDTRAIL,
  callerUserName,
  principalOf,
  IAM,
  S3,
  denied,
  failed,
  gatewayIdOf,
  isGatewayRoleName,
  isGatewaySecret,
  keyIdOf,
  lambdaAction,
  lambdaFunctionName,
  param,
  resourceArn,
  response,
  stableCaller,
  str,
  viaAwsService,
} from './rules/support.js';
import type { DetectionContext } from './types.js';
import { propagationTracked } from './propagation.js';
import { rateLimitsTracked } from './rateLimits.js';
import type { Tracked } from './stateTrackers.js';
import { TOOLING_MEMORY_MS, toolOf } from './tooling.js';
import { webAclTracked } from './webAcls.js';

/**
 * Facts detection learns from the stream and must still know after a cold start, or in
 * another concurrent container: kept in the last-state store (DynamoDB in the deployed
 * function, per account like every state key), never only in a container's memory.
 *
 * - `tooling`: a caller seen with offensive tooling (its later findings are raised for a day);
 * - `privileged-role`: a role granted administrator rights, and by which grants;
 * - `instance-profile`: the role an instance profile holds;
 * - `gateway-function`: a Lambda function a gateway target invokes, and which gateways;
 * - `gateway-key`: a KMS key protecting gateway credentials (the token vault CMK, a gateway
 *   secret's key), by key id;
 * - `gateway-policy`: a managed policy seen attached to a gateway role, by ARN;
 * - `trail-bucket`: an S3 bucket a trail delivers to, by name;
 * - `created`: when an IAM principal or resource was created (and `propagation-excused`, the
 *   denials excused as IAM propagation after it: see propagation.ts);
 * - `gateway-rate-limits`: the rate limits a gateway has (see rateLimits.ts);
 * - `web-acl`: a WAF web ACL's rules (each one's mode and a print: priority and a hash of its
 *   statement and action), default action, and the gateways it protects (see webAcls.ts).
 *
 * Writes happen on the records that teach a fact; rules that need one read it at their own
 * record's time (a look-up), so a replay in event-time order answers as the live stream did.
 */
export const FACTS = {
  tooling: 'tooling',
  privilegedRole: 'privileged-role',
  instanceProfile: 'instance-profile',
  gatewayFunction: 'gateway-function',
  gatewayKey: 'gateway-key',
  gatewayPolicy: 'gateway-policy',
  trailBucket: 'trail-bucket',
  created: 'created',
  propagationExcused: 'propagation-excused',
  gatewayRateLimits: 'gateway-rate-limits',
  webAcl: 'web-acl',
} as const;

/**
 * What a `created` state holds: when an IAM principal or resource (`role:NAME`, `user:NAME`,
 * `key:ACCESS_KEY_ID`, `arn:ARN`) was last created or granted a policy. Read for {@link EVENTUAL_CONSISTENCY_MS}
 * by the propagation allowance (propagation.ts), for days by console-login-without-mfa.
 */
export interface CreatedFact {
  atMs: number;
}

/** How long after its creation a principal's or resource's denied calls may be propagation. */
export const EVENTUAL_CONSISTENCY_MS = 60_000;

/**
 * Calls after which IAM needs a moment before the new principal or grant works everywhere
 * (eventual consistency): the principal or resource is remembered with the time. A password
 * given to a user (or reset by someone else) is a grant too: a dormant user with a new
 * password is as fresh as a new user to console-login-without-mfa.
 */
const CREATIONS = new Set([
  'CreateRole',
  'CreateUser',
  'CreateAccessKey',
  'CreateLoginProfile',
  'UpdateLoginProfile',
  'CreateInstanceProfile',
  'AddRoleToInstanceProfile',
  'AttachRolePolicy',
  'PutRolePolicy',
  'AttachUserPolicy',
  'PutUserPolicy',
  'UpdateAssumeRolePolicy',
]);

/** Creations a record writes (the principals and resources it names, bounded). */
function createdTracked(record: CloudTrailRecord): Tracked[] {
  if (!CREATIONS.has(record.eventName)) return [];
  const at = Date.parse(record.eventTime);
  const role = str(param(record, 'roleName'));
  const user = str(param(record, 'userName'));
  // A new access key (its id only: CloudTrail never logs the secret), whose first calls propagate.
  const accessKey =
    record.eventName === 'CreateAccessKey'
      ? str(response(record, 'accessKey', 'accessKeyId'))
      : undefined;
  const keys = [
    ...(role === undefined ? [] : [`role:${role}`]),
    ...(user === undefined ? [] : [`user:${user}`]),
    ...(accessKey === undefined ? [] : [`key:${accessKey}`]),
    ...(record.resources ?? []).flatMap((r) => (r.ARN ? [`arn:${r.ARN}`] : [])),
  ];
  return [...new Set(keys)].slice(0, 4).map((subject) => ({
    kind: FACTS.created,
    subject,
    next: () => JSON.stringify({ atMs: at } satisfies CreatedFact),
  }));
}

/** A look-up of when a principal or resource was last created. */
export function createdLookup(key: string): Tracked {
  return { kind: FACTS.created, subject: key, next: LOOK };
}

/** The creation time a `created` state holds, if any. */
export function createdAt(version: StateVersion | undefined): number | undefined {
  const at = parsed<Partial<CreatedFact>>(version)?.atMs;
  return typeof at === 'number' && Number.isFinite(at) ? at : undefined;
}

/** The IAM user a console sign-in without MFA is by (console-login-without-mfa looks it up). */
export function passwordOnlySignIn(record: CloudTrailRecord): string | undefined {
  if (record.eventSource !== 'signin.amazonaws.com' || record.eventName !== 'ConsoleLogin') {
    return undefined;
  }
  if (record.userIdentity.type !== 'IAMUser') return undefined;
  if (str(response(record, 'ConsoleLogin')) !== 'Success') return undefined;
  const extra = record.additionalEventData as Record<string, unknown> | undefined;
  if (str(extra?.MFAUsed) !== 'No' || extra?.SamlProviderArn !== undefined) return undefined;
  return callerUserName(record) ?? principalOf(record);
}

function signInLookups(record: CloudTrailRecord): Tracked[] {
  const user = passwordOnlySignIn(record);
  return user === undefined ? [] : [createdLookup(`user:${user}`)];
}

/** What a `gateway-key`, `gateway-policy` or `trail-bucket` state holds: the call that taught it. */
export interface MarkFact {
  via: string;
}

/**
 * A tooling sighting is written again only this long after the last one kept: a tool used on
 * every call would otherwise write on every call. The raise therefore lasts from 23 to 24
 * hours after the last call made with the tool.
 */
export const TOOLING_REFRESH_MS = TOOLING_MEMORY_MS / 24;

/** What a `tooling` state holds. */
export interface ToolingFact {
  tool: string;
}

/** What a `privileged-role` state holds: the admin grants seen (`arn:…` managed, `inline:NAME`). */
export interface PrivilegedRoleFact {
  grants: string[];
}

/** What a `gateway-function` state holds: the gateways whose targets invoke it. */
export interface GatewayFunctionFact {
  gatewayIds: string[];
}

/** Lambda records whose rules ask whether the function is behind a gateway target. */
const LAMBDA = 'lambda.amazonaws.com';
const LAMBDA_LOOKUPS = new Set([
  'CreateFunction',
  'UpdateFunctionCode',
  'UpdateFunctionConfiguration',
  'AddPermission',
  'CreateFunctionUrlConfig',
  'UpdateFunctionUrlConfig',
]);

/** Calls that pass a role to compute (iam-passrole-to-compute reads whether it is privileged). */
const PASS_ROLE: Record<string, 'roleArn' | 'role' | 'iamInstanceProfile'> = {
  CreateDevEndpoint: 'roleArn',
  CreateFunction20150331: 'role',
  UpdateFunctionConfiguration20150331v2: 'role',
  UpdateFunctionConfiguration20150331: 'role',
  RunInstances: 'iamInstanceProfile',
  AssociateIamInstanceProfile: 'iamInstanceProfile',
  ReplaceIamInstanceProfileAssociation: 'iamInstanceProfile',
  CreateNotebookInstance: 'roleArn',
  CreateTrainingJob: 'roleArn',
  CreateProcessingJob: 'roleArn',
};

const LOOK = (): undefined => undefined;
const KMS = 'kms.amazonaws.com';
/** Bounded whatever the input. */
const MAX_MEMBERS = 100;

function parsed<T>(version: StateVersion | undefined): T | undefined {
  if (version?.state === undefined || version.state === null) return undefined;
  try {
    return JSON.parse(version.state) as T;
  } catch {
    return undefined;
  }
}

/** The members of a list-valued fact, changed; null when none is left, undefined unchanged. */
function changeMembers(
  previous: StateVersion | undefined,
  field: 'grants' | 'gatewayIds',
  change: (members: Set<string>) => void,
): string | null | undefined {
  const before = parsed<Record<string, unknown>>(previous)?.[field];
  const members = new Set(
    Array.isArray(before) ? before.filter((m): m is string => typeof m === 'string') : [],
  );
  const was = JSON.stringify([...members].sort());
  change(members);
  const now = [...members].sort().slice(0, MAX_MEMBERS);
  if (JSON.stringify(now) === was) return undefined;
  if (now.length === 0) return previous === undefined ? undefined : null;
  return JSON.stringify({ [field]: now });
}

/**
 * The caller whose findings tooling raises, when CloudTrail names one. An `Unknown` identity
 * (an unauthenticated InvokeGateway, a sign-in with a typed user name) or a hidden user name
 * reads alike for every such caller: one outsider's user agent would raise them all.
 */
export function toolingCaller(record: CloudTrailRecord): string | undefined {
  if (record.userIdentity.type === 'Unknown' || viaAwsService(record)) return undefined;
  const caller = stableCaller(record);
  return caller === 'unknown' || caller === 'HIDDEN_DUE_TO_SECURITY_REASONS' ? undefined : caller;
}

/** The tooling sighting a record makes (written whatever the call's outcome: probing fails). */
function toolingTracked(record: CloudTrailRecord): Tracked[] {
  const signal = toolOf(record.userAgent);
  const caller = toolingCaller(record);
  if (signal?.kind !== 'offensive' || caller === undefined) return [];
  const at = Date.parse(record.eventTime);
  return [
    {
      kind: FACTS.tooling,
      subject: caller,
      next: (previous) => {
        const known = parsed<ToolingFact>(previous);
        if (
          previous !== undefined &&
          known?.tool === signal.tool &&
          at - previous.atMs < TOOLING_REFRESH_MS
        ) {
          return undefined;
        }
        return JSON.stringify({ tool: signal.tool } satisfies ToolingFact);
      },
    },
  ];
}

/** A look-up of the tooling fact of a record's caller (for the raise of its findings). */
export function toolingLookup(caller: string): Tracked {
  return { kind: FACTS.tooling, subject: caller, next: LOOK };
}

/** The tool a caller was seen with within {@link TOOLING_MEMORY_MS} before `atMs`, if any. */
export function toolingAt(version: StateVersion | undefined, atMs: number): string | undefined {
  const fact = parsed<ToolingFact>(version);
  if (version === undefined || fact === undefined || typeof fact.tool !== 'string')
    return undefined;
  return atMs - version.atMs <= TOOLING_MEMORY_MS ? fact.tool : undefined;
}

/** Role names are unique whatever their case; requests spell them either way. */
function roleSubject(roleNameOrArn: string): string {
  return (roleNameOrArn.split('/').pop() ?? roleNameOrArn).toLowerCase();
}

function privilegedRoleTracked(record: CloudTrailRecord): Tracked[] {
  const role = str(param(record, 'roleName'));
  if (role === undefined) return [];
  const subject = roleSubject(role);
  const grants = (change: (members: Set<string>) => void): Tracked[] => [
    {
      kind: FACTS.privilegedRole,
      subject,
      next: (previous) => changeMembers(previous, 'grants', change),
    },
  ];
  const policyArn = str(param(record, 'policyArn'));
  const inline = `inline:${str(param(record, 'policyName')) ?? ''}`;
  switch (record.eventName) {
    case 'AttachRolePolicy':
      return policyArn !== undefined && isAdminManagedPolicy(policyArn)
        ? grants((m) => m.add(policyArn))
        : [];
    case 'DetachRolePolicy':
      return policyArn === undefined ? [] : grants((m) => m.delete(policyArn));
    case 'PutRolePolicy': {
      // A put replaces the inline policy of that name: admin or not, it is what it now says.
      const admin = policyStatements(param(record, 'policyDocument')).some(isAdminStatement);
      return grants((m) => (admin ? m.add(inline) : m.delete(inline)));
    }
    case 'DeleteRolePolicy':
      return grants((m) => m.delete(inline));
    case 'DeleteRole':
      return grants((m) => m.clear());
    default:
      return [];
  }
}

function instanceProfileTracked(record: CloudTrailRecord): Tracked[] {
  const profile = str(param(record, 'instanceProfileName'));
  if (profile === undefined) return [];
  const subject = profile.toLowerCase();
  switch (record.eventName) {
    case 'AddRoleToInstanceProfile': {
      const role = str(param(record, 'roleName'));
      return role === undefined
        ? []
        : [{ kind: FACTS.instanceProfile, subject, next: () => JSON.stringify({ role }) }];
    }
    case 'RemoveRoleFromInstanceProfile':
    case 'DeleteInstanceProfile':
      return [
        {
          kind: FACTS.instanceProfile,
          subject,
          next: (previous) => (previous === undefined ? undefined : null),
        },
      ];
    default:
      return [];
  }
}

/** The role an instance profile held before, as a look-up of that role's privilege. */
function profileRoleLookup(previous: StateVersion | undefined): Tracked[] {
  const role = parsed<{ role?: unknown }>(previous)?.role;
  return typeof role === 'string'
    ? [{ kind: FACTS.privilegedRole, subject: roleSubject(role), next: LOOK }]
    : [];
}

/** Look-ups for a call passing a role (or an instance profile) to compute. */
function passRoleLookups(record: CloudTrailRecord): Tracked[] {
  const key = PASS_ROLE[record.eventName];
  if (key === undefined) return [];
  if (key !== 'iamInstanceProfile') {
    const role = str(param(record, key));
    return role === undefined
      ? []
      : [{ kind: FACTS.privilegedRole, subject: roleSubject(role), next: LOOK }];
  }
  const reference =
    str(param(record, 'iamInstanceProfile', 'arn')) ??
    str(param(record, 'iamInstanceProfile', 'name'));
  if (reference === undefined) return [];
  const profile = (reference.split('/').pop() ?? reference).toLowerCase();
  return [{ kind: FACTS.instanceProfile, subject: profile, next: LOOK, then: profileRoleLookup }];
}

/** The function a gateway target invokes (request or response), by name. */
function targetFunction(record: CloudTrailRecord): string | undefined {
  const arn =
    str(param(record, 'targetConfiguration', 'mcp', 'lambda', 'lambdaArn')) ??
    str(response(record, 'targetConfiguration', 'mcp', 'lambda', 'lambdaArn'));
  return arn === undefined ? undefined : lambdaFunctionName(arn);
}

function gatewayFunctionTracked(record: CloudTrailRecord): Tracked[] {
  if (
    record.eventSource === AGENTCORE &&
    (record.eventName === 'CreateGatewayTarget' || record.eventName === 'UpdateGatewayTarget')
  ) {
    const fn = targetFunction(record);
    if (fn === undefined) return [];
    const gateway = gatewayIdOf(record) ?? 'unknown';
    return [
      {
        kind: FACTS.gatewayFunction,
        subject: fn,
        next: (previous) => changeMembers(previous, 'gatewayIds', (m) => m.add(gateway)),
      },
    ];
  }
  if (record.eventSource === LAMBDA && LAMBDA_LOOKUPS.has(lambdaAction(record.eventName))) {
    const name = str(param(record, 'functionName'));
    return name === undefined
      ? []
      : [{ kind: FACTS.gatewayFunction, subject: lambdaFunctionName(name), next: LOOK }];
  }
  return [];
}

/** A fact that, once learned, stays: written by the first record that teaches it. */
function mark(kind: string, subject: string, record: CloudTrailRecord): Tracked {
  return {
    kind,
    subject,
    next: (previous) =>
      previous?.state === undefined || previous.state === null
        ? JSON.stringify({ via: record.eventName } satisfies MarkFact)
        : undefined,
  };
}

/** KMS keys protecting gateway credentials: the token vault CMK, a gateway secret's key. */
function gatewayKeyTracked(record: CloudTrailRecord): Tracked[] {
  if (record.eventName === 'SetTokenVaultCMK') {
    const key = str(param(record, 'kmsConfiguration', 'kmsKeyArn'));
    return key === undefined ? [] : [mark(FACTS.gatewayKey, keyIdOf(key), record)];
  }
  if (record.eventName === 'CreateSecret' || record.eventName === 'UpdateSecret') {
    const secret = str(param(record, 'name')) ?? str(param(record, 'secretId'));
    const key = str(param(record, 'kmsKeyId'));
    return secret !== undefined && key !== undefined && isGatewaySecret(secret)
      ? [mark(FACTS.gatewayKey, keyIdOf(key), record)]
      : [];
  }
  return [];
}

/** KMS calls whose rules ask whether the key protects gateway credentials. */
const KMS_LOOKUPS = new Set([
  'DisableKey',
  'ScheduleKeyDeletion',
  'ImportKeyMaterial',
  'DeleteImportedKeyMaterial',
  'PutKeyPolicy',
  'CreateKey',
]);

/** The key ids a KMS record may name (request, resources, response), as its rules read them. */
export function kmsKeyIds(record: CloudTrailRecord): string[] {
  const references = [
    str(param(record, 'keyId')),
    resourceArn(record, 'AWS::KMS::Key'),
    str(response(record, 'keyId')),
    str(response(record, 'keyMetadata', 'keyId')),
  ];
  const ids = new Set<string>();
  for (const reference of references) if (reference) ids.add(keyIdOf(reference));
  return [...ids].slice(0, 4);
}

function gatewayKeyLookups(record: CloudTrailRecord): Tracked[] {
  if (record.eventSource !== KMS || !KMS_LOOKUPS.has(record.eventName)) return [];
  return kmsKeyIds(record).map((id) => ({ kind: FACTS.gatewayKey, subject: id, next: LOOK }));
}

/** Managed policies attached to a gateway role (the role known from configuration or stream). */
function gatewayPolicyTracked(record: CloudTrailRecord, context?: DetectionContext): Tracked[] {
  if (record.eventSource !== IAM) return [];
  const policyArn = str(param(record, 'policyArn'));
  if (policyArn === undefined) return [];
  if (record.eventName === 'AttachRolePolicy') {
    const role = str(param(record, 'roleName'));
    return context !== undefined && role !== undefined && isGatewayRoleName(role, context)
      ? [mark(FACTS.gatewayPolicy, policyArn, record)]
      : [];
  }
  const newDefault =
    record.eventName === 'SetDefaultPolicyVersion' ||
    (record.eventName === 'CreatePolicyVersion' && param(record, 'setAsDefault') === true);
  return newDefault ? [{ kind: FACTS.gatewayPolicy, subject: policyArn, next: LOOK }] : [];
}

/** S3 calls on a bucket whose rules ask whether a trail delivers to it. */
const BUCKET_LOOKUPS = new Set([
  'PutBucketLifecycle',
  'PutBucketLifecycleConfiguration',
  'DeleteBucketPolicy',
  'PutBucketPolicy',
]);

/** The bucket a trail delivers to (written), or a trail-bucket rule's look-up (refusals too). */
function trailBucketTracked(record: CloudTrailRecord): Tracked[] {
  if (record.eventSource === CLOUDTRAIL) {
    if (
      failed(record) ||
      (record.eventName !== 'CreateTrail' && record.eventName !== 'UpdateTrail')
    )
      return [];
    const bucket = str(param(record, 's3BucketName'));
    return bucket === undefined ? [] : [mark(FACTS.trailBucket, bucket, record)];
  }
  if (record.eventSource !== S3) return [];
  const bucket = str(param(record, 'bucketName'));
  if (bucket === undefined) return [];
  const look = [{ kind: FACTS.trailBucket, subject: bucket, next: LOOK }];
  // trail-bucket-deleted-or-unversioned: also refused attempts; versioning only when suspended.
  if (record.eventName === 'DeleteBucket' || record.eventName === 'PutBucketVersioning') {
    if (failed(record) && !denied(record)) return [];
    const status = str(param(record, 'VersioningConfiguration', 'Status'));
    return record.eventName === 'DeleteBucket' || status === 'Suspended' ? look : [];
  }
  // cloudtrail-bucket-lifecycle: a bucket its name already marks needs no look-up.
  if (!BUCKET_LOOKUPS.has(record.eventName) || failed(record)) return [];
  return TRAIL_BUCKET_NAME.test(bucket) ? [] : look;
}

/** Bucket names cloudtrail-bucket-lifecycle takes for trail buckets without a trail seen. */
export const TRAIL_BUCKET_NAME = /cloudtrail|trail-?logs?/i;

/**
 * The learned facts a record writes or looks up (see {@link FACTS}). `context`: the record's
 * account's (gateway roles, for the policies attached to them).
 */
export function learnedFactsTracked(
  record: CloudTrailRecord,
  context?: DetectionContext,
): Tracked[] {
  const tooling = toolingTracked(record);
  const buckets = trailBucketTracked(record);
  if (failed(record)) return [...tooling, ...buckets, ...propagationTracked(record)];
  const iam =
    record.eventSource === IAM
      ? [
          ...privilegedRoleTracked(record),
          ...instanceProfileTracked(record),
          ...gatewayPolicyTracked(record, context),
        ]
      : [];
  return [
    ...tooling,
    ...iam,
    ...gatewayFunctionTracked(record),
    ...passRoleLookups(record),
    ...gatewayKeyTracked(record),
    ...gatewayKeyLookups(record),
    ...buckets,
    ...createdTracked(record),
    ...signInLookups(record),
    ...rateLimitsTracked(record),
    ...webAclTracked(record),
  ];
}

/**
 * True when the record's own look-up found a fact of this kind and subject learned before the
 * record (in event time). Rules reading it declare `lastState: true`.
 */
export function knownBefore(
  record: CloudTrailRecord,
  context: DetectionContext,
  kind: string,
  subject: string,
): boolean {
  return factBefore(record, context, kind, subject) !== undefined;
}

/** The fact of this kind and subject learned before the record (its own look-up), if any. */
export function factBefore<T>(
  record: CloudTrailRecord,
  context: DetectionContext,
  kind: string,
  subject: string,
): T | undefined {
  const changes = context.stateChanges;
  if (changes === undefined || changes.eventId !== record.eventID) return undefined;
  const change = changes.changes.find((c) => c.kind === kind && c.subject === subject);
  return (change?.previous ?? undefined) as T | undefined;
}

/** Gateways whose targets invoked a function, as its state before the record showed. */
export function gatewaysOfFunction(previous: unknown): string[] | undefined {
  const ids = (previous as Partial<GatewayFunctionFact> | null | undefined)?.gatewayIds;
  if (!Array.isArray(ids)) return undefined;
  const out = ids.filter((id): id is string => typeof id === 'string');
  return out.length === 0 ? undefined : out;
}
