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
  type Selector,
  sweepAll,
  type SweepOutcome,
} from '../lib/rotation/onDemand.js';
import type { RotationControl } from '../lib/rotation/onDemandPorts.js';
import { sweepSecret } from '../lib/rotation/sweep.js';
import { logger, safe } from '../lib/shared/logger.js';

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
  return middy(async (event: unknown, _context: Context): Promise<RotateNowResult> => {
    const parsed = rotateNowEvent.safeParse(event);
    if (!parsed.success) {
      throw new Error(
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
      return { ...summary, results };
    }
    const arns = await resolveSecrets(deps.control, parsed.data as Selector);
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
  });
}

/** Clients are created once per container and reuse their connections. */
export function defaultDeps(): RotateNowDeps {
  const engine = awsRotationDeps();
  return {
    control: new SecretsManagerRotationControl(),
    sweep: (secretArn) => sweepSecret(engine, secretArn),
    concurrency: 8,
  };
}

export const handler = makeHandler(defaultDeps());
