import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { Issuer, IssuedCredential, IssuerCredentialInfo } from '../issuer.js';
import type { IssuerConfig, SecretDocument } from '../secretDocument.js';
import { checkedUrl } from '../urls.js';
import {
  type FetchLike,
  IssuerHttpError,
  parseAdminJson,
  type ReadSecret,
  vendorRequest,
} from './vendorHttp.js';

type WebhookConfig = Extract<IssuerConfig, { type: 'webhook' }>;

/**
 * The webhook issuer: the customer's own HTTPS endpoint (or Lambda function) mints and
 * revokes third-party API keys. gatewarden POSTs a JSON request and signs it:
 *
 *   x-gatewarden-timestamp: <unix seconds>
 *   x-gatewarden-signature: v1=<hex HMAC-SHA256(key, "<timestamp>.<body>")>
 *
 * Requests: `{"action":"mint","idempotencyKey","gatewayId","targetId"?,"providerName"?}` →
 * `{"credentialId","apiKey"}`; `{"action":"revoke","credentialId",…}` → any 2xx (404 = gone);
 * `{"action":"list",…}` → `{"credentials":[{"credentialId","createdAt"?,"idempotencyKey"?}]}`
 * (the key a credential was minted with lets gatewarden find ones a crashed run left). A mint retried
 * with the same idempotencyKey must return the same credential. Receivers verify with
 * {@link verifyWebhookSignature}. A Lambda receives `{"timestamp","signature","body"}`.
 */
export const WEBHOOK_VERSION = 'v1';
export const TIMESTAMP_HEADER = 'x-gatewarden-timestamp';
export const SIGNATURE_HEADER = 'x-gatewarden-signature';

/** Invokes a Lambda function synchronously; the port behind the Lambda variant. */
export type InvokeLambda = (
  functionArn: string,
  payload: string,
  timeoutMs: number,
) => Promise<{ payload: string; functionError?: string }>;

export interface WebhookDeps {
  fetch?: FetchLike;
  readSecret: ReadSecret;
  invokeLambda?: InvokeLambda;
  /** Unix seconds; injectable for tests. */
  now?: () => number;
}

const mintResponse = z.object({ credentialId: z.string().min(1), apiKey: z.string().min(1) });
const listResponse = z.object({
  credentials: z.array(
    z.object({
      credentialId: z.string().min(1),
      createdAt: z.string().optional(),
      idempotencyKey: z.string().optional(),
    }),
  ),
});

