/**
 * What an S3 request names, as S3 reads it: the bucket from the `Host` (virtual-hosted style,
 * the way moto reads it) or from the first path segment (path style), the operation from the
 * SDK's URI templates, and what only headers or the XML body say: a copy's source
 * (`x-amz-copy-source`: a PUT carrying it is a copy, whatever `x-id` claims), the expected
 * bucket owner, the objects of a multi-object delete.
 */
import type { AwsRequestInfo, RawRequest } from './awsRequest.js';
import { matchRestOperation, restOperationsFor } from './operations.js';

const one = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? value[0] : value;

/**
 * The bucket a virtual-hosted request names in its `Host`, or undefined for path style. The
 * same rules as moto's (moto/s3/responses.py `subdomain_based_buckets`, utils.py
 * `bucket_name_from_url`): local and IP hosts and the S3 service hosts are path style.
 */
export function virtualHostBucket(host: string | undefined): string | undefined {
  if (!host) return undefined;
  const name = host.replace(/:\d+$/, '');
  if (
    /^(localhost|localstack|host\.docker\.internal)/.test(host) ||
    /^[^.]+$/.test(host) ||
    /\.svc\.cluster\.local(:\d+)?$/.test(host) ||
    /^((25[0-5]|2[0-4]\d|[01]?\d\d?)(\.|$)){4}/.test(name) ||
    host.startsWith('[')
  ) {
    return undefined;
  }
  if (
    name === 's3.amazonaws.com' ||
    /^s3[.-]((dualstack|fips)[.-])?[^.]*\.amazonaws\.com/.test(name)
  ) {
    return undefined;
  }
  const domain = name.replace(/^www\./, '');
  if (domain.includes('amazonaws.com')) return /(.+)\.s3(.*)\.amazonaws\.com/.exec(domain)?.[1];
  return domain.split('.')[0] || undefined;
}

/** `Objects` of a DeleteObjects body (`<Object><Key>…</Key><VersionId>…</VersionId></Object>`). */
export function deleteObjectsOf(xml: string): Array<{ Key: string; VersionId?: string }> {
  const text = (value: string | undefined) =>
    value
      ?.replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&amp;/g, '&');
  const objects: Array<{ Key: string; VersionId?: string }> = [];
  for (const match of xml.matchAll(/<Object>([\s\S]*?)<\/Object>/g)) {
    const body = match[1] ?? '';
    const key = text(/<Key>([\s\S]*?)<\/Key>/.exec(body)?.[1]);
    const version = text(/<VersionId>([\s\S]*?)<\/VersionId>/.exec(body)?.[1]);
    if (key !== undefined) objects.push({ Key: key, ...(version ? { VersionId: version } : {}) });
  }
  return objects;
}

/** Fills `info` (operation, labels, params) for an S3 request. */
export function describeS3(request: RawRequest, info: AwsRequestInfo): void {
  const hostBucket = virtualHostBucket(one(request.headers.host));
  let bucket = hostBucket;
  let path = request.path;
  if (hostBucket) {
    info.hostBucket = hostBucket;
  } else {
    const match = /^\/([^/]+)(\/.*)?$/.exec(request.path);
    if (match?.[1]) {
      bucket = safeDecode(match[1]);
      path = match[2] ?? '/';
    }
  }
  const labels: Record<string, string> = bucket ? { Bucket: bucket } : {};
  const owner = one(request.headers['x-amz-expected-bucket-owner']);
  if (owner) labels.ExpectedBucketOwner = owner;
  const sse = one(request.headers['x-amz-server-side-encryption']);
  if (sse) labels.Sse = sse;
  const sseKey = one(request.headers['x-amz-server-side-encryption-aws-kms-key-id']);
  if (sseKey) labels.SseKmsKeyId = sseKey;
  // Conditional writes: a bucket policy may require them (`s3:if-none-match`, `s3:if-match`).
  const ifNoneMatch = one(request.headers['if-none-match']);
  if (ifNoneMatch) labels.IfNoneMatch = ifNoneMatch;
  const ifMatch = one(request.headers['if-match']);
  if (ifMatch) labels.IfMatch = ifMatch;
  const copySource = one(request.headers['x-amz-copy-source']);
  const match = matchRestOperation(restOperationsFor('s3'), request.method, path, request.query);
  if (match) {
    info.operation = match.name;
    info.labels = { ...labels, ...match.labels };
  }
  if (copySource !== undefined && request.method.toUpperCase() === 'PUT' && info.labels.Key) {
    // S3 copies whenever this header is there: the operation is a copy, whatever x-id says.
    info.operation =
      request.query.has('partNumber') && request.query.has('uploadId')
        ? 'UploadPartCopy'
        : 'CopyObject';
    info.labels.CopySource = safeDecode(copySource);
  }
  if (info.operation === 'DeleteObjects') {
    info.params = {
      ...info.params,
      Objects: deleteObjectsOf(request.body.toString('utf8')),
    };
  }
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
