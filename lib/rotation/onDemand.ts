import { randomUUID } from 'node:crypto';
import { TAGS } from '../shared/env.js';
import { GatewardenError } from '../shared/errors.js';
import { errorClassOf, safeReason } from '../shared/redact.js';
import { isThrottling, type RotationControl } from './onDemandPorts.js';

export { secretsManagerRotator, waitForRotation, type WaitOptions } from './onDemandWait.js';

/**
 * On-demand rotation: pick secrets (one, a gateway's, or by tag), start their rotation with a
 * bounded concurrency and jittered exponential backoff on throttling, and optionally follow
 * each rotation until it lands or fails.
 */

export class OnDemandError extends GatewardenError {}

/** Which secrets to rotate. */
export type Selector = { secretId: string } | { gatewayId: string } | { tag: string };

export type RotationOutcome = 'started' | 'succeeded' | 'failed';

export interface RotationResult {
  secretArn: string;
  outcome: RotationOutcome;
  /** The new version (ClientRequestToken). */
  versionId?: string;
  previousVersionId?: string;
  /** False when the new credential could not be tested (an API key without a probe). */
  tested?: boolean;
  /** For failures: the step, the error class and a short, redacted reason. */
  step?: string;
  errorClass?: string;
  reason?: string;
  ms: number;
}

/**
 * Runs one rotation and reports the result; `mode` decides how:
 * - `secretsManager`: RotateSecret, then (with wait) poll DescribeSecret;
 * - a local driver that runs the four steps in-process (moto cannot invoke the function).
 */
export interface Rotator {
  rotate(secretArn: string, token: string, onStep: (step: string) => void): Promise<RotationResult>;
}

export interface Progress {
  /** A rotation started, moved to a step, or finished. */
  update(secretArn: string, state: string): void;
  done(result: RotationResult): void;
}

export interface RotateManyOptions {
  concurrency?: number;
  /** Attempts at starting a rotation when throttled (first try included). */
  maxAttempts?: number;
  /** Base and cap of the backoff, ms. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  progress?: Progress;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Token per secret (tests); default a random UUID. */
  token?: () => string;
}

/** Parses `KEY=VALUE` (the value may contain `=`). */
export function parseTag(tag: string): { key: string; value: string } {
  const index = tag.indexOf('=');
  const key = index > 0 ? tag.slice(0, index).trim() : '';
  if (!key || index === tag.length - 1) {
    throw new OnDemandError(`tag must be KEY=VALUE, got "${tag}"`, { usage: true });
  }
  return { key, value: tag.slice(index + 1).trim() };
}

/** The tag a gateway or tag selector looks for. */
export function selectorTag(selector: Exclude<Selector, { secretId: string }>): {
  key: string;
  value: string;
} {
  return 'gatewayId' in selector
    ? { key: TAGS.gateway, value: selector.gatewayId }
    : parseTag(selector.tag);
}

/**
 * The secrets a selector names, as ARNs (deduplicated, stable order); empty when a gateway or
 * tag selector matches none. A named secret that does not exist throws (not found).
 */
export async function selectSecrets(
  control: RotationControl,
  selector: Selector,
): Promise<string[]> {
  if ('secretId' in selector) {
    const status = await control.describe(selector.secretId);
    return [status.arn];
  }
  const { key, value } = selectorTag(selector);
  const found = await control.findByTag(key, value);
  return [...new Set(found.map((secret) => secret.arn))].sort();
}

/** {@link selectSecrets}, failing when nothing matches (the rotateNow function's contract). */
export async function resolveSecrets(
  control: RotationControl,
  selector: Selector,
): Promise<string[]> {
  const arns = await selectSecrets(control, selector);
  if (arns.length === 0) {
    const { key, value } = selectorTag(selector as Exclude<Selector, { secretId: string }>);
    throw new OnDemandError(`no secret carries the tag ${key}=${value}`, {
      context: { key, value },
    });
  }
  return arns;
}

/** Full-jitter exponential backoff: a random delay in [0, min(cap, base·2^attempt)]. */
export function backoffDelay(
  attempt: number,
  base: number,
  cap: number,
  random: () => number,
): number {
  return Math.floor(random() * Math.min(cap, base * 2 ** attempt));
}

