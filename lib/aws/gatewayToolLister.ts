/**
 * `initialize` and `tools/list` (every page) on a gateway's MCP endpoint, signed with SigV4 for
 * the `bedrock-agentcore` service as AWS documents for `AWS_IAM` gateways (the caller needs
 * `bedrock-agentcore:InvokeGateway` on the gateway); `CUSTOM_JWT` gateways with a bearer token
 * from a {@link BearerTokenSource} when one is given (the CLI's `--listing-client`), else not at
 * all. The URL is GetGateway's `gatewayUrl`,
 * checked to be the gateway's own AgentCore host before anything is signed; with an endpoint
 * override (`AWS_ENDPOINT_URL`, as every SDK client here honours it) the request goes there
 * with the gateway's host, as the SDK sends any service's request to an override.
 *
 * The answer is untrusted: each response is capped in bytes and time, pages in number, and
 * errors name an HTTP status or a JSON-RPC code, never the server's text.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { SignatureV4 } from '@smithy/signature-v4';
import type {
  AwsCredentialIdentityProvider,
  ChecksumConstructor,
  HashConstructor,
} from '@smithy/types';
import { ToolsError } from '../tools/errors.js';
import {
  checkGatewayUrl,
  MAX_LISTED_TOOLS,
  type BearerTokenSource,
  type GatewayEndpoint,
  type GatewayToolLister,
} from '../tools/gatewayListing.js';

export interface McpListerOptions {
  credentials: AwsCredentialIdentityProvider;
  sha256: ChecksumConstructor | HashConstructor;
  /** Where requests go instead of the gateway host (the local stack's front); default the env's. */
  endpointOverride?: string;
  /** Where a CUSTOM_JWT gateway's bearer token comes from; without it such gateways are refused. */
  bearer?: BearerTokenSource;
  timeoutMs?: number;
  maxPages?: number;
  /** Largest response body read, in bytes. */
  maxBytes?: number;
}

export const MCP_PROTOCOL_VERSION = '2025-06-18';
const DEFAULTS = { timeoutMs: 10_000, maxPages: 20, maxBytes: 2_000_000 };

interface Reply {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

export class McpGatewayToolLister implements GatewayToolLister {
  private readonly options: McpListerOptions & typeof DEFAULTS;

  constructor(options: McpListerOptions) {
    this.options = {
      ...DEFAULTS,
      ...(process.env.AWS_ENDPOINT_URL ? { endpointOverride: process.env.AWS_ENDPOINT_URL } : {}),
      ...options,
    };
  }

  async listTools(gateway: GatewayEndpoint): Promise<unknown[]> {
    const bearer = gateway.authorizerType === 'CUSTOM_JWT' ? this.options.bearer : undefined;
    if (gateway.authorizerType !== 'AWS_IAM' && bearer === undefined)
      throw new ToolsError(
        `authorizer ${gateway.authorizerType ?? 'unknown'}: the live listing signs with SigV4 for AWS_IAM gateways, and reads CUSTOM_JWT gateways only with a registered inbound client (gatewarden tools --listing-client)`,
      );
    // The host is checked before any token is asked for: nothing is sent anywhere else.
    const url = checkGatewayUrl(gateway);
    const token = bearer === undefined ? undefined : await bearer.token(gateway);
    const region =
      /^arn:[\w-]+:bedrock-agentcore:([a-z0-9-]+):/.exec(gateway.gatewayArn)?.[1] ?? '';
    const signer = new SignatureV4({
      service: 'bedrock-agentcore',
      region,
      credentials: this.options.credentials,
      sha256: this.options.sha256,
    });
    let session: string | undefined;
    let nextId = 1;
    const call = async (method: string, params: Record<string, unknown>, notify = false) => {
      const id = nextId++;
      const body = JSON.stringify({ jsonrpc: '2.0', ...(notify ? {} : { id }), method, params });
      const headers: Record<string, string> = {
        host: url.host,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...(method === 'initialize' ? {} : { 'mcp-protocol-version': MCP_PROTOCOL_VERSION }),
        ...(session !== undefined ? { 'mcp-session-id': session } : {}),
      };
      const sent =
        token !== undefined
          ? { ...headers, authorization: `Bearer ${token}` }
          : (
              await signer.sign({
                method: 'POST',
                protocol: 'https:',
                hostname: url.hostname,
                path: url.pathname,
                query: {},
                headers,
                body,
              })
            ).headers;
      const reply = await this.send(url, sent, body);
      if (notify) return undefined;
      if (reply.status !== 200) throw new ToolsError(`${method}: HTTP ${reply.status}`);
      const sessionHeader = reply.headers['mcp-session-id'];
      if (typeof sessionHeader === 'string' && /^[\x21-\x7e]{1,200}$/.test(sessionHeader))
        session = sessionHeader;
      return rpcResult(method, id, reply);
    };
    await call('initialize', {
      protocolVersion: MCP_PROTOCOL_VERSION,
      capabilities: {},
      clientInfo: { name: 'gatewarden', version: '1' },
    });
    await call('notifications/initialized', {}, true);
    const tools: unknown[] = [];
    const seen = new Set<string>();
    let cursor: string | undefined;
    for (let page = 0; ; page++) {
      if (page >= this.options.maxPages)
        throw new ToolsError(`tools/list: more than ${this.options.maxPages} pages`);
      const result = await call('tools/list', cursor === undefined ? {} : { cursor });
      const list = result?.tools;
      if (!Array.isArray(list)) throw new ToolsError('tools/list: the answer has no tools list');
      tools.push(...list.slice(0, MAX_LISTED_TOOLS + 1 - tools.length));
      const next = result?.nextCursor;
      if (next === undefined || next === null || tools.length > MAX_LISTED_TOOLS) return tools;
      if (typeof next !== 'string' || next.length > 1_000 || seen.has(next))
        throw new ToolsError('tools/list: a cursor that is not a new text');
      seen.add(next);
      cursor = next;
    }
  }

