import { randomUUID } from 'node:crypto';
import { logger, safe } from '../shared/logger.js';
import { abandonRotation, pendingAgeSeconds } from './abandon.js';
import { sweepSecret } from './sweep.js';
import {
  rotationSteps,
  runRotationStep,
  versionWithStage,
  type RotationStep,
  type StepOutcome,
} from './engine.js';
import { errorClass, isTransient, RotationError, RotationInProgressError } from './errors.js';
import { processRotationLock, type RotationLock } from './lock.js';
import { STAGE, type RotationDeps, type SecretMeta } from './ports.js';

/** The in-process rotation was interrupted (SIGINT/SIGTERM) and has been undone. */
export class RotationInterruptedError extends RotationError {}

/** A rotation step failed for good in the in-process driver. */
export class RotationStepError extends RotationError {
  constructor(
    readonly step: RotationStep,
    readonly versionId: string,
    cause: unknown,
    secretArn: string,
  ) {
    super(`rotation failed in ${step} (${errorClass(cause)})`, {
      cause,
      context: { secretArn, step, versionId, errorClass: errorClass(cause) },
    });
  }
}

export interface DriveOptions {
  /**
   * ClientRequestToken to use. When it names the secret's AWSPENDING version (e.g. one created
   * by RotateSecret), that rotation is resumed; otherwise a new one starts. Default: random.
   */
  token?: string;
  /** A pending version younger than this is a rotation in progress (refused); older is stale. */
  staleAfterSeconds?: number;
  /**
   * Take the rotation over from a live lease and a young AWSPENDING (`rotate --force`): for a
   * holder that crashed; a live one would be undone by this run's createSecret. When the
   * holder's version is still AWSPENDING its rotation is resumed and finished.
   */
  force?: boolean;
  /**
   * Emergency rotation of an exposed credential (`rotate --revoke-previous`): once the new one
   * is current, the one it replaced is revoked at once instead of after the grace period.
   */
  revokePrevious?: boolean;
  /** In-process retries of a step on transient errors (throttling, 5xx, timeouts). Default 2. */
  transientRetries?: number;
  /**
   * Interrupt (Ctrl-C in the CLI): no further step starts; the rotation is abandoned (provider
   * back on AWSCURRENT, pending credential revoked, AWSPENDING cleared) and the lease released.
   */
  signal?: AbortSignal;
  /** Called after each step, for progress displays. */
  onStep?: (step: RotationStep, outcome: StepOutcome) => void;
}

export interface DriveResult {
  secretArn: string;
  versionId: string;
  previousVersionId: string;
  steps: { step: RotationStep; outcome: StepOutcome; ms: number }[];
  /** Issuer ids revoked at once (`revokePrevious`). */
  revoked?: string[];
  /** False when testSecret had nothing to prove the new credential with. */
  tested: boolean;
}

/**
 * Runs one whole rotation in this process: the four Secrets Manager steps, in order, against
 * whatever the ports talk to. Used where Secrets Manager cannot invoke the rotation function
 * (the local stack) — `gatewarden rotate --local --wait`, the benchmark, the tests.
 *
 * Concurrency: the driver holds a lease on the secret (`deps.lock`: DynamoDB across processes,
 * else one per process), so a second rotation of the same secret is refused; so is one while
 * another version is AWSPENDING and younger than `staleAfterSeconds`. An older pending version
 * is stale (a crashed run): createSecret clears it and adopts or retires its credential.
 */
