/**
 * The demo's third-party API behind the gateway's API-key target: a loopback HTTP server that
 * accepts a request when its `x-api-key` is a live key of the gatewarden secret (AWSCURRENT,
 * AWSPENDING while a rotation is proving it, AWSPREVIOUS during the grace period) — how a
 * target that "reads its key from the same secret" behaves with the `generated` issuer.
 */
import {
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import { clientConfig } from '../../lib/aws/clients.js';

export interface WeatherApi {
  url: string;
  /** Points the API at the secret that holds its keys (set once the key is registered). */
  trustSecret(secretId: string): void;
  close(): Promise<void>;
}

function sameKey(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

async function liveKeys(sm: SecretsManagerClient, secretId: string): Promise<string[]> {
  const versions = await sm.send(new ListSecretVersionIdsCommand({ SecretId: secretId }));
  const keys: string[] = [];
  for (const version of versions.Versions ?? []) {
    if (!version.VersionId || (version.VersionStages ?? []).length === 0) continue;
    const value = await sm.send(
      new GetSecretValueCommand({ SecretId: secretId, VersionId: version.VersionId }),
    );
    const apiKey = (JSON.parse(value.SecretString ?? '{}') as { apiKey?: string }).apiKey;
    if (apiKey) keys.push(apiKey);
  }
  return keys;
}

/** Starts the API on a free loopback port. */
export async function startWeatherApi(): Promise<WeatherApi> {
  const sm = new SecretsManagerClient(clientConfig({ maxAttempts: 2 }));
  let secretId: string | undefined;
  const server: Server = createServer((request, response) => {
    const presented = request.headers['x-api-key'];
    const key = Array.isArray(presented) ? presented[0] : presented;
    void (async () => {
      const keys = secretId ? await liveKeys(sm, secretId) : [];
      const ok = key !== undefined && keys.some((candidate) => sameKey(candidate, key));
      response.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
      response.end(JSON.stringify(ok ? { city: 'Lisbon', tempC: 19 } : { error: 'invalid key' }));
    })().catch(() => {
      response.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/weather`,
    trustSecret: (id) => {
      secretId = id;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
