import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A tiny loopback HTTP server for vendor contract tests. Each vendor module supplies a
 * route function; `failNext` injects faults (a status or a hang) for the next requests.
 */
export interface VendorRequestInfo {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface VendorReply {
  status: number;
  json?: unknown;
}

export type Route = (request: VendorRequestInfo) => VendorReply | Promise<VendorReply>;

export class VendorServer {
  readonly requests: VendorRequestInfo[] = [];
  private faults: Array<number | 'hang'> = [];
  private server: Server | undefined;
  url = '';

  constructor(private readonly route: Route) {}

  /** The next `count` requests answer `status` (or never answer, for 'hang'). */
  failNext(fault: number | 'hang', count = 1): void {
    for (let i = 0; i < count; i += 1) this.faults.push(fault);
  }

  /** Drops the faults not yet served. */
  clearFaults(): void {
    this.faults = [];
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const info: VendorRequestInfo = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
    };
    this.requests.push(info);
    const fault = this.faults.shift();
    if (fault === 'hang') return; // the client's timeout must fire
    const reply =
      fault !== undefined
        ? { status: fault, json: { errorCode: 'injected' } }
        : await this.route(info);
    res.writeHead(
      reply.status,
      reply.json === undefined ? {} : { 'content-type': 'application/json' },
    );
    res.end(reply.json === undefined ? undefined : JSON.stringify(reply.json));
  }
}

/** Parses a JSON or form body. */
export function parseBody(request: VendorRequestInfo): Record<string, unknown> {
  const type = request.headers['content-type'] ?? '';
  if (type.includes('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(request.body));
  }
  try {
    return request.body ? (JSON.parse(request.body) as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

let counter = 0;
/** A recognisable random secret; the prefix lets canary scans find leaks. */
export function mintValue(prefix: string): string {
  counter += 1;
  return `${prefix}${counter}${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
}
