/**
 * Each service's resolver: from one call's request (and lookups on the local AWS as its admin),
 * the variables of the IAM catalog's ARN formats, whole ARNs where names are not enough, the
 * condition keys AWS sets, and the further authorizations the call implies (`kms:Decrypt` when
 * Secrets Manager opens a secret under a customer key, `iam:PassRole` when a role is handed to a
 * service). Also the calls AWS authorizes item by item (DynamoDB transactions, S3
 * DeleteObjects). local/iam/resources.ts turns a resolution into authorizations.
 * TEST/DEMO COMPONENT — local stack only.
 */
import {
  type Authorization,
  type CallInfo,
  type ContextValues,
  Refused,
  type ResourceLookups,
  type Resolver,
  Unclassifiable,
  type Vars,
} from './authorizationTypes.js';
import {
  arnParts,
  isArn,
  requestTags,
  resourceTagContext,
  str,
  tagContext,
} from './requestValues.js';

const secretsmanager: Resolver = async (call, lookups) => {
  const id = str(call.params.SecretId) ?? str(call.params.Name);
  if (!id) return {};
  const tags = requestTags(call.params);
  const context: ContextValues = {
    ...tagContext(tags),
    'secretsmanager:SecretId': id,
  };
  const stage = str(call.params.VersionStage);
  if (stage) context['secretsmanager:VersionStage'] = stage;
  const rotationLambda = str(call.params.RotationLambdaARN);
  if (rotationLambda) context['secretsmanager:RotationLambdaARN'] = rotationLambda;
  if (call.params.RotationRules !== undefined) {
    context['secretsmanager:ModifyRotationRules'] = 'true';
  }
  if (call.operation === 'CreateSecret') {
    // Not created yet: AWS authorizes the name with the random suffix it will add.
    const arn = `arn:aws:secretsmanager:${call.region}:${call.account}:secret:${id}-xxxxxx`;
    const implied = await secretKeyUse(call, lookups, arn, str(call.params.KmsKeyId), 'write');
    return { arns: { Secret: arn }, context, implied };
  }
  const secret = await lookups.secret(id, call.region);
  if (!secret) {
    // No such secret: authorized as the name with the suffix it would have (a grant on
    // `name-*` then reaches Secrets Manager's ResourceNotFound, as on AWS).
    const arn = isArn(id)
      ? id
      : `arn:aws:secretsmanager:${call.region}:${call.account}:secret:${id}-xxxxxx`;
    return { arns: { Secret: arn }, context };
  }
  Object.assign(context, resourceTagContext(secret.tags));
  const use = SECRET_KEY_USE[call.operation];
  const implied = use ? await secretKeyUse(call, lookups, secret.arn, secret.kmsKeyId, use) : [];
  // Secrets Manager invokes the rotation function for the caller, the one named or else the
  // one the secret is configured with: the caller must be allowed to invoke it.
  const invoked = rotationLambda ?? secret.rotationLambdaArn;
  if (call.operation === 'RotateSecret' && invoked) {
    implied.push({
      action: 'lambda:InvokeFunction',
      resource: invoked,
      resourceAccount: arnParts(invoked).account || call.account,
      context: {},
    });
  }
  return { arns: { Secret: secret.arn }, context, implied };
};

/** Operations on a secret's value that make Secrets Manager use its KMS key as the caller. */
const SECRET_KEY_USE: Record<string, 'read' | 'write'> = {
  GetSecretValue: 'read',
  PutSecretValue: 'write',
  UpdateSecret: 'write',
};

async function secretKeyUse(
  call: CallInfo,
  lookups: ResourceLookups,
  secretArn: string,
  kmsKeyId: string | undefined,
  use: 'read' | 'write',
): Promise<Authorization[]> {
  // The AWS managed key aws/secretsmanager lets every principal of the account use it through
  // Secrets Manager: only customer keys are checked.
  if (!kmsKeyId || /alias\/aws\/secretsmanager$/.test(kmsKeyId)) return [];
  if (
    use === 'write' &&
    call.operation === 'UpdateSecret' &&
    call.params.SecretString === undefined &&
    call.params.SecretBinary === undefined
  ) {
    return [];
  }
  const keyArn = (await lookups.keyArn(kmsKeyId, call.region)) ?? kmsKeyId;
  const context: ContextValues = {
    'kms:ViaService': `secretsmanager.${call.region}.amazonaws.com`,
    'kms:CallerAccount': call.account,
    'kms:EncryptionContext:SecretARN': secretArn,
    'kms:EncryptionContextKeys': ['SecretARN', 'SecretVersionId'],
  };
  const actions = use === 'read' ? ['kms:Decrypt'] : ['kms:GenerateDataKey'];
  return actions.map((action) => ({
    action,
    resource: keyArn,
    resourceAccount: arnParts(keyArn).account || call.account,
    context,
  }));
}

