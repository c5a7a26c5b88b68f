/**
 * The one endpoint of the local stack (`AWS_ENDPOINT_URL`): requests a stand-in route claims
 * are answered here, everything else is proxied to moto unchanged. Every API call that passes
 * through is recorded as a CloudTrail event for the stand-in's `LookupEvents`.
 */
import {
  createServer,
  request as httpRequest,
  Agent,
  type IncomingMessage,
  type Server,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { describeAwsRequest, header } from './standin/awsRequest.js';
import { cloudTrailEventEntry, deliveryRegion } from './standin/cloudtrail/eventbridge.js';
import { shapeRecord } from './standin/cloudtrail/record.js';
import { trailOf } from './standin/cloudtrail/routes.js';
import type { FrontRequest, StandinRoute } from './standin/context.js';
import { restJsonError, StandinError, type StandinResponse } from './standin/http.js';
import { DEFAULT_ACCOUNT, type StandinRuntime } from './standin/runtime.js';
import type { IamGate } from './iam/gate.js';

export interface FrontOptions {
  motoUrl: string;
  routes: readonly StandinRoute[];
  runtime: StandinRuntime;
  /** Health of the parts behind the front, reported at `GET /_gatewarden/health`. */
  health: () => Promise<Record<string, boolean>>;
  log: (line: string) => void;
  /** IAM enforcement (absent only with GATEWARDEN_LOCAL_IAM=off). */
  iam?: IamGate;
  /** Function role sessions when IAM enforcement is off (the gate issues them otherwise). */
  lambdaCredentials?: IamGate['lambdaCredentials'];
}

export interface Front {
  url: string;
  port: number;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'expect',
  'te',
  'trailer',
]);

