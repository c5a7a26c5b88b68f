/**
 * What an incoming AWS API request is: service (SigV4 signing name), region, access key,
 * operation and parameters. Pure: used by the front for routing and by the CloudTrail recorder.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { matchRestOperation, restOperationsFor } from './operations.js';

export interface AwsRequestInfo {
  /** SigV4 signing name, e.g. `secretsmanager`, `bedrock-agentcore`, `events`. */
  service?: string;
  region: string;
  accessKeyId?: string;
  /** `X-Amz-Target`, for JSON protocols. */
  target?: string;
  /** Operation name as CloudTrail would log it, e.g. `CreateSecret`. */
  operation?: string;
  /** Path labels of REST operations, e.g. `{ gatewayIdentifier: 'abc' }`. */
  labels: Record<string, string>;
  /** Parsed request parameters (JSON body, form body, or query string). Never logged whole. */
  params: Record<string, unknown>;
}

export interface RawRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export const DEFAULT_REGION = 'us-east-1';

/** Services that sign nothing on some calls, recognised by their target prefix. */
const UNSIGNED_TARGETS: Record<string, string> = {
  AWSCognitoIdentityProviderService: 'cognito-idp',
  AWSCognitoIdentityService: 'cognito-identity',
};

/** Parses `Credential=AKID/date/region/service/aws4_request` from a header or presigned query. */
export function credentialScope(
  headers: IncomingHttpHeaders,
  query: URLSearchParams,
): { accessKeyId: string; region: string; service: string } | undefined {
  const auth = header(headers, 'authorization');
  const credential = auth ? /Credential=([^,\s]+)/.exec(auth)?.[1] : query.get('X-Amz-Credential');
  if (!credential) return undefined;
  const [accessKeyId, , region, service] = credential.split('/');
  if (!accessKeyId || !region || !service) return undefined;
  return { accessKeyId, region, service };
}

export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** Describes a raw request; never throws (unparseable bodies just yield no params). */
export function describeAwsRequest(request: RawRequest): AwsRequestInfo {
  const scope = credentialScope(request.headers, request.query);
  const target = header(request.headers, 'x-amz-target');
  const service =
    scope?.service ?? (target ? UNSIGNED_TARGETS[target.split('.')[0] ?? ''] : undefined);
  const params = parseParams(request);
  const info: AwsRequestInfo = {
    region: scope?.region ?? DEFAULT_REGION,
    labels: {},
    params,
    ...(service ? { service } : {}),
    ...(scope ? { accessKeyId: scope.accessKeyId } : {}),
    ...(target ? { target } : {}),
  };
  if (target) {
    info.operation = target.split('.').pop();
  } else if (typeof params.Action === 'string') {
    info.operation = params.Action;
  } else if (service) {
    const { path, bucket } = splitS3Path(service, request.path);
    const match = matchRestOperation(
      restOperationsFor(service),
      request.method,
      path,
      request.query,
    );
    if (match) {
      info.operation = match.name;
      info.labels = bucket ? { Bucket: bucket, ...match.labels } : match.labels;
    }
  }
  return info;
}

/** Path-style S3: the first path segment is the bucket, the rest matches the SDK templates. */
function splitS3Path(service: string, path: string): { path: string; bucket?: string } {
  if (service !== 's3') return { path };
  const match = /^\/([^/]+)(\/.*)?$/.exec(path);
  if (!match?.[1]) return { path };
  return { bucket: decodeURIComponent(match[1]), path: match[2] ?? '/' };
}

function parseParams(request: RawRequest): Record<string, unknown> {
  const type = header(request.headers, 'content-type') ?? '';
  const text =
    request.body.length > 0 && request.body.length < 1_000_000 ? request.body.toString('utf8') : '';
  if (text && type.includes('json')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
        return parsed as Record<string, unknown>;
      }
    } catch {
      return {};
    }
    return {};
  }
  const params: Record<string, unknown> = {};
  const form =
    text && type.includes('x-www-form-urlencoded') ? new URLSearchParams(text) : undefined;
  for (const source of [request.query, form]) {
    source?.forEach((value, key) => {
      params[key] = value;
    });
  }
  return params;
}
