import type { Alert } from '../alerts/alert.js';
import { redactReason } from '../shared/redact.js';

/**
 * Rotation alerts and the rotation-failure record.
 *
 * Everything here is built from identifiers only (secret ARN, gateway id, step, error class).
 * A free-text reason is accepted because operators need the "why": callers build it with
 * `safeReason` (lib/shared/redact.ts) from the error, and it is redacted and clipped here again.
 */

export const ROTATION_FAILED = 'Rotation Failed';
export const ROTATION_SUCCEEDED = 'Rotation Succeeded';

/** The rotation steps as Secrets Manager names them, plus the driver's own phases. */
export type RotationStepName =
  'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret' | 'preamble' | 'sweep' | 'start';

export interface RotationFailure {
  secretArn: string;
  gatewayId?: string;
  /** Credential kind (`apiKey`, `oauthClient`, `inboundClient`) when known. */
  kind?: string;
  step: RotationStepName | string;
  /** The error's class or AWS error code, e.g. `ThrottlingException`, `IssuerError`. */
  errorClass: string;
  /** Short human reason, identifiers only; redacted and clipped here again. */
  reason?: string;
  /** The ClientRequestToken (version id) of the failed rotation; an identifier, not a value. */
  versionId?: string;
  /** ISO time the failure happened; defaults to now. */
  at?: string;
}

export interface RotationSuccess {
  secretArn: string;
  gatewayId?: string;
  kind?: string;
  /** New AWSCURRENT version id. */
  versionId: string;
  /** Previous AWSCURRENT version id (now AWSPREVIOUS). */
  previousVersionId?: string;
  /** When the previous credential will be revoked at its issuer. */
  retireAfter?: string;
  /** False when nothing proved the new credential before it became current. */
  tested?: boolean;
  at?: string;
}

/** Secret name from an ARN (`…:secret:NAME-AbCdEf` → `NAME`), for short subjects. */
export function secretNameOf(secretArnOrName: string): string {
  const match = /:secret:(.+)-[A-Za-z0-9]{6}$/.exec(secretArnOrName);
  return match?.[1] ?? secretArnOrName;
}

/** The alert for a failed rotation step: high severity, to SNS and the gatewarden bus. */
export function rotationFailedAlert(failure: RotationFailure): Alert {
  const at = failure.at ?? new Date().toISOString();
  const reason = failure.reason === undefined ? undefined : redactReason(failure.reason);
  const name = secretNameOf(failure.secretArn);
  const detail: Record<string, unknown> = {
    schemaVersion: 1,
    secretArn: failure.secretArn,
    gatewayId: failure.gatewayId ?? null,
    kind: failure.kind ?? null,
    step: failure.step,
    errorClass: failure.errorClass,
    reason: reason ?? null,
    versionId: failure.versionId ?? null,
    at,
  };
  const body = [
    `Rotation of ${failure.secretArn} failed in step ${failure.step} (${failure.errorClass}).`,
    failure.gatewayId ? `Gateway: ${failure.gatewayId}` : undefined,
    reason ? `Reason: ${reason}` : undefined,
    'AWSCURRENT still holds the previous, working credential; Secrets Manager retries the step',
    'within the rotation window. Run `gatewarden rotate --secret <arn> --wait` after fixing the cause.',
  ]
    .filter((line): line is string => line !== undefined)
    .join('\n');
  return {
    detailType: ROTATION_FAILED,
    severity: 'high',
    subject: `gatewarden: rotation failed for ${name} (${failure.step})`,
    body,
    detail,
    attributes: {
      step: failure.step,
      errorClass: failure.errorClass,
      ...(failure.gatewayId ? { gatewayId: failure.gatewayId } : {}),
    },
  };
}

