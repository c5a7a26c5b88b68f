import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { Alert, AlertSink } from '../alerts/alert.js';
import { alertToChatMessage } from '../detection/alerts.js';
import { safeReason } from '../shared/redact.js';
import { clientConfig } from './clients.js';

/**
 * Where the chat webhook URL comes from; the URL itself is a credential and is never logged.
 * Undefined means "no chat channel configured".
 */
export interface WebhookUrlSource {
  url(): Promise<string | undefined>;
}

/**
 * Reads the webhook URL from a Secrets Manager secret (AWSCURRENT), either the plain URL or
 * JSON `{"url": "…"}`, and caches it for `ttlMs` so a warm Lambda does not read it per alert.
 */
export class SecretsManagerWebhookUrl implements WebhookUrlSource {
  private cached: { url: string | undefined; until: number } | undefined;

  constructor(
    private readonly secretId: string,
    private readonly secrets: SecretsManagerClient = new SecretsManagerClient(clientConfig()),
    private readonly ttlMs = 5 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  async url(): Promise<string | undefined> {
    if (this.cached && this.cached.until > this.now()) return this.cached.url;
    let result;
    try {
      result = await this.secrets.send(
        new GetSecretValueCommand({ SecretId: this.secretId, VersionStage: 'AWSCURRENT' }),
      );
    } catch (error) {
      if (error instanceof ResourceNotFoundException) {
        // The channel is optional: no secret, no chat.
        this.cached = { url: undefined, until: this.now() + this.ttlMs };
        return undefined;
      }
      throw error;
    }
    const url = parseWebhookSecret(result.SecretString ?? '');
    if (!url) {
      // Name the secret, never its content.
      throw new Error(`chat webhook secret ${this.secretId} holds no https URL`);
    }
    this.cached = { url, until: this.now() + this.ttlMs };
    return url;
  }
}

/** Accepts a bare URL or `{"url": "…"}` / `{"webhookUrl": "…"}`; only http(s) URLs. */
export function parseWebhookSecret(value: string): string | undefined {
  const trimmed = value.trim();
  let candidate: unknown = trimmed;
  if (trimmed.startsWith('{')) {
    try {
      const parsed = JSON.parse(trimmed) as Record<string, unknown>;
      candidate = parsed.url ?? parsed.webhookUrl;
    } catch {
      return undefined;
    }
  }
  if (typeof candidate !== 'string') return undefined;
  try {
    const url = new URL(candidate);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.toString() : undefined;
  } catch {
    return undefined;
  }
}

/** Posts alerts as Slack-style JSON to an incoming webhook. */
export class ChatWebhookSink implements AlertSink {
  readonly name = 'chat';

  constructor(
    private readonly source: WebhookUrlSource,
    private readonly post: typeof fetch = fetch,
    private readonly timeoutMs = 5_000,
  ) {}

  async publish(alert: Alert): Promise<void> {
    const url = await this.source.url();
    if (url === undefined) return;
    let response: Response;
    try {
      response = await this.post(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(alertToChatMessage(alert)),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      // The URL is a credential: report the failure without it (and without the cause's text,
      // which fetch fills with the URL) — the error's class and system code only.
      throw new Error(`chat webhook request failed (${safeReason(error)})`);
    }
    if (!response.ok) {
      throw new Error(`chat webhook answered HTTP ${response.status}`);
    }
  }
}
