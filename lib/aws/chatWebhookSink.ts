import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpsRequest } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { isIP, type LookupFunction } from 'node:net';
import { Readable } from 'node:stream';
import type { Alert, AlertSink } from '../alerts/alert.js';
import { alertToChatMessage } from '../detection/alerts.js';
import { readBoundedText } from '../shared/boundedBody.js';
import { GatewardenError } from '../shared/errors.js';
import { isPublicAddress } from '../shared/publicAddress.js';
import { safeReason } from '../shared/redact.js';
import { clientConfig } from './clients.js';

/**
 * Where the chat webhook URL comes from; the URL itself is a credential and is never logged.
 * Undefined means "no chat channel configured".
 */
export interface WebhookUrlSource {
  url(): Promise<string | undefined>;
}

/** A secret's full ARN, with the six characters Secrets Manager appends to its name. */
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+-[A-Za-z0-9]{6}$/;

/**
 * Reads the webhook URL from a Secrets Manager secret (AWSCURRENT), either the plain URL or
 * JSON `{"url": "…"}`, and caches it for `ttlMs` so a warm Lambda does not read it per alert.
 *
 * Only the secret the stack created is read: it is named by its full ARN (the stack passes
 * `!Ref ChatWebhookSecret`), and the answer must come from that ARN. A name would let whoever
 * can create a secret of that name — before the stack, or after deleting the stack's — choose
 * where every finding goes; a name is refused. `{"url": ""}` (the stack's initial value) and a
 * missing secret mean "no chat channel".
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
    if (!SECRET_ARN.test(this.secretId)) {
      throw new ChatWebhookError(
        'chat webhook secret must be named by its full ARN (the stack output ChatWebhookSecretArn): a name could reach a secret the stack does not own',
      );
    }
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
    if (result.ARN !== this.secretId) {
      throw new ChatWebhookError(
        `chat webhook secret ${this.secretId} answered as another secret: refused`,
      );
    }
    if (isUnset(result.SecretString ?? '')) {
      this.cached = { url: undefined, until: this.now() + this.ttlMs };
      return undefined;
    }
    const url = parseWebhookSecret(result.SecretString ?? '');
    if (!url) {
      // Name the secret, never its content.
      throw new ChatWebhookError(`chat webhook secret ${this.secretId} holds no https URL`);
    }
    this.cached = { url, until: this.now() + this.ttlMs };
    return url;
  }
}

/** The stack's initial value (`{"url": ""}`) or an empty secret: no channel configured. */
function isUnset(value: string): boolean {
  const trimmed = value.trim();
  if (trimmed === '') return true;
  try {
    const parsed: unknown = JSON.parse(trimmed);
    return (
      typeof parsed === 'object' &&
      parsed !== null &&
      ((parsed as Record<string, unknown>).url ?? '') === '' &&
      ((parsed as Record<string, unknown>).webhookUrl ?? '') === ''
    );
  } catch {
    return false;
  }
}

/** Accepts a bare URL or `{"url": "…"}` / `{"webhookUrl": "…"}`; only https URLs. */
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
    return url.protocol === 'https:' && url.username === '' && url.password === ''
      ? url.toString()
      : undefined;
  } catch {
    return undefined;
  }
}

/** The chat channel refused or failed a delivery; never names the URL (it is a credential). */
export class ChatWebhookError extends GatewardenError {}

/** Resolves a host name to every address it has (tests map names to addresses they choose). */
export type ResolveHost = (hostname: string) => Promise<string[]>;

export interface ChatWebhookOptions {
  timeoutMs?: number;
  /** Name resolution; every address it returns is checked, whichever resolver it is. */
  resolve?: ResolveHost;
  /**
   * TEST ONLY — the one way past the address rule: addresses a test's own https server listens
   * on (127.0.0.1) and the CA of its self-signed certificate. A constructor argument and
   * nothing else: no environment variable, secret field or setting the deployed function reads
   * can set it, and `functions/detect.ts` never passes it (a unit test checks that no code
   * outside tests does).
   */
  testOnly?: { allowAddresses: readonly string[]; ca?: string };
}

const defaultResolve: ResolveHost = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);

