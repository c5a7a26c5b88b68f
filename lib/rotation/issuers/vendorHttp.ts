import { readBoundedText } from '../../shared/boundedBody.js';
import { repeatsAny, safeReason } from '../../shared/redact.js';
import { IssuerError } from '../errors.js';

/**
 * What the vendor issuers (webhook, Okta, Entra, Auth0) share: a fetch seam (tests and the
 * benchmark wrap it), a way to read admin credentials by secret ARN, and error mapping that
 * never copies a response body into a message. The HTTPS rule is `checkedUrl` (../urls.ts).
 */

/** The fetch the issuers use; injectable so tests point it at local servers and time it. */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/** Reads the SecretString of an admin-credential secret (ARN or name). */
export type ReadSecret = (secretId: string) => Promise<string>;

export interface VendorDeps {
  fetch?: FetchLike;
  readSecret: ReadSecret;
  /** Per-request timeout; the webhook config carries its own. */
  timeoutMs?: number;
}

/** An issuer call failed; `context` has vendor, operation, HTTP status and vendor error code. */
export class IssuerHttpError extends IssuerError {
  /**
   * HTTP-style status in the shape the engine's `isTransient` reads: the vendor's status, 504
   * for a timeout, 503 when the endpoint could not be reached.
   */
  get $metadata(): { httpStatusCode?: number } {
    if (this.status !== undefined) return { httpStatusCode: this.status };
    if (this.context.timeout === true) return { httpStatusCode: 504 };
    if (this.context.unreachable === true) return { httpStatusCode: 503 };
    return {};
  }

  get status(): number | undefined {
    const status = this.context.status;
    return typeof status === 'number' ? status : undefined;
  }
  /** Worth retrying: throttled, a 5xx or a timeout/network failure. */
  get retryable(): boolean {
    const status = this.$metadata.httpStatusCode;
    return status !== undefined && (status === 429 || status >= 500);
  }
}

/** Joins a base URL and a path without doubling or dropping slashes. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

/**
 * The error code of an error body — Okta/Auth0 `errorCode`, Graph `error.code`, OAuth `error`,
 * or `code` — when it looks like an identifier; anything else (a sentence, a quoted value) is
 * dropped. Shared by every issuer and the verifier: only this part of a body is ever reported.
 * `sent` is what the request carried (credentials, headers, body): a code that repeats any of
 * it — a secret fits the identifier pattern — is dropped, so a reply cannot put the credential
 * into an alert, the failure tag or the CLI.
 */
export function errorCodeOf(body: unknown, sent: readonly string[] = []): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const record = body as Record<string, unknown>;
  const nested = record.error;
  const candidates = [
    record.errorCode, // Okta, Auth0
    typeof nested === 'object' && nested ? (nested as Record<string, unknown>).code : undefined, // Graph
    typeof nested === 'string' ? nested : undefined, // OAuth token endpoints
    record.code,
  ];
  return candidates.find(
    (c): c is string => typeof c === 'string' && ERROR_CODE.test(c) && !repeatsAny(c, sent),
  );
}

const ERROR_CODE = /^[A-Za-z0-9][\w.:-]{0,63}$/;

export interface VendorRequest {
  vendor: string;
  operation: string;
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
  /** Statuses that are not errors for this call (e.g. 404 on revoke). */
  okStatuses?: number[];
}

/** Sends one request and returns status and parsed JSON (undefined for empty bodies). */
export async function vendorRequest(
  fetchImpl: FetchLike,
  request: VendorRequest,
): Promise<{ status: number; json: unknown }> {
  const context = { vendor: request.vendor, operation: request.operation };
  let response: Response;
  try {
    response = await fetchImpl(request.url, {
      method: request.method ?? 'GET',
      headers: { accept: 'application/json', ...request.headers },
      ...(request.body === undefined ? {} : { body: request.body }),
      signal: AbortSignal.timeout(request.timeoutMs),
      // The admin token must never follow a redirect to a host nobody pinned.
      redirect: 'manual',
    });
  } catch (error) {
    // Checked by name: the DOMException may come from another realm (fetch's), not ours.
    const name = (error as { name?: unknown } | null)?.name;
    const timedOut = name === 'TimeoutError' || name === 'AbortError';
    // A network error's message (and its cause's) can name a URL with credentials: only its
    // class and system code are kept, and the error itself is not kept as a cause.
    throw new IssuerHttpError(
      `${request.vendor} ${request.operation} ${timedOut ? `timed out after ${request.timeoutMs} ms` : `could not connect (${safeReason(error)})`}`,
      { context: { ...context, timeout: timedOut, unreachable: !timedOut } },
    );
  }
  if (response.status >= 300 && response.status < 400) {
    await response.body?.cancel();
    const host = new URL(request.url).host;
    throw new IssuerHttpError(
      `${request.vendor} ${request.operation} answered a redirect (HTTP ${response.status} from ${host}): not followed`,
      { context: { ...context, status: response.status, host } },
    );
  }
  const text = await readBoundedText(response, {
    host: new URL(request.url).host,
    ErrorType: IssuerHttpError,
  });
  let json: unknown;
  if (text.length > 0) {
    try {
      json = JSON.parse(text);
    } catch {
      // The parser's message quotes the body: dropped, the body is treated as absent.
      json = undefined;
    }
  }
  if (!response.ok && !(request.okStatuses ?? []).includes(response.status)) {
    const code = errorCodeOf(json, [
      ...Object.values(request.headers ?? {}),
      ...(request.body === undefined ? [] : [request.body]),
    ]);
    throw new IssuerHttpError(
      `${request.vendor} ${request.operation} failed: HTTP ${response.status}${code ? ` (${code})` : ''}`,
      { context: { ...context, status: response.status, code } },
    );
  }
  return { status: response.status, json };
}