export async function startFront(options: FrontOptions): Promise<Front> {
  const moto = new URL(options.motoUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const server: Server = createServer((incoming, outgoing) => {
    void handle(incoming).then(
      (response) => {
        // A HEAD answer carries the length of the body it would have had (S3 HeadObject).
        const length =
          incoming.method === 'HEAD' && response.headers['content-length'] !== undefined
            ? response.headers['content-length']
            : String(Buffer.byteLength(response.body));
        outgoing.writeHead(response.status, { ...response.headers, 'content-length': length });
        outgoing.end(incoming.method === 'HEAD' ? undefined : response.body);
      },
      (error: unknown) => {
        options.log(
          `front: internal error: ${error instanceof Error ? error.message : String(error)}`,
        );
        if (!outgoing.headersSent) outgoing.writeHead(500, { 'content-type': 'application/json' });
        outgoing.end(JSON.stringify({ message: 'local stack internal error' }));
      },
    );
  });

  async function handle(incoming: IncomingMessage): Promise<StandinResponse> {
    const body = await readBody(incoming);
    const url = new URL(incoming.url ?? '/', 'http://front.invalid');
    const raw = {
      method: incoming.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: incoming.headers,
      body,
    };
    const request: FrontRequest = {
      ...raw,
      aws: describeAwsRequest(raw),
      sourceIp: (incoming.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
      userAgent: header(incoming.headers, 'user-agent') ?? '',
      receivedAt: new Date(),
    };
    if (request.method === 'GET' && request.path === '/_gatewarden/health') {
      const parts = await options.health();
      const ok = Object.values(parts).every(Boolean);
      return {
        status: ok ? 200 : 503,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ok, ...parts }),
      };
    }
    if (request.path.startsWith('/_gatewarden/iam/denials')) return denialsAnswer(request);
    if (request.method === 'POST' && request.path === '/_gatewarden/lambda/credentials') {
      return lambdaCredentialsAnswer(request);
    }
    const started = Date.now();
    const route = options.routes.find((candidate) => candidate.matches(request));
    const denied =
      route?.recordInCloudTrail === false
        ? undefined
        : await options.iam?.check(request, route === undefined);
    const answered = denied
      ? denied
      : route
        ? await answer(route, request)
        : await toMoto(request, incoming.url ?? '/');
    const response =
      denied || !options.iam ? answered : await options.iam.answered(request, answered);
    if (!denied) options.iam?.called(request, response.status);
    options.log(
      `${request.method} ${request.path} ${request.aws.service ?? '-'}:${request.aws.operation ?? '-'} -> ${response.status} ${denied ? 'iam' : route ? route.name : 'moto'} ${Date.now() - started}ms`,
    );
    if (route?.recordInCloudTrail !== false) record(request, response);
    return response;
  }

  /** `GET` the calls IAM refused (newest last); `DELETE` forgets them. */
  function denialsAnswer(request: FrontRequest): StandinResponse {
    const json = (body: unknown): StandinResponse => ({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!options.iam) return json({ mode: 'off', denials: [] });
    if (request.method === 'DELETE') options.iam.clearDenials();
    return json({ mode: options.iam.mode, denials: options.iam.recentDenials() });
  }

  /** `POST {"functionName"}`: the function's role credentials, as Lambda would get them. */
  async function lambdaCredentialsAnswer(request: FrontRequest): Promise<StandinResponse> {
    const json = (status: number, body: unknown): StandinResponse => ({
      status,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const gate = options.iam;
    // Enforcing: for a signed caller who may change the function's code. Off: issued unevaluated.
    const issue = gate
      ? (name: string, region?: string) => gate.lambdaCredentialsFor(request, name, region)
      : options.lambdaCredentials;
    if (!issue) return json(409, { message: 'this local stack issues no function roles' });
    let functionName = '';
    let region: string | undefined;
    try {
      const body = JSON.parse(request.body.toString('utf8')) as {
        functionName?: unknown;
        region?: unknown;
      };
      functionName = String(body.functionName ?? '');
      // A stage deployed in another region than us-east-1 (the forwarder's two-region test).
      if (typeof body.region === 'string' && body.region) region = body.region;
    } catch {
      return json(400, { message: 'body must be JSON {"functionName": "...", "region"?: "..."}' });
    }
    if (!functionName) return json(400, { message: 'functionName is required' });
    const answer = await issue(functionName, region);
    return answer.ok ? json(200, answer) : json(403, { message: answer.reason });
  }

  async function answer(route: StandinRoute, request: FrontRequest): Promise<StandinResponse> {
    try {
      return await route.handle(request, options.runtime.context);
    } catch (error) {
      if (error instanceof StandinError) return restJsonError(error);
      options.log(
        `front: ${route.name} failed: ${error instanceof Error ? error.message : String(error)}`,
      );
      return restJsonError(
        new StandinError(500, 'InternalServerException', 'the local stand-in failed; see its log'),
      );
    }
  }

  // moto applies DynamoDB requests from its threads without a lock: two concurrent `ADD`s can
  // leave one increment, and a transaction racing a write answers 500. DynamoDB's updates are
  // atomic; one DynamoDB request at a time here makes the local stack's atomic too.
  let dynamodbTurn: Promise<unknown> = Promise.resolve();
  function toMoto(request: FrontRequest, path: string): Promise<StandinResponse> {
    if (request.aws.service !== 'dynamodb') return proxy(request, path);
    const turn = dynamodbTurn.then(() => proxy(request, path));
    dynamodbTurn = turn.catch(() => undefined);
    return turn;
  }

  function proxy(request: FrontRequest, path: string): Promise<StandinResponse> {
    const headers: Record<string, string | string[]> = {};
    for (const [key, value] of Object.entries(request.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(key.toLowerCase())) headers[key] = value;
    }
    headers['content-length'] = String(request.body.length);
    if (request.aws.service === 's3') {
      // moto reads a bucket from a Host the way the front does (s3Request.ts); sent path style
      // to moto's own host, it reads the bucket the gate authorized and nothing else.
      headers.host = moto.host;
      if (request.aws.hostBucket) path = `/${encodeURIComponent(request.aws.hostBucket)}${path}`;
    }
    return new Promise((resolvePromise, reject) => {
      const upstream = httpRequest(
        { host: moto.hostname, port: moto.port, method: request.method, path, headers, agent },
        (response) => {
          readBody(response).then((body) => {
            const out: Record<string, string> = {};
            for (const [key, value] of Object.entries(response.headers)) {
              if (value === undefined || HOP_BY_HOP.has(key) || key.startsWith('x-gatewarden-'))
                continue;
              if (key === 'content-length' && request.method !== 'HEAD') continue;
              out[key] = Array.isArray(value) ? value.join(', ') : value;
            }
            resolvePromise({ status: response.statusCode ?? 502, headers: out, body });
          }, reject);
        },
      );
      upstream.on('error', reject);
      upstream.end(request.body);
    });
  }

  let forwarding: Promise<void> = Promise.resolve();

  function record(request: FrontRequest, response: StandinResponse): void {
    if (!request.aws.service || !request.aws.operation) return;
    const { context, identities } = options.runtime;
    const trail = trailOf(context);
    trail.track(
      identities.resolve(request.aws.accessKeyId).then((userIdentity) => {
        const shaped = shapeRecord({
          request,
          status: response.status,
          responseHeaders: response.headers,
          responseBody: Buffer.isBuffer(response.body) ? response.body : Buffer.from(response.body),
          userIdentity,
          accountId: userIdentity.accountId ?? DEFAULT_ACCOUNT,
        });
        if (!shaped) return;
        trail.add(shaped);
        const entry = cloudTrailEventEntry(shaped);
        if (!entry) return;
        // Straight to moto (not through the front): the delivery is not itself an API call.
        // One at a time and in order: moto is not safe under concurrent writers.
        // IAM and the other global services deliver in us-east-1 only, as on AWS.
        const region = deliveryRegion(entry, request.aws.region);
        const events = context.motoClient(EventBridgeClient, {
          ...request,
          aws: { ...request.aws, region },
        });
        forwarding = forwarding.then(() =>
          events.send(new PutEventsCommand({ Entries: [entry] })).then(
            () => undefined,
            (error: unknown) =>
              options.log(
                `front: CloudTrail event not forwarded to EventBridge: ${error instanceof Error ? error.message : String(error)}`,
              ),
          ),
        );
        return forwarding;
      }),
    );
  }

  // Idle keep-alive sockets stay open until the client closes them: with Node's default
  // five-second timeout the front closed sockets an SDK client was about to reuse, and the
  // client's call failed with "socket hang up". `close()` ends every connection itself.
  server.keepAliveTimeout = 0;
  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolvePromise());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise((resolvePromise) => {
        agent.destroy();
        server.close(() => resolvePromise());
        server.closeAllConnections();
      }),
  };
}

function readBody(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolvePromise, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolvePromise(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}
