import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { SecretsManagerRotationControl } from '../lib/aws/rotationControl.js';
import { awsRotationDeps } from '../lib/aws/rotationDeps.js';
import {
  resolveSecrets,
  rotateMany,
  type RotationResult,
  secretsManagerRotator,
  sweepAll,
  type SweepOutcome,
} from '../lib/rotation/onDemand.js';
import { RotationError } from '../lib/rotation/errors.js';
import type { RotationControl } from '../lib/rotation/onDemandPorts.js';
import { sweepSecret } from '../lib/rotation/sweep.js';
import { logger, safe } from '../lib/shared/logger.js';
import { withoutForeignText } from '../lib/shared/redact.js';

/**
 * On-demand rotation event: exactly one selector, or `{"sweep": true}` from the daily schedule.
 * Samples: events/rotateNow.*.json.
 */
export const rotateNowEvent = z.union([
  z.object({ secretId: z.string().min(1) }).strict(),
  z.object({ gatewayId: z.string().min(1) }).strict(),
  z.object({ tag: z.string().regex(/^[^=]+=.+$/, 'tag must be KEY=VALUE') }).strict(),
  z.object({ sweep: z.literal(true) }).strict(),
]);
export type RotateNowEvent = z.infer<typeof rotateNowEvent>;

export type RotateNowResult =
  | { started: number; failed: number; results: RotationResult[] }
  | { swept: number; revoked: number; failed: number; results: SweepOutcome[] };

/** The event is none of the accepted shapes; it goes to the DLQ rather than rotate anything. */
export class RotateNowEventError extends RotationError {}

export interface RotateNowDeps {
  control: RotationControl;
  /** Revokes one secret's retired credentials (the engine's sweep). */
  sweep: (secretArn: string) => Promise<{ revoked: string[]; stillInGrace: number }>;
  concurrency: number;
}

/**
 * Starts rotations with RotateSecret (Secrets Manager then runs the rotate function) or runs
 * the sweep. Per-secret failures are in the result, not thrown: a retry would rotate the
 * secrets that did start a second time. An invalid event is an error.
 */
export function makeHandler(deps: RotateNowDeps) {
  return middy((event: unknown, _context: Context): Promise<RotateNowResult> =>
    // The runtime logs the message of what escapes: no foreign text in it.
    run(deps, event).catch((error: unknown) => {
      throw withoutForeignText(error);
    }),
  );
}

/** The handler's work; see {@link makeHandler}. */
async function run(deps: RotateNowDeps, event: unknown): Promise<RotateNowResult> {
  const parsed = rotateNowEvent.safeParse(event);
  if (!parsed.success) {
    throw new RotateNowEventError(
      `invalid rotateNow event: expected {"secretId"} | {"gatewayId"} | {"tag":"K=V"} | {"sweep":true} (${parsed.error.issues
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; ')})`,
    );
  }
  if ('sweep' in parsed.data) {
    const results = await sweepAll(deps.control, deps.sweep, deps.concurrency);
    const summary = {
      swept: results.length,
      revoked: results.reduce((n, r) => n + r.revoked, 0),
      failed: results.filter((r) => r.error).length,
    };
    logger.info('sweep finished', safe(summary));
    // Not thrown: a retry would sweep every secret again; the next daily run retries these.
    for (const r of results.filter((outcome) => outcome.error)) {
      logger.warn(
        'sweep failed',
        safe({ secretArn: r.secretArn, errorClass: r.error, reason: r.reason }),
      );
    }
    return { ...summary, results };
  }
  const arns = await resolveSecrets(deps.control, parsed.data);
  const results = await rotateMany(secretsManagerRotator(deps.control, { wait: false }), arns, {
    concurrency: deps.concurrency,
  });
  const failed = results.filter((r) => r.outcome === 'failed');
  for (const f of failed) {
    logger.warn(
      'rotation did not start',
      safe({ secretArn: f.secretArn, errorClass: f.errorClass }),
    );
  }
  return { started: results.length - failed.length, failed: failed.length, results };
}

/**
 * Production wiring, once per container. The sweep's engine (issuers and their clients) is
 * built on the first sweep only: an on-demand invocation needs just Secrets Manager.
 */
export function defaultDeps(env: NodeJS.ProcessEnv = process.env): RotateNowDeps {
  let engine: ReturnType<typeof awsRotationDeps> | undefined;
  return {
    control: new SecretsManagerRotationControl(),
    sweep: (secretArn) => {
      engine ??= awsRotationDeps(env);
      // A sweep that must not revoke (the provider not back on AWSCURRENT) alerts the topic and bus.
      return sweepSecret(engine, secretArn, { alerts: engine.alerts });
    },
    concurrency: 8,
  };
}

export const handler = makeHandler(defaultDeps());
