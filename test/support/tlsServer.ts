import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A throwaway key and self-signed certificate for 127.0.0.1, localhost and `*.example.test`. */
export interface TestCertificate {
  key: string;
  cert: string;
}

let generated: TestCertificate | undefined;

/**
 * Generates the certificate once per test file with the openssl command line (Node has no API
 * to issue one). It never leaves the test: clients trust it only when a test hands them `cert`
 * as their CA.
 */
export function testCertificate(): TestCertificate {
  if (generated) return generated;
  const dir = mkdtempSync(join(tmpdir(), 'gatewarden-tls-'));
  try {
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost,DNS:*.example.test',
      ],
      { stdio: 'ignore' },
    );
    generated = { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
    return generated;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface RecordedRequest {
  method: string;
  path: string;
  body: string;
}

/** An https server on 127.0.0.1 that records every request and answers with `answer`. */
export class TlsTestServer {
  readonly requests: RecordedRequest[] = [];
  port = 0;
  private readonly server: Server;

  constructor(
    answer: (request: RecordedRequest, response: ServerResponse) => void = (_r, response) =>
      void response.writeHead(200).end('ok'),
  ) {
    const { key, cert } = testCertificate();
    this.server = createServer({ key, cert }, (request: IncomingMessage, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        const recorded = { method: request.method ?? '', path: request.url ?? '', body };
        this.requests.push(recorded);
        answer(recorded, response);
      });
    });
  }

  /** `https://127.0.0.1:<port>` once started. */
  get origin(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
