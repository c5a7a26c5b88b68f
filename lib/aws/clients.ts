/**
 * Shared configuration for every AWS SDK v3 client gatewarden creates.
 *
 * Endpoints, region and credentials come from the standard AWS environment
 * (`AWS_ENDPOINT_URL`, `AWS_REGION`, profiles, the Lambda role), so the same code talks to
 * AWS or to any AWS-compatible endpoint without knowing which.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface ClientOptions {
  region?: string;
  maxAttempts?: number;
}

/** Credentials a group of clients is made with (a role session), instead of the environment's. */
export interface ClientCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

const scopedCredentials = new AsyncLocalStorage<ClientCredentials>();

/**
 * Makes clients with other credentials than the process's: every client whose config
 * {@link clientConfig} builds while `make` runs signs with `credentials`. How the CLI, on the
 * local stack, runs the rotation engine as the rotate function's role while its own calls stay
 * the caller's (in Lambda the function's role is the environment's, and this is never needed).
 */
export function withClientCredentials<T>(credentials: ClientCredentials, make: () => T): T {
  return scopedCredentials.run(credentials, make);
}

/** Common client config: region from the environment, adaptive retries for throttling. */
export function clientConfig(options: ClientOptions = {}): {
  region?: string;
  maxAttempts: number;
  retryMode: 'adaptive' | 'standard';
  credentials?: ClientCredentials;
} {
  const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  const attempts = Number(process.env.GATEWARDEN_AWS_MAX_ATTEMPTS ?? '');
  const credentials = scopedCredentials.getStore();
  return {
    ...(region ? { region } : {}),
    maxAttempts: options.maxAttempts ?? (Number.isInteger(attempts) && attempts > 0 ? attempts : 5),
    retryMode: 'adaptive',
    ...(credentials ? { credentials } : {}),
  };
}

/**
 * Path-style S3 addressing, for S3-compatible endpoints that do not serve virtual-hosted
 * buckets. Off unless `AWS_S3_FORCE_PATH_STYLE=true`.
 */
export function s3PathStyle(): boolean {
  return process.env.AWS_S3_FORCE_PATH_STYLE === 'true';
}
