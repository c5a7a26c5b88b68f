import { GatewardenError } from '../shared/errors.js';
import { errorClassOf } from '../shared/redact.js';

/** Base of every rotation error. `context` holds identifiers only (ARN, step, issuer type). */
export class RotationError extends GatewardenError {}

/** The rotation event does not match the secret (rotation disabled, unknown token, not pending). */
export class RotationPreconditionError extends RotationError {}

/** Another rotation of the same secret is in progress; this one is refused. */
export class RotationInProgressError extends RotationError {}

/**
 * A document differs from what `register` pinned or the rotator recorded (its writer tried to
 * steer the rotator). `context.fields` names the changed fields — never their values.
 */
export class BindingMismatchError extends RotationError {
  get fields(): string[] {
    const fields = this.context.fields;
    return typeof fields === 'string' && fields ? fields.split(',') : [];
  }
}

/**
 * A binding or ledger record in the state table failed its integrity check: not signed, or its
 * MAC does not match its keys and body (someone other than the admin or the rotator wrote it).
 * `context.fields` names the item kind (`binding`, `ledger`), never a value.
 */
export class ItemIntegrityError extends BindingMismatchError {
  get kind(): string {
    return String(this.context.kind ?? '');
  }
  /** The item carries no MAC at all (written before items were signed, or by hand). */
  get unsigned(): boolean {
    return this.context.unsigned === true;
  }
}

/** The secret document is missing or does not validate. */
export class SecretDocumentError extends RotationError {}

/** An issuer refused or failed an operation (mint, revoke, list). */
export class IssuerError extends RotationError {}

/** The issuer cannot hold another credential now (e.g. Cognito's two active secrets). */
export class IssuerCapacityError extends IssuerError {}

/** The new credential did not pass testSecret after the bounded retries. */
export class CredentialTestError extends RotationError {}

/**
 * finishSecret was asked to promote a version without testSecret's mark for it (a direct
 * invocation of the rotate function, or a mark for another secret or version): refused.
 */
export class UntestedVersionError extends RotationError {}

/** The AgentCore Identity provider could not be updated or read back. */
export class ProviderUpdateError extends RotationError {}

/** Names of errors worth retrying soon (throttling, 5xx, timeouts, propagation delay). */
const TRANSIENT =
  /^(Throttling|ThrottlingException|TooManyRequestsException|RequestLimitExceeded|ServiceUnavailable|InternalServerError|InternalFailure|TimeoutError|RequestTimeout|ECONNRESET|ECONNREFUSED|AbortError|TransientError)/;

/** True when an error is likely to go away on its own (used for bounded local retries). */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  if (status !== undefined && (status === 429 || status >= 500)) return true;
  return TRANSIENT.test(error.name);
}

/**
 * The error class name to report (never the message, which may quote foreign input; a name
 * that is not an identifier is reported as `Error`).
 */
export function errorClass(error: unknown): string {
  return errorClassOf(error);
}