/**
 * The key a moto ciphertext was made with: its first 36 bytes are the key id (moto's own
 * format; AWS's blob names its key too, which is why Decrypt needs no KeyId).
 */
function keyOfCiphertext(blob: unknown): string | undefined {
  if (typeof blob !== 'string') return undefined;
  const id = Buffer.from(blob, 'base64').subarray(0, 36).toString('latin1');
  return /^[0-9a-f-]{36}$/.test(id) ? id : undefined;
}

const kms: Resolver = async (call, lookups) => {
  const keyId =
    str(call.params.KeyId) ??
    str(call.params.TargetKeyId) ??
    keyOfCiphertext(call.params.CiphertextBlob);
  const arns: Record<string, string> = {};
  const alias = str(call.params.AliasName);
  if (alias) arns.alias = `arn:aws:kms:${call.region}:${call.account}:${alias}`;
  if (keyId) {
    const arn = await lookups.keyArn(keyId, call.region);
    if (arn) arns.key = arn;
  }
  const context: ContextValues = { 'kms:CallerAccount': call.account };
  const encryptionContext = call.params.EncryptionContext;
  if (encryptionContext && typeof encryptionContext === 'object') {
    for (const [key, value] of Object.entries(encryptionContext as Record<string, unknown>)) {
      if (typeof value === 'string') context[`kms:EncryptionContext:${key}`] = value;
    }
    context['kms:EncryptionContextKeys'] = Object.keys(encryptionContext);
  }
  return { arns, context: { ...context, ...tagContext(requestTags(call.params)) } };
};

