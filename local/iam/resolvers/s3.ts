/**
 * S3: buckets (global names: their owner's account) and objects (the key S3 uses for the
 * caller), DeleteObjects authorized object by object.
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
} from '../authorizationTypes.js';
import { str } from '../requestValues.js';
import { keyUseVia } from './implied.js';

/** The writes whose If-None-Match / If-Match headers S3 puts in the policy context. */
const CONDITIONAL_WRITES = new Set(['PutObject', 'CompleteMultipartUpload']);

/**
 * S3: the bucket and object; `s3:ResourceAccount` (the bucket's owner: names are global, a
 * bucket of the expected name may be someone else's); a copy also reads its source.
 */
export const s3: Resolver = async (call, lookups) => {
  const bucket = call.labels.Bucket ?? str(call.params.Bucket);
  const key = call.labels.Key ?? str(call.params.Key);
  if (!bucket) return {};
  const owner = await lookups.bucketAccount?.(bucket);
  const expected = call.labels.ExpectedBucketOwner ?? str(call.params.ExpectedBucketOwner);
  if (expected && owner && expected !== owner) {
    throw new Refused(`bucket ${bucket} is not owned by the expected account ${expected}`);
  }
  const context: ContextValues = owner ? { 's3:ResourceAccount': owner } : {};
  // A write's conditional headers, as S3 gives them to policies (absent when not sent).
  if (CONDITIONAL_WRITES.has(call.operation)) {
    if (call.labels.IfNoneMatch !== undefined)
      context['s3:if-none-match'] = call.labels.IfNoneMatch;
    if (call.labels.IfMatch !== undefined) context['s3:if-match'] = call.labels.IfMatch;
  }
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
