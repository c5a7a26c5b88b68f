/**
 * An HTTP proxy that holds every request `callMs` before passing it on to `target` (the local
 * stack's front): AWS's per-call latency, which the local stack does not have. Requests are
 * forwarded byte for byte, Host included, so signatures stay valid. BENCHMARK COMPONENT.
 */
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LatencyProxy {
  url: string;
  /** Requests passed on so far. */
  calls(): number;
  close(): Promise<void>;
}

export async function latencyProxy(target: string, callMs: number): Promise<LatencyProxy> {
  const upstream = new URL(target);
  let calls = 0;
  const server = createServer((incoming, outgoing) => {
    const body: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => body.push(chunk));
    incoming.on('end', () => {
      calls += 1;
      setTimeout(() => {
        const forwarded = httpRequest(
          {
            hostname: upstream.hostname,
            port: upstream.port,
            method: incoming.method,
            path: incoming.url,
            headers: incoming.headers,
          },
          (answer) => {
            outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(outgoing);
          },
        );
        forwarded.on('error', (error) => {
          outgoing.writeHead(502);
          outgoing.end(error.message);
        });
        forwarded.end(Buffer.concat(body));
      }, callMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls: () => calls,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