export async function driveRotation(
  deps: RotationDeps,
  secretId: string,
  options: DriveOptions = {},
): Promise<DriveResult> {
  const meta = await deps.store.describe(secretId);
  const staleAfterSeconds = options.staleAfterSeconds ?? 900;
  const lock = deps.lock ?? processRotationLock;
  const force = options.force === true;
  const token = options.token ?? (force ? await crashedRun(lock, meta) : undefined) ?? randomUUID();
  if (!(await lock.acquire(meta.arn, token, staleAfterSeconds, { force }))) {
    const holder = await lock.holder(meta.arn).catch(() => undefined);
    const who = holder
      ? ` (holder ${holder.owner}, until ${new Date(holder.until).toISOString()})`
      : '';
    throw new RotationInProgressError(
      `another rotation of this secret holds its lease${who}; if it crashed, rotate --force takes it over`,
      {
        context: {
          secretArn: meta.arn,
          ...(holder ? { holder: holder.owner, until: new Date(holder.until).toISOString() } : {}),
        },
      },
    );
  }
  try {
    const previousVersionId = versionWithStage(meta, STAGE.current) ?? '';
    const pendingVersion = versionWithStage(meta, STAGE.pending);
    if (
      !force &&
      pendingVersion &&
      pendingVersion !== token &&
      pendingVersion !== previousVersionId
    ) {
      await refuseIfInProgress(deps, secretId, meta.arn, pendingVersion, staleAfterSeconds);
    }
    const steps: DriveResult['steps'] = [];
    try {
      for (const step of rotationSteps) {
        if (options.signal?.aborted) {
          throw new RotationInterruptedError(`rotation interrupted before ${step}`, {
            context: { secretArn: meta.arn, step, versionId: token },
          });
        }
        const started = Date.now();
        const outcome = await runWithRetries(
          deps,
          secretId,
          meta.arn,
          step,
          token,
          options.transientRetries ?? 2,
        );
        steps.push({ step, outcome, ms: Date.now() - started });
        options.onStep?.(step, outcome);
        if (outcome === 'alreadyCurrent') break;
      }
    } catch (error) {
      // A rotation that fails for good is undone here, not left for 15 minutes as "in progress".
      await abandonRotation(deps, secretId, token).catch((abandonError: unknown) => {
        logger.error(
          'could not abandon the failed rotation',
          safe({ secretArn: meta.arn, versionId: token, error: errorClass(abandonError) }),
        );
      });
      throw error;
    }
    const tested = !steps.some((s) => s.outcome === 'untested');
    const revoked = options.revokePrevious ? await revokeNow(deps, meta.arn, token) : undefined;
    return {
      secretArn: meta.arn,
      versionId: token,
      previousVersionId,
      steps,
      tested,
      ...(revoked ? { revoked } : {}),
    };
  } finally {
    await lock.release(meta.arn, token).catch((error: unknown) => {
      logger.warn(
        'could not release the rotation lease',
        safe({ secretArn: meta.arn, error: errorClass(error) }),
      );
    });
  }
}

/**
 * `--force` after a crash: the dead run's token (its lease's owner) when that version is still
 * AWSPENDING or already AWSCURRENT, so the takeover finishes the crashed rotation (every step is
 * idempotent; one that already promoted only drops a stray AWSPENDING) instead of starting
 * another beside it (which an issuer still holding the retiring credential would refuse).
 */
async function crashedRun(lock: RotationLock, meta: SecretMeta): Promise<string | undefined> {
  const holder = await lock.holder(meta.arn).catch(() => undefined);
  if (!holder) return undefined;
  const stages = meta.versionStages[holder.owner] ?? [];
  return stages.includes(STAGE.pending) || stages.includes(STAGE.current)
    ? holder.owner
    : undefined;
}

async function runWithRetries(
  deps: RotationDeps,
  secretId: string,
  secretArn: string,
  step: RotationStep,
  token: string,
  retries: number,
): Promise<StepOutcome> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await runRotationStep(deps, { step, secretId, token }, { tokenMayBeNew: true });
    } catch (error) {
      if (attempt < retries && isTransient(error)) {
        logger.info(
          'transient error, retrying step',
          safe({ secretArn, step, error: errorClass(error) }),
        );
        await deps.clock.sleep(Math.min(200 * 2 ** attempt, 2_000));
        continue;
      }
      throw new RotationStepError(step, token, error, secretArn);
    }
  }
}

async function refuseIfInProgress(
  deps: RotationDeps,
  secretId: string,
  secretArn: string,
  pendingVersion: string,
  staleAfterSeconds: number,
): Promise<void> {
  const age = await pendingAgeSeconds(deps, secretId, secretArn, pendingVersion);
  if (age < staleAfterSeconds) {
    throw new RotationInProgressError('another rotation of this secret is in progress', {
      context: { secretArn, pendingVersionId: pendingVersion, ageSeconds: Math.round(age) },
    });
  }
  logger.warn('recovering stale AWSPENDING', safe({ secretArn, pendingVersionId: pendingVersion }));
}

/**
 * Ends the grace period of what the new current version superseded (in its ledger record) and
 * sweeps: the exposed credential stops working now. Only credentials the rotator recorded as
 * superseded by this version are touched, and the sweep never revokes the current one.
 */
async function revokeNow(
  deps: RotationDeps,
  secretArn: string,
  versionId: string,
): Promise<string[]> {
  const record = await deps.bindings.versionRecord(secretArn, versionId);
  if (!record) return [];
  const now = deps.clock.now().toISOString();
  const superseded = new Set(record.retireOnPromotion ?? []);
  const retiring = record.state.retiring.map((entry) =>
    superseded.has(entry.issuerCredentialId) ? { ...entry, retireAfter: now } : entry,
  );
  await deps.bindings.recordVersion(secretArn, { ...record, state: { ...record.state, retiring } });
  return (await sweepSecret(deps, secretArn)).revoked;
}