/** The event for a rotation that landed: informational, mainly for the bus. */
export function rotationSucceededAlert(success: RotationSuccess): Alert {
  const at = success.at ?? new Date().toISOString();
  const name = secretNameOf(success.secretArn);
  return {
    detailType: ROTATION_SUCCEEDED,
    severity: 'info',
    subject: `gatewarden: rotated ${name}`,
    body: [
      `Rotation of ${success.secretArn} succeeded; AWSCURRENT is now version ${success.versionId}.`,
      success.gatewayId ? `Gateway: ${success.gatewayId}` : undefined,
      success.retireAfter
        ? `The previous credential is retired at its issuer after ${success.retireAfter}.`
        : undefined,
      success.tested === false
        ? 'The new credential was NOT tested (no probe): register update with a probe URL.'
        : undefined,
    ]
      .filter((line): line is string => line !== undefined)
      .join('\n'),
    detail: {
      schemaVersion: 1,
      secretArn: success.secretArn,
      gatewayId: success.gatewayId ?? null,
      kind: success.kind ?? null,
      versionId: success.versionId,
      previousVersionId: success.previousVersionId ?? null,
      retireAfter: success.retireAfter ?? null,
      tested: success.tested ?? null,
      at,
    },
    ...(success.gatewayId ? { attributes: { gatewayId: success.gatewayId } } : {}),
  };
}

/**
 * Where the last rotation failure is recorded on the secret itself, so `rotate --wait`
 * (and people in the console) can say which step failed and why: a tag on the secret.
 * The rotate handler sets it on failure and removes it on success.
 */
export const ROTATION_FAILURE_TAG = 'gatewarden:last-rotation-error';

/** Tag values allow letters, digits, spaces and `_ . : / = + - @` and at most 256 chars. */
function tagSafe(text: string): string {
  return text
    .replace(/[^\p{L}\p{N}\s_.:/=+\-@]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Encodes a failure as a tag value: `<at> <step> <errorClass> <versionId|-> <reason>`. */
export function encodeRotationFailureTag(failure: RotationFailure): string {
  const at = failure.at ?? new Date().toISOString();
  const head = [at, failure.step, failure.errorClass, failure.versionId ?? '-']
    .map((part) => tagSafe(part).replace(/\s/g, '_') || '-')
    .join(' ');
  const reason = tagSafe(redactReason(failure.reason ?? ''));
  return `${head} ${reason}`.trim().slice(0, 256);
}

/** Decodes a tag written by {@link encodeRotationFailureTag}; undefined when malformed. */
export function decodeRotationFailureTag(
  secretArn: string,
  value: string,
): RotationFailure | undefined {
  const [at, step, errorClass, versionId, ...rest] = value.split(' ');
  if (!at || !step || !errorClass || Number.isNaN(Date.parse(at))) return undefined;
  const reason = rest.join(' ');
  return {
    secretArn,
    at,
    step,
    errorClass,
    ...(versionId && versionId !== '-' ? { versionId } : {}),
    ...(reason ? { reason } : {}),
  };
}

/**
 * The step the rotate function is running, written when it starts a step (issue 9 §7). A Lambda
 * timeout or crash kills the function before it can report anything; `rotate --wait` sees this
 * tag still naming the step after the invocation's deadline and says the function stopped.
 * Value: `<versionId> <step> <deadline ISO>`; removed when the rotation finishes.
 */
export const ROTATION_STEP_TAG = 'gatewarden:rotation-step';

export interface StepInFlight {
  versionId: string;
  step: string;
  /** When the invocation running the step is killed by the function timeout (epoch ms). */
  deadline: number;
}

export function encodeStepInFlight(step: StepInFlight): string {
  return [step.versionId, step.step, new Date(step.deadline).toISOString()]
    .map((part) => tagSafe(part).replace(/\s/g, '_') || '-')
    .join(' ')
    .slice(0, 256);
}

/** Undefined when malformed (anyone allowed to tag the secret can write it). */
export function decodeStepInFlight(value: string): StepInFlight | undefined {
  const [versionId, step, deadline, ...rest] = value.split(' ');
  const at = Date.parse(deadline ?? '');
  if (!versionId || !step || Number.isNaN(at) || rest.length > 0) return undefined;
  return { versionId, step, deadline: at };
}
