import { randomUUID } from 'node:crypto';
import {
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  verifyWebhookSignature,
} from '../../../lib/rotation/issuers/webhook.js';
import { mintValue, type VendorReply, type VendorRequestInfo, VendorServer } from './server.js';

/**
 * A customer's webhook endpoint as gatewarden's webhook issuer expects it: verifies the HMAC
 * signature and timestamp, mints API keys idempotently per idempotencyKey, revokes and lists.
 * `keys` is the third-party API's view: which keys are live.
 */
export class WebhookStub {
  readonly keys = new Map<string, { apiKey: string; createdAt: string; idempotencyKey: string }>();
  readonly server: VendorServer;
  rejectedSignatures = 0;

  constructor(readonly hmacKey: string) {
    this.server = new VendorServer((request) => this.route(request));
  }

  /** Handles an already-verified request body (shared with the Lambda-variant test). */
  handle(body: string): VendorReply {
    const request = JSON.parse(body) as {
      action?: string;
      idempotencyKey?: string;
      credentialId?: string;
    };
    if (request.action === 'mint') {
      const existing = [...this.keys.entries()].find(
        ([, k]) => k.idempotencyKey === request.idempotencyKey,
      );
      if (existing)
        return { status: 200, json: { credentialId: existing[0], apiKey: existing[1].apiKey } };
      const credentialId = `key-${randomUUID()}`;
      const apiKey = mintValue('webhook-minted-');
      this.keys.set(credentialId, {
        apiKey,
        createdAt: new Date().toISOString(),
        idempotencyKey: request.idempotencyKey ?? '',
      });
      return { status: 201, json: { credentialId, apiKey } };
    }
    if (request.action === 'revoke') {
      return this.keys.delete(request.credentialId ?? '')
        ? { status: 204 }
        : { status: 404, json: { code: 'not_found' } };
    }
    if (request.action === 'list') {
      return {
        status: 200,
        json: {
          credentials: [...this.keys.entries()].map(([credentialId, k]) => ({
            credentialId,
            createdAt: k.createdAt,
          })),
        },
      };
    }
    return { status: 400, json: { code: 'unknown_action' } };
  }

  private route(request: VendorRequestInfo): VendorReply {
    const timestamp = request.headers[TIMESTAMP_HEADER];
    const signature = request.headers[SIGNATURE_HEADER];
    if (
      request.method !== 'POST' ||
      !verifyWebhookSignature(
        this.hmacKey,
        typeof timestamp === 'string' ? timestamp : undefined,
        request.body,
        typeof signature === 'string' ? signature : undefined,
      )
    ) {
      this.rejectedSignatures += 1;
      return { status: 401, json: { code: 'bad_signature' } };
    }
    return this.handle(request.body);
  }
}
