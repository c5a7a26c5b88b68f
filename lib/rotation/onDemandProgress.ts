import type { Progress, RotationResult } from './onDemand.js';
import { redactReason } from '../shared/redact.js';
import { forTerminal } from '../shared/terminal.js';
import { secretNameOf } from './alerts.js';

export interface ProgressStream {
  write(text: string): boolean | void;
  isTTY?: boolean;
  columns?: number;
}

/**
 * A one-line progress display for batches on a terminal (stderr): counts, the last secret and
 * its step, redrawn in place. Off when the stream is not a TTY or for a single secret.
 */
export function terminalProgress(stream: ProgressStream, total: number): Progress | undefined {
  if (!stream.isTTY || total < 2) return undefined;
  let done = 0;
  let failed = 0;
  const draw = (secretArn: string, state: string): void => {
    const line = forTerminal(
      `[${done}/${total}] ${failed ? `${failed} failed · ` : ''}${secretNameOf(secretArn)}: ${state}`,
    );
    const width = Math.max(20, (stream.columns ?? 100) - 1);
    stream.write(`\r\x1b[2K${line.length > width ? `${line.slice(0, width - 1)}…` : line}`);
  };
  return {
    update: (secretArn, state) => draw(secretArn, state),
    done(result: RotationResult) {
      done += 1;
      if (result.outcome === 'failed') failed += 1;
      draw(result.secretArn, result.outcome);
      if (done === total) stream.write('\r\x1b[2K');
    },
  };
}

/** One human line per result; a reason read back from a tag is redacted again. */
export function describeResult(result: RotationResult): string {
  const ms = `${result.ms} ms`;
  switch (result.outcome) {
    case 'succeeded':
      return `✓ ${result.secretArn} rotated: AWSCURRENT is version ${result.versionId ?? '?'}${
        result.previousVersionId ? ` (was ${result.previousVersionId})` : ''
      }${result.tested === false ? ' — UNTESTED (no probe)' : ''} [${ms}]`;
    case 'started':
      return `→ ${result.secretArn} rotation started (version ${result.versionId ?? '?'}) [${ms}]`;
    default:
      return `✗ ${result.secretArn} failed in ${result.step ?? 'unknown step'} (${result.errorClass ?? 'Error'})${
        result.reason ? `: ${redactReason(result.reason)}` : ''
      } [${ms}]`;
  }
}

/** Counts per outcome. */
export function summarise(
  results: readonly RotationResult[],
): Record<'succeeded' | 'started' | 'failed', number> {
  return {
    succeeded: results.filter((r) => r.outcome === 'succeeded').length,
    started: results.filter((r) => r.outcome === 'started').length,
    failed: results.filter((r) => r.outcome === 'failed').length,
  };
}
