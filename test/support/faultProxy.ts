/**
 * A fault-injecting HTTP proxy in front of the local stack, for crash and interrupt tests with
 * real SDK clients. Every AWS call of a process that talks to the proxy passes through it, so it
 * can name each call, stop a "process" dead at any call (before the call reaches the service, or
 * after it took effect with the reply lost), and hold one call until the test lets it go.
 */
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/** `secretsmanager.PutSecretValue`, `DynamoDB_20120810.PutItem`, or `POST /identities/…` for REST. */
export function operationOf(request: IncomingMessage): string {
  const target = request.headers['x-amz-target'];
  if (typeof target === 'string' && target) return target;
  const path = (request.url ?? '/').split('?')[0] ?? '/';
  // REST paths carry names and ids after the operation's own segments: keep the first two.
  return `${request.method ?? 'GET'} ${path.split('/').slice(0, 3).join('/')}`;
}

export interface CrashPlan {
  /** 1-based index of the call at which the process dies. */
  at: number;
  /** `before`: the call never reaches the service; `after`: it takes effect, the reply is lost. */
  mode: 'before' | 'after';
}

export interface HoldPlan {
  /** The first call whose operation matches is held… */
  match: (operation: string) => boolean;
  /** …until this resolves (the test interrupts the process meanwhile). */
  whileHeld: () => Promise<void>;
}

export class FaultProxy {
  /** Operations forwarded so far, in order (a crashed call is included for `after`). */
  readonly calls: string[] = [];
  private server: Server | undefined;
  private crash: CrashPlan | undefined;
  private hold: HoldPlan | undefined;
  private dead = false;

  constructor(private readonly upstream: string) {}

  get url(): string {
    const address = this.server?.address() as AddressInfo | undefined;
    if (!address) throw new Error('the fault proxy is not listening');
    return `http://127.0.0.1:${address.port}`;
  }

  /** Whether the planned crash happened (every later call was refused). */
  get crashed(): boolean {
    return this.dead;
  }

  /** Starts a fresh run: no calls, alive, with at most one crash and one hold planned. */
  reset(plan: { crash?: CrashPlan; hold?: HoldPlan } = {}): void {
    this.calls.length = 0;
    this.dead = false;
    this.crash = plan.crash;
    this.hold = plan.hold;
  }

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      void this.handle(request, response);
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readAll(request);
    if (this.dead) {
      request.socket.destroy();
      return;
    }
    const operation = operationOf(request);
    const index = this.calls.length + 1;
    if (this.crash?.at === index && this.crash.mode === 'before') {
      this.dead = true;
      request.socket.destroy();
      return;
    }
    this.calls.push(operation);
    if (this.hold?.match(operation)) {
      const { whileHeld } = this.hold;
      this.hold = undefined;
      await whileHeld();
    }
    const reply = await this.forward(request, body);
    if (this.crash?.at === index && this.crash.mode === 'after') {
      this.dead = true;
      request.socket.destroy();
      return;
    }
    response.writeHead(reply.status, reply.headers);
    response.end(reply.body);
  }

  private forward(
    request: IncomingMessage,
    body: Buffer,
  ): Promise<{ status: number; headers: Record<string, string | string[]>; body: Buffer }> {
    const target = new URL(request.url ?? '/', this.upstream);
    return new Promise((resolve, reject) => {
      const upstream = httpRequest(
        target,
        { method: request.method, headers: request.headers },
        (reply) => {
          void readAll(reply).then((replyBody) => {
            const headers: Record<string, string | string[]> = {};
            for (const [key, value] of Object.entries(reply.headers)) {
              if (value !== undefined && key !== 'transfer-encoding' && key !== 'connection')
                headers[key] = value;
            }
            headers['content-length'] = String(replyBody.length);
            resolve({ status: reply.statusCode ?? 502, headers, body: replyBody });
          }, reject);
        },
      );
      upstream.on('error', reject);
      upstream.end(body);
    });
  }
}

function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}