/** Signs `<timestamp>.<body>` with HMAC-SHA256. */
export function signWebhook(key: string, timestamp: number, body: string): string {
  return `${WEBHOOK_VERSION}=${createHmac('sha256', key).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * Verifies a signed request for receivers: the signature matches and the timestamp is within
 * `toleranceSeconds` of now (replay protection). Constant-time comparison.
 */
export function verifyWebhookSignature(
  key: string,
  timestamp: string | undefined,
  body: string,
  signature: string | undefined,
  options: { toleranceSeconds?: number; now?: number } = {},
): boolean {
  if (!timestamp || !signature || !/^\d+$/.test(timestamp)) return false;
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - Number(timestamp)) > (options.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(signWebhook(key, Number(timestamp), body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export class WebhookIssuer implements Issuer<WebhookConfig> {
  readonly type = 'webhook' as const;
  readonly supportsOverlap = true;
  private readonly fetch: FetchLike;

  constructor(private readonly deps: WebhookDeps) {
    this.fetch = deps.fetch ?? globalThis.fetch;
  }

  async mint(config: WebhookConfig, doc: SecretDocument, key: string): Promise<IssuedCredential> {
    const json = await this.call(config, doc, { action: 'mint', idempotencyKey: key });
    const parsed = mintResponse.safeParse(json);
    if (!parsed.success) {
      throw new IssuerHttpError('webhook mint response must be {"credentialId","apiKey"}', {
        context: { vendor: 'webhook', operation: 'mint' },
      });
    }
    return { credentialId: parsed.data.credentialId, apiKey: parsed.data.apiKey };
  }

  async revoke(config: WebhookConfig, doc: SecretDocument, credentialId: string): Promise<void> {
    await this.call(config, doc, { action: 'revoke', credentialId }, [404]);
  }

  async list(config: WebhookConfig, doc: SecretDocument): Promise<IssuerCredentialInfo[]> {
    const parsed = listResponse.safeParse(await this.call(config, doc, { action: 'list' }));
    if (!parsed.success) {
      throw new IssuerHttpError('webhook list response must be {"credentials":[…]}', {
        context: { vendor: 'webhook', operation: 'list' },
      });
    }
    return parsed.data.credentials.map((c) => ({
      credentialId: c.credentialId,
      ...(c.createdAt ? { createdAt: c.createdAt } : {}),
      ...(c.idempotencyKey ? { idempotencyKey: c.idempotencyKey } : {}),
    }));
  }

  private async call(
    config: WebhookConfig,
    doc: SecretDocument,
    request: Record<string, string>,
    okStatuses?: number[],
  ): Promise<unknown> {
    const body = JSON.stringify({
      ...request,
      gatewayId: doc.gatewayId,
      ...(doc.targetId ? { targetId: doc.targetId } : {}),
      ...(doc.provider ? { providerName: doc.provider.name } : {}),
    });
    const timestamp = this.deps.now?.() ?? Math.floor(Date.now() / 1000);
    const signature = signWebhook(await this.hmacKey(config.hmacSecretArn), timestamp, body);
    const operation = request.action ?? 'call';
    if (config.url) {
      checkedUrl(config.url, 'webhook URL', IssuerHttpError);
      const { json } = await vendorRequest(this.fetch, {
        vendor: 'webhook',
        operation,
        method: 'POST',
        url: config.url,
        headers: {
          'content-type': 'application/json',
          [TIMESTAMP_HEADER]: String(timestamp),
          [SIGNATURE_HEADER]: signature,
          ...(request.idempotencyKey ? { 'idempotency-key': request.idempotencyKey } : {}),
        },
        body,
        timeoutMs: config.timeoutMs,
        ...(okStatuses ? { okStatuses } : {}),
      });
      return json;
    }
    if (config.lambdaArn) return this.invoke(config, operation, { timestamp, signature, body });
    throw new IssuerHttpError('a webhook issuer needs url or lambdaArn', {
      context: { vendor: 'webhook' },
    });
  }

  private async invoke(
    config: WebhookConfig,
    operation: string,
    event: { timestamp: number; signature: string; body: string },
  ): Promise<unknown> {
    const arn = config.lambdaArn as string;
    if (!this.deps.invokeLambda) {
      throw new IssuerHttpError('no Lambda invoker configured for the webhook issuer', {
        context: { vendor: 'webhook', operation },
      });
    }
    const result = await this.deps.invokeLambda(arn, JSON.stringify(event), config.timeoutMs);
    if (result.functionError) {
      // The function's error payload may echo input; report only the error kind.
      throw new IssuerHttpError(`webhook Lambda ${operation} failed (${result.functionError})`, {
        context: { vendor: 'webhook', operation, functionArn: arn },
      });
    }
    try {
      return result.payload ? (JSON.parse(result.payload) as unknown) : undefined;
    } catch {
      throw new IssuerHttpError(`webhook Lambda ${operation} returned no JSON`, {
        context: { vendor: 'webhook', operation, functionArn: arn },
      });
    }
  }

  /** The HMAC key: the secret's string, or JSON `{"hmacSecret": "…"}`. */
  private async hmacKey(secretId: string): Promise<string> {
    const raw = (await this.deps.readSecret(secretId)).trim();
    if (raw.startsWith('{')) {
      const key = parseAdminJson(raw, 'webhook', secretId).hmacSecret;
      if (typeof key !== 'string' || key.length < 16) {
        throw new IssuerHttpError(`webhook HMAC secret ${secretId} needs hmacSecret (≥ 16 chars)`, {
          context: { vendor: 'webhook', secretId },
        });
      }
      return key;
    }
    if (raw.length < 16) {
      throw new IssuerHttpError(`webhook HMAC secret ${secretId} is shorter than 16 characters`, {
        context: { vendor: 'webhook', secretId },
      });
    }
    return raw;
  }
}