/** Retries `fn` on throttling with full-jitter exponential backoff. */
export async function withBackoff<T>(
  fn: () => Promise<T>,
  options: Pick<
    RotateManyOptions,
    'maxAttempts' | 'baseDelayMs' | 'maxDelayMs' | 'sleep' | 'random'
  > = {},
): Promise<T> {
  const maxAttempts = options.maxAttempts ?? 6;
  const sleep = options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const random = options.random ?? Math.random;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt + 1 >= maxAttempts || !isThrottling(error)) throw error;
      await sleep(
        backoffDelay(attempt, options.baseDelayMs ?? 200, options.maxDelayMs ?? 5_000, random),
      );
    }
  }
}

/** Rotates every secret with at most `concurrency` in flight; never throws per secret. */
export async function rotateMany(
  rotator: Rotator,
  secretArns: readonly string[],
  options: RotateManyOptions = {},
): Promise<RotationResult[]> {
  const results: RotationResult[] = new Array(secretArns.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let index = next++; index < secretArns.length; index = next++) {
      const secretArn = secretArns[index] as string;
      const started = Date.now();
      options.progress?.update(secretArn, 'starting');
      let result: RotationResult;
      try {
        result = await withBackoff(
          () =>
            rotator.rotate(secretArn, options.token?.() ?? randomUUID(), (step) =>
              options.progress?.update(secretArn, step),
            ),
          options,
        );
      } catch (error) {
        result = { secretArn, ms: Date.now() - started, ...failureOf(error) };
      }
      results[index] = result;
      options.progress?.done(result);
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency ?? 8, secretArns.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return results;
}

/** Describes a thrown error as a failed result: step, class and a redacted reason. */
export function failureOf(error: unknown): Omit<RotationResult, 'secretArn' | 'ms'> {
  const e = (error ?? {}) as {
    step?: unknown;
    versionId?: unknown;
    cause?: unknown;
    context?: Record<string, unknown>;
  };
  // The driver records the class of what failed inside its step error; else the error's own.
  const recorded = e.context?.errorClass;
  const errorClass =
    typeof recorded === 'string' && /^[A-Za-z][\w.:-]{0,63}$/.test(recorded)
      ? recorded
      : errorClassOf(error);
  const step =
    (typeof e.step === 'string' && e.step) ||
    (typeof e.context?.step === 'string' && e.context.step) ||
    'start';
  const reason = safeReason(error);
  return {
    outcome: 'failed',
    step,
    errorClass,
    ...(typeof e.versionId === 'string' ? { versionId: e.versionId } : {}),
    ...(reason ? { reason } : {}),
  };
}

export interface SweepOutcome {
  secretArn: string;
  revoked: number;
  stillInGrace: number;
  /** Error class when the sweep of this secret failed. */
  error?: string;
  /** Why, identifiers only (safeReason). */
  reason?: string;
}

/**
 * Runs the engine's grace-period sweep on every gatewarden secret (tag `gatewarden:kind`), or
 * on the secrets a selector names, a few at a time; one failing secret does not stop the others.
 */
export async function sweepAll(
  control: RotationControl,
  sweep: (secretArn: string) => Promise<{ revoked: string[]; stillInGrace: number }>,
  concurrency = 4,
  selector?: Selector,
): Promise<SweepOutcome[]> {
  const secrets = selector
    ? (await selectSecrets(control, selector)).map((arn) => ({ arn }))
    : await control.findByTag(TAGS.kind, undefined);
  const results: SweepOutcome[] = new Array(secrets.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let index = next++; index < secrets.length; index = next++) {
      const secretArn = (secrets[index] as { arn: string }).arn;
      try {
        const swept = await withBackoff(() => sweep(secretArn));
        results[index] = {
          secretArn,
          revoked: swept.revoked.length,
          stillInGrace: swept.stillInGrace,
        };
      } catch (error) {
        const failure = failureOf(error);
        results[index] = {
          secretArn,
          revoked: 0,
          stillInGrace: 0,
          error: failure.errorClass ?? 'Error',
          ...(failure.reason ? { reason: failure.reason } : {}),
        };
      }
    }
  };
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(concurrency, secrets.length)) }, worker),
  );
  return results;
}
