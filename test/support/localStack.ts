/**
 * Helpers for integration tests against the local stack (started by globalSetup.js, which
 * puts AWS_ENDPOINT_URL & co. into process.env).
 */
import { randomBytes } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A name no other test (or earlier run on the shared stack) uses: `prefix-<time>-<random>`. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/**
 * Config for SDK clients in tests: region from the environment and no retries (moto answers
 * 500 for operations it lacks; retrying only hides that). Endpoint and credentials come from
 * AWS_ENDPOINT_URL / AWS_ACCESS_KEY_ID in the environment, as for any client.
 */
export function testClientConfig(): { region: string; maxAttempts: number } {
  return { region: process.env.AWS_REGION ?? 'us-east-1', maxAttempts: 1 };
}

/** Like {@link testClientConfig}, plus path-style addressing for S3. */
export function testS3Config(): { region: string; maxAttempts: number; forcePathStyle: boolean } {
  return { ...testClientConfig(), forcePathStyle: true };
}

/** Builds an SDK client for the local stack: `localClient(SecretsManagerClient)`. */
export function localClient<C>(
  ctor: new (config: { region: string; maxAttempts: number; forcePathStyle?: boolean }) => C,
): C {
  return new ctor(testS3Config());
}

export interface LocalStackInfo {
  endpoint: string;
  region: string;
  oidcIssuer: string;
  /** Bearer token for Dynamic Client Registration at `<issuer>/reg`. */
  oidcInitialAccessToken: string;
}

/** Where the local stack is; throws a clear error outside the integration project. */
export function localStack(): LocalStackInfo {
  const endpoint = process.env.AWS_ENDPOINT_URL;
  const oidcIssuer = process.env.GATEWARDEN_LOCAL_OIDC_ISSUER;
  const oidcInitialAccessToken = process.env.GATEWARDEN_LOCAL_OIDC_INITIAL_ACCESS_TOKEN;
  if (!endpoint || !oidcIssuer || !oidcInitialAccessToken) {
    throw new Error(
      'the local stack is not configured: run integration tests through jest (globalSetup starts it)',
    );
  }
  return {
    endpoint,
    region: process.env.AWS_REGION ?? 'us-east-1',
    oidcIssuer,
    oidcInitialAccessToken,
  };
}

/** Seeds historical CloudTrail records into the stand-in (they show up in LookupEvents). */
export async function seedCloudTrail(records: Array<Record<string, unknown>>): Promise<string[]> {
  const response = await fetch(`${localStack().endpoint}/_gatewarden/cloudtrail/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ Records: records }),
  });
  const body = (await response.json()) as { eventIds?: string[]; message?: string };
  if (!response.ok)
    throw new Error(`seeding CloudTrail failed: ${body.message ?? response.status}`);
  return body.eventIds ?? [];
}

/** Demo clients seeded in the local OpenID Connect provider (public demo values). */
export { DEMO_CLIENTS, DEFAULT_AUDIENCE, SCOPES } from '../../local/oidcClients.js';

/** Folder of the running stack's state file and logs (`GATEWARDEN_LOCAL_STATE_DIR` or `.gatewarden/`). */
export function localStackStateDir(): string {
  return resolve(
    process.env.GATEWARDEN_LOCAL_STATE_DIR ??
      join(dirname(fileURLToPath(import.meta.url)), '..', '..', '.gatewarden'),
  );
}