/**
 * Parses an admin secret's JSON. Node's SyntaxError quotes the text it choked on — the admin
 * token itself — so it is never kept, not even as a cause: the error names the secret only.
 */
export function parseAdminJson(
  raw: string,
  vendor: string,
  secretId: string,
): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new IssuerHttpError(`${vendor} admin secret ${secretId} is not valid JSON`, {
      context: { vendor, secretId },
    });
  }
  return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
}

/** Parses an admin-credential secret that must be JSON with the given string fields. */
export async function readJsonSecret<K extends string>(
  readSecret: ReadSecret,
  secretId: string,
  fields: readonly K[],
  vendor: string,
): Promise<Record<K, string>> {
  const record = parseAdminJson(await readSecret(secretId), vendor, secretId);
  const missing = fields.filter((field) => typeof record[field] !== 'string' || !record[field]);
  if (missing.length > 0) {
    throw new IssuerHttpError(
      `${vendor} admin secret ${secretId} lacks ${missing.join(', ')} (expected JSON fields ${fields.join(', ')})`,
      { context: { vendor, secretId } },
    );
  }
  return record as Record<K, string>;
}

/** OAuth2 client-credentials token for an admin API (Entra Graph, Auth0 Management). */
export async function clientCredentialsToken(
  fetchImpl: FetchLike,
  options: {
    vendor: string;
    tokenUrl: string;
    clientId: string;
    clientSecret: string;
    timeoutMs: number;
    form?: Record<string, string>;
    json?: boolean;
  },
): Promise<string> {
  const params = {
    grant_type: 'client_credentials',
    client_id: options.clientId,
    client_secret: options.clientSecret,
    ...options.form,
  };
  const { json } = await vendorRequest(fetchImpl, {
    vendor: options.vendor,
    operation: 'admin token',
    url: options.tokenUrl,
    method: 'POST',
    headers: {
      'content-type': options.json ? 'application/json' : 'application/x-www-form-urlencoded',
    },
    body: options.json ? JSON.stringify(params) : new URLSearchParams(params).toString(),
    timeoutMs: options.timeoutMs,
  });
  const token = (json as { access_token?: unknown } | undefined)?.access_token;
  if (typeof token !== 'string' || !token) {
    throw new IssuerHttpError(`${options.vendor} admin token response has no access_token`, {
      context: { vendor: options.vendor },
    });
  }
  return token;
}

/**
 * Client-credentials token for a vendor admin API whose credentials sit in a JSON secret
 * `{"clientId": "…", "clientSecret": "…"}` (Entra Graph, Auth0 Management).
 */
export async function adminClientCredentialsToken(
  deps: { fetch: FetchLike; readSecret: ReadSecret },
  adminSecretId: string,
  options: Omit<Parameters<typeof clientCredentialsToken>[1], 'clientId' | 'clientSecret'>,
): Promise<string> {
  const admin = await readJsonSecret(
    deps.readSecret,
    adminSecretId,
    ['clientId', 'clientSecret'] as const,
    options.vendor,
  );
  return clientCredentialsToken(deps.fetch, {
    ...options,
    clientId: admin.clientId,
    clientSecret: admin.clientSecret,
  });
}

/** Returns the field or throws a clear error naming the field (never its value). */
export function requireString(
  value: unknown,
  field: string,
  vendor: string,
  operation: string,
): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new IssuerHttpError(`${vendor} ${operation} response lacks ${field}`, {
      context: { vendor, operation, field },
    });
  }
  return value;
}