  /** One POST, the body capped and the whole exchange timed. */
  private send(url: URL, headers: Record<string, string>, body: string): Promise<Reply> {
    const target = this.options.endpointOverride ? new URL(this.options.endpointOverride) : url;
    const request = target.protocol === 'http:' ? httpRequest : httpsRequest;
    const { maxBytes, timeoutMs } = this.options;
    return new Promise<Reply>((resolve, reject) => {
      const req = request(
        {
          hostname: target.hostname,
          port: target.port || undefined,
          method: 'POST',
          path: url.pathname,
          headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
          timeout: timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > maxBytes) {
              req.destroy(new ToolsError(`the answer is larger than ${maxBytes} bytes`));
              return;
            }
            chunks.push(chunk);
          });
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          res.on('error', reject);
        },
      );
      const timer = setTimeout(
        () => req.destroy(new ToolsError(`no answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      req.on('close', () => clearTimeout(timer));
      req.on('timeout', () => req.destroy(new ToolsError(`no answer within ${timeoutMs} ms`)));
      req.on('error', (error) =>
        reject(
          error instanceof ToolsError ? error : new ToolsError('the gateway could not be reached'),
        ),
      );
      req.end(body);
    });
  }
}

/** The `result` of the JSON-RPC answer to request `id` (a JSON body or an event stream). */
function rpcResult(method: string, id: number, reply: Reply): Record<string, unknown> | undefined {
  const type = String(reply.headers['content-type'] ?? '');
  const texts = type.includes('text/event-stream')
    ? reply.body
        .split(/\r?\n/)
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5))
    : [reply.body];
  for (const text of texts) {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      continue;
    }
    const m = message as { id?: unknown; result?: unknown; error?: { code?: unknown } } | null;
    if (m === null || typeof m !== 'object' || m.id !== id) continue;
    if (m.error !== undefined)
      throw new ToolsError(
        `${method}: JSON-RPC error ${typeof m.error?.code === 'number' ? m.error.code : '?'}`,
      );
    if (m.result === null || typeof m.result !== 'object' || Array.isArray(m.result))
      throw new ToolsError(`${method}: the answer has no result`);
    return m.result as Record<string, unknown>;
  }
  throw new ToolsError(`${method}: the answer is not JSON-RPC`);
}

/**
 * The lister for an inventory's control client: it signs as that client does (same
 * credentials, so the same role), with its hash; CUSTOM_JWT gateways with `bearer` only.
 */
export function listerFor(
  control: {
    config: {
      credentials: AwsCredentialIdentityProvider;
      sha256: ChecksumConstructor | HashConstructor;
    };
  },
  bearer?: BearerTokenSource,
): McpGatewayToolLister {
  return new McpGatewayToolLister({
    credentials: control.config.credentials,
    sha256: control.config.sha256,
    ...(bearer !== undefined ? { bearer } : {}),
  });
}