/**
 * Posts alerts as Slack-style JSON to an incoming webhook. The URL comes from a secret, so it is
 * treated as untrusted: https only; the host is resolved once, every address it resolves to
 * must be public (no loopback — the Lambda runtime API —, private, link-local — the metadata
 * service —, CGNAT, unique-local, unspecified, multicast, or IPv4-mapped forms of those), and
 * the connection goes to a checked address (the lookup hands the socket the addresses it
 * checked, so no second resolution can swap them); redirects are refused, not followed; the
 * reply is read up to the shared cap.
 */
export class ChatWebhookSink implements AlertSink {
  readonly name = 'chat';
  private readonly timeoutMs: number;
  private readonly resolve: ResolveHost;
  private readonly allowed: (address: string) => boolean;

  constructor(
    private readonly source: WebhookUrlSource,
    private readonly options: ChatWebhookOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.resolve = options.resolve ?? defaultResolve;
    const exempt = new Set(options.testOnly?.allowAddresses ?? []);
    this.allowed = (address) => isPublicAddress(address) || exempt.has(address);
  }

  async publish(alert: Alert): Promise<void> {
    const raw = await this.source.url();
    if (raw === undefined) return;
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new ChatWebhookError('chat webhook URL is not a valid URL');
    }
    if (url.protocol !== 'https:') throw new ChatWebhookError('chat webhook URL must use https');
    const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
    // A literal address never goes through the lookup: checked here.
    if (isIP(hostname) !== 0 && !this.allowed(hostname)) throw refusedAddress();
    const body = JSON.stringify(alertToChatMessage(alert));
    const response = await this.post(url, hostname, body);
    const status = response.statusCode ?? 0;
    if (status >= 300 && status < 400) {
      response.destroy();
      throw new ChatWebhookError(`chat webhook answered a redirect (HTTP ${status}): not followed`);
    }
    try {
      await readBoundedText(
        new Response(Readable.toWeb(response) as ReadableStream<Uint8Array>, { status }),
        { host: url.host, ErrorType: ChatWebhookError },
      );
    } catch (error) {
      response.destroy();
      if (error instanceof ChatWebhookError) throw error;
      throw new ChatWebhookError(`chat webhook reply failed (${safeReason(error)})`);
    }
    if (status < 200 || status >= 300) {
      throw new ChatWebhookError(`chat webhook answered HTTP ${status}`);
    }
  }

  /** One POST over https to a checked address; resolves with the response head. */
  private post(url: URL, hostname: string, body: string): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const request = httpsRequest({
        hostname,
        port: url.port === '' ? 443 : Number(url.port),
        path: `${url.pathname}${url.search}`,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
        lookup: this.lookup,
        ...(isIP(hostname) === 0 ? { servername: hostname } : {}),
        ...(this.options.testOnly?.ca ? { ca: this.options.testOnly.ca } : {}),
        agent: false,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      request.once('response', resolve);
      request.once('error', (error: unknown) => {
        // Our refusal as it is; anything else without its text (it may quote the URL).
        if (error instanceof ChatWebhookError) return reject(error);
        const name = (error as { name?: unknown } | null)?.name;
        const timedOut = name === 'TimeoutError' || name === 'AbortError';
        reject(
          new ChatWebhookError(
            timedOut
              ? `chat webhook request timed out after ${this.timeoutMs} ms`
              : `chat webhook request failed (${safeReason(error)})`,
          ),
        );
      });
      request.end(body);
    });
  }

  /**
   * The socket's name resolution: one lookup, every address checked, and the checked addresses
   * are what the socket connects to — the check and the connection cannot disagree.
   */
  private readonly lookup = ((hostname, options, callback) => {
    this.resolve(hostname).then(
      (addresses) => {
        if (addresses.length === 0 || !addresses.every(this.allowed)) {
          return callback(refusedAddress(), '', 0);
        }
        const entries = addresses.map((address) => ({ address, family: isIP(address) }));
        const [first] = entries;
        if (options.all === true) return callback(null, entries);
        return callback(null, first?.address ?? '', first?.family ?? 0);
      },
      (error: unknown) =>
        callback(
          new ChatWebhookError(`chat webhook host could not be resolved (${safeReason(error)})`),
          '',
          0,
        ),
    );
  }) as LookupFunction;
}

function refusedAddress(): ChatWebhookError {
  return new ChatWebhookError(
    'chat webhook host is not a public address (loopback, private, link-local, metadata, CGNAT, unique-local, unspecified, multicast or reserved): refused',
  );
}
