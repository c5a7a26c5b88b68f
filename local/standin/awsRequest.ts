/**
 * What an incoming AWS API request is: service (SigV4 signing name), region, access key,
 * operation and parameters. Pure: used by the front for routing and by the CloudTrail recorder.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { matchRestOperation, restOperationsFor } from './operations.js';
import { describeS3 } from './s3Request.js';

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
  /**
   * Why the request has no single reading (two credential scopes, an account header moto
   * honours…): the gate refuses it outright, as AWS refuses a malformed signature.
   */
  malformed?: string;
  /** S3 virtual-hosted style: the bucket the `Host` names (the front sends moto path style). */
  hostBucket?: string;
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

/** A SigV4 Authorization header with nothing before, between or after its three parts. */
const SIGV4_HEADER =
  /^AWS4-HMAC-SHA256 Credential=([^/\s,]+)\/\d{8}\/[a-z0-9-]+\/[a-z0-9-]+\/aws4_request, ?SignedHeaders=[a-z0-9;-]+, ?Signature=[0-9a-f]+$/;

/** An RFC 6750 bearer token (`b64token`), the only other Authorization a gateway host takes. */
const BEARER_HEADER = /^Bearer [A-Za-z0-9\-._~+/]+=*$/;

/** How moto reads the access key of a header (moto/core/responses.py `access_key_regex`). */
const MOTO_ACCESS_KEY = /AWS.*(?<![A-Z0-9])([A-Z0-9]{20})(?![A-Z0-9])[:/]/;

/**
 * Why a request could be read two ways, the front's and moto's (moto takes the service from
 * the header's second word, the access key from the last 20-character word before a `/`, the
 * account from `x-moto-account-id`): undefined when it has one reading.
 */
export function ambiguity(
  headers: IncomingHttpHeaders,
  query: URLSearchParams,
): string | undefined {
  if (headers['x-moto-account-id'] !== undefined) {
    return 'x-moto-account-id is no AWS header (moto would act in the account it names)';
  }
  if (headers['x-gatewarden-event-origin'] !== undefined) {
    return 'x-gatewarden-event-origin is no AWS header (moto would write the account it names into events)';
  }
  if (query.has('AWSAccessKeyId')) return 'signature version 2 (AWSAccessKeyId) is not accepted';
  const auth = headers.authorization;
  if (auth === undefined) return undefined;
  if (typeof auth !== 'string' || query.has('X-Amz-Credential')) {
    return 'the request carries more than one Authorization';
  }
  // A CUSTOM_JWT gateway's MCP endpoint takes a bearer JWT, which names no AWS service or key:
  // the gateway stand-in verifies it (./gatewayData.ts), and nothing of it reaches moto.
  if (BEARER_HEADER.test(auth) && GATEWAY_ENDPOINT.test(hostOf(headers))) return undefined;
  const strict = SIGV4_HEADER.exec(auth);
  if (!strict) {
    return 'the Authorization header is not one SigV4 credential scope, signed headers and signature';
  }
  const key = strict[1] ?? '';
  const motoKey = MOTO_ACCESS_KEY.exec(auth)?.[1];
  if (motoKey !== undefined ? motoKey !== key : /^[A-Z0-9]{20}$/.test(key)) {
    return 'the Authorization header names a second access key';
  }
  return undefined;
}

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
  const malformed = ambiguity(request.headers, request.query);
  const info: AwsRequestInfo = {
    region: scope?.region ?? DEFAULT_REGION,
    labels: {},
    params,
    ...(service ? { service } : {}),
    ...(scope ? { accessKeyId: scope.accessKeyId } : {}),
    ...(target ? { target } : {}),
    ...(malformed ? { malformed } : {}),
  };
  if (target) {
    info.operation = target.split('.').pop();
  } else if (typeof params.Action === 'string' && !isJson(request)) {
    // Query protocols only (form body or URL): a JSON body's `Action` is a member (Lambda's
    // AddPermission names the permission granted there), not the operation.
    info.operation = params.Action;
  } else if (service === 's3') {
    describeS3(request, info);
  } else if (service === 'bedrock-agentcore' && GATEWAY_ENDPOINT.test(hostOf(request.headers))) {
    // A gateway's MCP endpoint (its own host): every JSON-RPC call is InvokeGateway on it.
    info.operation = 'InvokeGateway';
    info.labels = { gatewayIdentifier: hostOf(request.headers).split('.')[0] ?? '' };
  } else if (service) {
    const match = matchRestOperation(
      restOperationsFor(service),
      request.method,
      request.path,
      request.query,
    );
    if (match) {
      info.operation = match.name;
      info.labels = match.labels;
    }
  }
  return info;
}

/** `<gateway id>.gateway.bedrock-agentcore.<region>.amazonaws.com`, a gateway's MCP endpoint. */
export const GATEWAY_ENDPOINT =
  /^[a-z0-9-]+\.gateway\.bedrock-agentcore\.[a-z0-9-]+\.amazonaws\.com$/;

export const hostOf = (headers: IncomingHttpHeaders): string =>
  (header(headers, 'host') ?? '').replace(/:\d+$/, '').toLowerCase();

function isJson(request: RawRequest): boolean {
  return (header(request.headers, 'content-type') ?? '').includes('json');
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
