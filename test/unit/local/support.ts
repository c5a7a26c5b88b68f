import type { FrontRequest } from '../../../local/standin/context.js';
import { describeAwsRequest } from '../../../local/standin/awsRequest.js';

/** A signed request as an SDK would send it, described like the front does. */
export function signedRequest(options: {
  service: string;
  method?: string;
  path?: string;
  query?: string;
  target?: string;
  body?: unknown;
  contentType?: string;
  accessKeyId?: string;
  region?: string;
}): FrontRequest {
  const region = options.region ?? 'us-east-1';
  const headers: Record<string, string> = {
    authorization: `AWS4-HMAC-SHA256 Credential=${options.accessKeyId ?? 'AKIDEXAMPLE'}/20261128/${region}/${options.service}/aws4_request, SignedHeaders=host, Signature=abc`,
  };
  if (options.target) headers['x-amz-target'] = options.target;
  let body = Buffer.alloc(0);
  if (typeof options.body === 'string') {
    body = Buffer.from(options.body);
    headers['content-type'] =
      options.contentType ?? 'application/x-www-form-urlencoded; charset=utf-8';
  } else if (options.body !== undefined) {
    body = Buffer.from(JSON.stringify(options.body));
    headers['content-type'] = options.contentType ?? 'application/json';
  }
  const raw = {
    method: options.method ?? 'POST',
    path: options.path ?? '/',
    query: new URLSearchParams(options.query ?? ''),
    headers,
    body,
  };
  return {
    ...raw,
    aws: describeAwsRequest(raw),
    sourceIp: '127.0.0.1',
    userAgent: 'aws-sdk-js/3 test',
    receivedAt: new Date('2026-11-28T10:00:00.400Z'),
  };
}
