/**
 * Shared configuration for every AWS SDK v3 client gatewarden creates.
 *
 * Endpoints, region and credentials come from the standard AWS environment
 * (`AWS_ENDPOINT_URL`, `AWS_REGION`, profiles, the Lambda role), so the same code talks to
 * AWS or to any AWS-compatible endpoint without knowing which.
 */
export interface ClientOptions {
  region?: string;
  maxAttempts?: number;
}

/** Common client config: region from the environment, adaptive retries for throttling. */
export function clientConfig(options: ClientOptions = {}): {
  region?: string;
  maxAttempts: number;
  retryMode: 'adaptive' | 'standard';
} {
  const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  const attempts = Number(process.env.GATEWARDEN_AWS_MAX_ATTEMPTS ?? '');
  return {
    ...(region ? { region } : {}),
    maxAttempts: options.maxAttempts ?? (Number.isInteger(attempts) && attempts > 0 ? attempts : 5),
    retryMode: 'adaptive',
  };
}

/**
 * Path-style S3 addressing, for S3-compatible endpoints that do not serve virtual-hosted
 * buckets. Off unless `AWS_S3_FORCE_PATH_STYLE=true`.
 */
export function s3PathStyle(): boolean {
  return process.env.AWS_S3_FORCE_PATH_STYLE === 'true';
}