/** dynamodb:LeadingKeys: the partition key values a call reads or writes. */
async function leadingKeys(
  call: CallInfo,
  lookups: ResourceLookups,
  table: string,
): Promise<string[] | undefined> {
  const hashKey = await lookups.tableHashKey(table, call.region);
  if (!hashKey) return undefined;
  const item = (call.params.Key ?? call.params.Item) as
    Record<string, Record<string, unknown>> | undefined;
  const value = item?.[hashKey];
  if (value) return [String(value.S ?? value.N ?? value.B ?? '')];
  // The legacy Query form: KeyConditions { <attr>: { AttributeValueList: [value] } }.
  const legacy = (
    call.params.KeyConditions as Record<string, { AttributeValueList?: unknown[] }> | undefined
  )?.[hashKey]?.AttributeValueList?.[0] as Record<string, unknown> | undefined;
  if (legacy) return [String(legacy.S ?? legacy.N ?? legacy.B ?? '')];
  const expression = str(call.params.KeyConditionExpression);
  if (expression) {
    const names = (call.params.ExpressionAttributeNames ?? {}) as Record<string, string>;
    const values = (call.params.ExpressionAttributeValues ?? {}) as Record<
      string,
      Record<string, unknown>
    >;
    for (const match of expression.matchAll(/([#\w]+)\s*=\s*(:\w+)/g)) {
      const name = match[1]?.startsWith('#') ? names[match[1]] : match[1];
      if (name === hashKey) {
        const bound = values[match[2] ?? ''];
        if (bound) return [String(bound.S ?? bound.N ?? '')];
      }
    }
  }
  return undefined;
}

/** Transactions are authorized item by item, as the action each item performs. */
const TRANSACT_ACTIONS: Record<string, string> = {
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  ConditionCheck: 'dynamodb:ConditionCheckItem',
  Get: 'dynamodb:GetItem',
};

export async function transactItems(
  call: CallInfo,
  lookups: ResourceLookups,
): Promise<Authorization[]> {
  const items = (call.params.TransactItems ?? []) as Array<Record<string, Record<string, unknown>>>;
  const authorizations: Authorization[] = [];
  for (const item of items) {
    for (const [kind, action] of Object.entries(TRANSACT_ACTIONS)) {
      const part = item[kind];
      const table = str(part?.TableName);
      if (!part || !table) continue;
      const keys = await leadingKeys({ ...call, params: part }, lookups, table);
      authorizations.push({
        action,
        resource: `arn:aws:dynamodb:${call.region}:${call.account}:table/${table}`,
        resourceAccount: call.account,
        context: (keys ? { 'dynamodb:LeadingKeys': keys } : {}) as ContextValues,
      });
    }
  }
  return authorizations;
}

const dynamodb: Resolver = async (call, lookups) => {
  // Get/Put/DeleteResourcePolicy name a table or a stream by ARN; the catalog lists both types
  // as required, one of them is meant: the resource the ARN names answers for both.
  const policyOf = str(call.params.ResourceArn);
  if (policyOf && /ResourcePolicy$/.test(call.operation)) {
    return { arns: { table: policyOf, stream: policyOf } };
  }
  const named = str(call.params.TableName);
  if (!named) return {};
  // DynamoDB takes a table's name or its ARN (the ARN may name another account's table).
  const tableArn = isArn(named)
    ? named
    : `arn:aws:dynamodb:${call.region}:${call.account}:table/${named}`;
  const table = tableArn.split(':table/')[1] ?? named;
  const keys = await leadingKeys(call, lookups, table);
  const index = str(call.params.IndexName);
  return {
    // A call on an index is authorized on the index's ARN (a grant on the table alone does
    // not reach it), whichever type the catalog files it under.
    arns: index
      ? ({ table: `${tableArn}/index/${index}`, index: `${tableArn}/index/${index}` } as Record<
          string,
          string
        >)
      : { table: tableArn },
    context: (keys ? { 'dynamodb:LeadingKeys': keys } : {}) as ContextValues,
  };
};

const sqs: Resolver = async (call) => {
  const url = str(call.params.QueueUrl);
  if (url) {
    const [, account = call.account, name = ''] = /\/(\d{12})\/([^/?]+)/.exec(url) ?? [];
    return {
      arns: { queue: `arn:aws:sqs:${call.region}:${account}:${name}` },
      context: tagContext(requestTags(call.params)),
    };
  }
  const name = str(call.params.QueueName);
  return name ? { vars: { QueueName: name }, context: tagContext(requestTags(call.params)) } : {};
};

/** Operations for which SNS uses an encrypted topic's key with the publisher's rights. */
const SNS_PUBLISH = new Set(['Publish', 'PublishBatch']);

const sns: Resolver = async (call, lookups) => {
  const context = tagContext(requestTags(call.params));
  const arn =
    str(call.params.TopicArn) ?? str(call.params.TargetArn) ?? str(call.params.ResourceArn);
  if (arn) {
    const key = SNS_PUBLISH.has(call.operation) ? await lookups.topicKey?.(arn) : undefined;
    const implied = key
      ? await keyUseVia(call, lookups, key, 'sns', ['kms:GenerateDataKey', 'kms:Decrypt'], {})
      : [];
    return { arns: { topic: arn }, context, implied };
  }
  const name = str(call.params.Name);
  return name ? { vars: { TopicName: name }, context } : {};
};

/** EventBridge: the bus of a call (or of each PutEvents entry), rule ARNs by bus. */
const events: Resolver = async (call, lookups) => {
  const busOf = (value: unknown) => {
    const name = str(value) ?? 'default';
    return isArn(name) ? (name.split('/').pop() ?? name) : name;
  };
  // A bus named by ARN is that bus, whatever account or region it is in.
  const busArnOf = (value: unknown): string => {
    const name = str(value) ?? 'default';
    return isArn(name) ? name : `arn:aws:events:${call.region}:${call.account}:event-bus/${name}`;
  };
  if (call.operation === 'PutEvents') {
    const entries = (call.params.Entries ?? []) as Array<Record<string, unknown>>;
    const buses = [...new Set(entries.map((entry) => busArnOf(entry.EventBusName)))];
    const sources = [...new Set(entries.map((entry) => str(entry.Source) ?? ''))];
    const detailTypes = [...new Set(entries.map((entry) => str(entry.DetailType) ?? ''))];
    const context = { 'events:source': sources, 'events:detail-type': detailTypes };
    const [first = busArnOf(undefined), ...rest] = buses;
    return {
      arns: { 'event-bus': first },
      context,
      implied: rest.map((bus) => ({
        action: 'events:PutEvents',
        resource: bus,
        resourceAccount: arnParts(bus).account || call.account,
        context,
      })),
    };
  }
  const bus = busOf(call.params.EventBusName ?? call.params.Name);
  const rule =
    str(call.params.Rule) ?? (call.operation.includes('Rule') ? str(call.params.Name) : undefined);
  const vars: Vars = { EventBusName: bus };
  const arns: Record<string, string> = {};
  if (rule) {
    arns[bus === 'default' ? 'rule-on-default-event-bus' : 'rule-on-custom-event-bus'] =
      bus === 'default'
        ? `arn:aws:events:${call.region}:${call.account}:rule/${rule}`
        : `arn:aws:events:${call.region}:${call.account}:rule/${bus}/${rule}`;
  }
  const implied = await passRoles(call, lookups, roleArnsIn(call.params.Targets));
  return { vars, arns, implied, context: tagContext(requestTags(call.params)) };
};

function roleArnsIn(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return (value as Array<Record<string, unknown>>)
    .map((target) => str(target.RoleArn))
    .filter((arn): arn is string => arn !== undefined);
}

async function passRoles(
  call: CallInfo,
  _lookups: ResourceLookups,
  roles: string[],
  service?: string,
): Promise<Authorization[]> {
  return roles.map((role) => ({
    action: 'iam:PassRole',
    resource: role,
    resourceAccount: arnParts(role).account || call.account,
    context: (service ? { 'iam:PassedToService': service } : {}) as ContextValues,
  }));
}

/**
 * S3: the bucket and object; `s3:ResourceAccount` (the bucket's owner: names are global, a
 * bucket of the expected name may be someone else's); a copy also reads its source.
 */
const s3: Resolver = async (call, lookups) => {
  const bucket = call.labels.Bucket ?? str(call.params.Bucket);
  const key = call.labels.Key ?? str(call.params.Key);
  if (!bucket) return {};
  const owner = await lookups.bucketAccount?.(bucket);
  const expected = call.labels.ExpectedBucketOwner ?? str(call.params.ExpectedBucketOwner);
  if (expected && owner && expected !== owner) {
    throw new Refused(`bucket ${bucket} is not owned by the expected account ${expected}`);
  }
  const context: ContextValues = owner ? { 's3:ResourceAccount': owner } : {};
  const implied: Authorization[] = [];
  const copySource = call.labels.CopySource;
  if (copySource !== undefined) {
    const [path = '', query = ''] = copySource.replace(/^\//, '').split('?', 2);
    const slash = path.indexOf('/');
    if (slash <= 0 || slash === path.length - 1) {
      throw new Unclassifiable(`s3:${call.operation}: cannot name its copy source ${copySource}`);
    }
    const sourceBucket = path.slice(0, slash);
    const sourceOwner = (await lookups.bucketAccount?.(sourceBucket)) ?? call.account;
    const version = new URLSearchParams(query).get('versionId');
    implied.push({
      action: version ? 's3:GetObjectVersion' : 's3:GetObject',
      resource: `arn:aws:s3:::${path}`,
      resourceAccount: sourceOwner,
      context: { 's3:ResourceAccount': sourceOwner },
    });
    const sourceKey = await lookups.bucketKey?.(sourceBucket);
    if (sourceKey && !/alias\/aws\/s3$/.test(sourceKey)) {
      implied.push(
        ...(await keyUseVia(call, lookups, sourceKey, 's3', ['kms:Decrypt'], {
          'kms:EncryptionContext:aws:s3:arn': `arn:aws:s3:::${path}`,
          'kms:EncryptionContextKeys': ['aws:s3:arn'],
        })),
      );
    }
  }
  if (key) implied.push(...(await objectKeyUse(call, lookups, bucket, key)));
  return {
    vars: { BucketName: bucket, ...(key ? { ObjectName: key } : {}) },
    context,
    implied,
    ...(owner ? { account: owner } : {}),
  };
};

/** S3 operations on an object that make S3 use its KMS key as the caller. */
const S3_KEY_USE: Record<string, 'kms:GenerateDataKey' | 'kms:Decrypt'> = {
  PutObject: 'kms:GenerateDataKey',
  CopyObject: 'kms:GenerateDataKey',
  CreateMultipartUpload: 'kms:GenerateDataKey',
  UploadPart: 'kms:GenerateDataKey',
  UploadPartCopy: 'kms:GenerateDataKey',
  GetObject: 'kms:Decrypt',
};

/**
 * SSE-KMS: a write uses the key it names (`x-amz-server-side-encryption-aws-kms-key-id`), none
 * when it asks for another encryption (`AES256`), else the bucket's default key; a read uses the
 * key the object was written with, or the bucket's default key when the object does not say.
 */
async function objectKeyUse(
  call: CallInfo,
  lookups: ResourceLookups,
  bucket: string,
  key: string,
): Promise<Authorization[]> {
  const action = S3_KEY_USE[call.operation];
  if (!action) return [];
  let named: string | undefined;
  if (action === 'kms:GenerateDataKey' && call.labels.Sse !== undefined) {
    if (!call.labels.Sse.startsWith('aws:kms')) return [];
    named = call.labels.SseKmsKeyId;
  }
  if (action === 'kms:Decrypt') {
    const stored = await lookups.objectEncryption?.(bucket, key);
    if (stored && !stored.sse.startsWith('aws:kms')) return [];
    named = stored?.keyId;
  }
  const kmsKey = named ?? (await lookups.bucketKey?.(bucket));
  if (!kmsKey || /alias\/aws\/s3$/.test(kmsKey)) return [];
  return keyUseVia(call, lookups, kmsKey, 's3', [action], {
    'kms:EncryptionContext:aws:s3:arn': `arn:aws:s3:::${bucket}/${key}`,
    'kms:EncryptionContextKeys': ['aws:s3:arn'],
  });
}

/** A KMS key a service uses for the caller (`kms:ViaService`, `kms:CallerAccount`). */
async function keyUseVia(
  call: CallInfo,
  lookups: ResourceLookups,
  keyId: string,
  service: string,
  actions: string[],
  extra: ContextValues,
): Promise<Authorization[]> {
  const keyArn = (await lookups.keyArn(keyId, call.region)) ?? keyId;
  const context: ContextValues = {
    'kms:ViaService': `${service}.${call.region}.amazonaws.com`,
    'kms:CallerAccount': call.account,
    ...extra,
  };
  return actions.map((action) => ({
    action,
    resource: keyArn,
    resourceAccount: arnParts(keyArn).account || call.account,
    context,
  }));
}

/** DeleteObjects: S3 authorizes each object it names, as its own delete. */
export async function deleteObjects(
  call: CallInfo,
  lookups: ResourceLookups,
): Promise<Authorization[]> {
  const bucket = call.labels.Bucket;
  const objects = (call.params.Objects ?? []) as Array<{ Key?: unknown; VersionId?: unknown }>;
  if (!bucket || objects.length === 0) {
    throw new Unclassifiable('s3:DeleteObjects names no object');
  }
  const resolved = await s3({ ...call, labels: { ...call.labels, Key: 'x' } }, lookups);
  const account = resolved.account ?? call.account;
  return objects.map((object) => {
    const key = str(object.Key);
    if (!key) throw new Unclassifiable('s3:DeleteObjects names an object without a key');
    return {
      action: str(object.VersionId) ? 's3:DeleteObjectVersion' : 's3:DeleteObject',
      resource: `arn:aws:s3:::${bucket}/${key}`,
      resourceAccount: account,
      context: resolved.context ?? {},
    };
  });
}

const iam: Resolver = async (call, lookups) => {
  const arns: Record<string, string> = {};
  const roleName = str(call.params.RoleName);
  if (roleName) {
    arns.role =
      (await lookups.roleArn(roleName)) ?? `arn:aws:iam::${call.account}:role/${roleName}`;
  }
  const user = str(call.params.UserName);
  if (user) arns.user = `arn:aws:iam::${call.account}:user/${user}`;
  const group = str(call.params.GroupName);
  if (group) arns.group = `arn:aws:iam::${call.account}:group/${group}`;
  const policyArn = str(call.params.PolicyArn);
  if (policyArn) arns.policy = policyArn;
  const policyName = str(call.params.PolicyName);
  if (call.operation === 'CreatePolicy' && policyName) {
    arns.policy = `arn:aws:iam::${call.account}:policy${str(call.params.Path) ?? '/'}${policyName}`;
  }
  const source = str(call.params.PolicySourceArn);
  if (source) {
    const kind = /:(role|user|group)\//.exec(source)?.[1];
    if (kind) arns[kind] = source;
  }
  if (call.operation === 'PassRole') return { arns };
  return { arns, context: tagContext(requestTags(call.params)) };
};

/** AssumeRole*: the role; session tags also need `sts:TagSession` on it, with the tags. */
const sts: Resolver = async (call) => {
  const role = str(call.params.RoleArn);
  if (!role) return {};
  const tags = requestTags(call.params);
  const implied: Authorization[] =
    tags && Object.keys(tags).length > 0
      ? [
          {
            action: 'sts:TagSession',
            resource: role,
            resourceAccount: arnParts(role).account || call.account,
            context: tagContext(tags),
          },
        ]
      : [];
  return { arns: { role }, implied };
};

const lambda: Resolver = async (call, lookups) => {
  const name = call.labels.FunctionName ?? str(call.params.FunctionName);
  const arns: Record<string, string> = {};
  if (name) {
    arns.function = isArn(name)
      ? name.replace(/:(\$LATEST|\d+)$/, '')
      : ((await lookups.functionArn(name, call.region)) ??
        `arn:aws:lambda:${call.region}:${call.account}:function:${name}`);
  }
  const role = str(call.params.Role);
  const implied = role ? await passRoles(call, lookups, [role], 'lambda.amazonaws.com') : [];
  return { arns, implied };
};

const cloudtrail: Resolver = async (call) => {
  const name = str(call.params.Name) ?? str(call.params.TrailName);
  if (!name) return {};
  return isArn(name) ? { arns: { trail: name } } : { vars: { TrailName: name } };
};

const athena: Resolver = async (call) => ({
  vars: { WorkGroupName: str(call.params.WorkGroup) ?? str(call.params.Name) ?? 'primary' },
});

const glue: Resolver = async (call) => {
  const database =
    str(call.params.DatabaseName) ??
    str((call.params.DatabaseInput as Record<string, unknown> | undefined)?.Name);
  const table =
    str(call.params.Name) ??
    str((call.params.TableInput as Record<string, unknown> | undefined)?.Name);
  return {
    vars: {
      CatalogName: str(call.params.CatalogId) ?? call.account,
      ...(database ? { DatabaseName: database } : {}),
      ...(table && database ? { TableName: table } : {}),
    },
  };
};

const cognito: Resolver = async (call, lookups) => {
  const pool = str(call.params.UserPoolId);
  if (!pool) return {};
  return {
    vars: { UserPoolId: pool },
    context: resourceTagContext(
      lookups.standinTags(`arn:aws:cognito-idp:${call.region}:${call.account}:userpool/${pool}`),
    ),
  };
};

/**
 * The workload a stand-in workload token was issued to (its payload is readable; the stand-in
 * verifies the signature when it answers, so a forged name only reaches a refusal).
 */
function workloadOfToken(token: unknown): string | undefined {
  if (typeof token !== 'string') return undefined;
  try {
    const payload = JSON.parse(
      Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'),
    ) as {
      workloadName?: unknown;
    };
    return str(payload.workloadName);
  } catch {
    return undefined;
  }
}

/** AgentCore: gateway ids from path labels, providers and workloads by name. */
const agentcore: Resolver = async (call, lookups) => {
  const gateway = call.labels.gatewayIdentifier ?? str(call.params.gatewayIdentifier);
  const name =
    str(call.params.name) ?? str(call.params.resourceCredentialProviderName) ?? call.labels.name;
  const workload =
    str(call.params.workloadName) ?? workloadOfToken(call.params.workloadIdentityToken);
  const vars: Vars = {};
  const tokenVault = str(call.params.tokenVaultId);
  if (tokenVault) vars.TokenVaultId = tokenVault;
  const defaults: Vars = { TokenVaultId: 'default', DirectoryId: 'default' };
  if (gateway) vars.GatewayId = gateway.split('/').pop() ?? gateway;
  // AgentCore Policy: engines and their policies by the path's ids.
  if (call.labels.policyEngineId) vars.PolicyEngineId = call.labels.policyEngineId;
  if (call.labels.policyId) vars.PolicyId = call.labels.policyId;
  if (name) vars.Name = name;
  if (workload) vars.WorkloadIdentityName = workload;
  else if (call.operation.endsWith('WorkloadIdentity') && name) vars.WorkloadIdentityName = name;
  const arns: Record<string, string> = {};
  const resourceArn = call.labels.resourceArn ?? str(call.params.resourceArn);
  if (resourceArn && isArn(resourceArn)) {
    const type =
      /:(gateway|token-vault\/[^/]+\/(apikey|oauth2)credentialprovider|workload-identity-directory\/[^/]+\/workload-identity)\//.exec(
        resourceArn,
      );
    if (type) {
      const kind = type[1]?.startsWith('gateway')
        ? 'gateway'
        : type[2] === 'apikey'
          ? 'apikeycredentialprovider'
          : type[2] === 'oauth2'
            ? 'oauth2credentialprovider'
            : 'workload-identity';
      arns[kind] = resourceArn;
    }
  }
  const role = str(call.params.roleArn);
  const implied = role
    ? await passRoles(call, lookups, [role], 'bedrock-agentcore.amazonaws.com')
    : [];
  // A provider's own tags (gatewarden:rotated decides what the rotator may update).
  const providerKind = /ApiKeyCredentialProvider$/.test(call.operation)
    ? 'apikey'
    : /Oauth2CredentialProvider$/.test(call.operation)
      ? 'oauth2'
      : undefined;
  const providerArn =
    arns.apikeycredentialprovider ??
    arns.oauth2credentialprovider ??
    (providerKind && name
      ? `arn:aws:bedrock-agentcore:${call.region}:${call.account}:token-vault/${vars.TokenVaultId ?? 'default'}/${providerKind}credentialprovider/${name}`
      : undefined);
  const context = {
    ...tagContext(requestTags(call.params)),
    ...(providerArn ? resourceTagContext(lookups.standinTags(providerArn)) : {}),
  };
  return { vars, defaults, arns, implied, context };
};

/**
 * WAFv2 web ACLs by scope, name and id (CreateWebACL is authorized on `<name>/*`: the id does
 * not exist yet), the ACL an association names, and the AgentCore gateway it protects.
 */
const wafv2: Resolver = async (call) => {
  const vars: Vars = {};
  const scope = str(call.params.Scope);
  if (scope) vars.Scope = scope.toLowerCase();
  const name = str(call.params.Name);
  if (name) vars.Name = name;
  const id = str(call.params.Id);
  if (id) vars.Id = id;
  const arns: Record<string, string> = {};
  const acl = str(call.params.WebACLArn);
  if (acl) arns.webacl = acl;
  const resource = str(call.params.ResourceArn);
  if (resource && /^arn:aws[\w-]*:bedrock-agentcore:[^:]*:\d*:gateway\//.test(resource))
    arns['agentcore-gateway'] = resource;
  return { vars, defaults: { Id: '*' }, arns };
};

/** Stacks are named by name; their id part is not in the request (any id of that name). */
const cloudformation: Resolver = async (call) => {
  const name = str(call.params.StackName);
  if (!name) return {};
  return isArn(name) ? { arns: { stack: name } } : { vars: { StackName: name, Id: 'local' } };
};

const logs: Resolver = async (call) => {
  const group = str(call.params.logGroupName);
  return group ? { vars: { LogGroupName: group } } : {};
};

/**
 * Organizations names policies, roots, OUs and accounts by ids whose ARNs also need the
 * organization's id (and a created policy has none yet): the gate authorizes these calls on
 * every resource of the type. Coarser than AWS for resource-scoped grants on Organizations,
 * which only the management account's admin makes on the local stack.
 */
const organizations: Resolver = async () => ({
  arns: Object.fromEntries(
    [
      'account',
      'handshake',
      'organization',
      'organizationalunit',
      'policy',
      'resourcepolicy',
      'root',
      'awspolicy',
    ].map((type) => [type, '*']),
  ),
});

/** Each service's resolver, by signing name. */
export const RESOLVERS: Record<string, Resolver> = {
  organizations,
  cloudformation,
  logs,
  secretsmanager,
  kms,
  dynamodb,
  sqs,
  sns,
  events,
  s3,
  iam,
  sts,
  lambda,
  cloudtrail,
  athena,
  glue,
  'cognito-idp': cognito,
  'bedrock-agentcore': agentcore,
  wafv2,
};
