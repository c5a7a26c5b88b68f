/**
 * What `gatewarden doctor` reports: one line per check, each passed, failed, or not verified
 * (the account would not tell us, e.g. IAM policy simulation refused), never guessed.
 */

/** `warn`: works, but something a report uses is missing (not a failure of the run). */
export type CheckStatus = 'pass' | 'fail' | 'warn' | 'unverified';

/** The areas a deployment must get right before its first rotation or finding. */
export type CheckArea = 'rights' | 'trail' | 'rules' | 'secrets' | 'posture' | 'organization';

export interface CheckResult {
  /** Stable id, e.g. `rights.rotate`, `rules.delivery`, `secret.rotation:<name>`. */
  id: string;
  area: CheckArea;
  status: CheckStatus;
  /** One line saying what was found; names the resource, never a secret value. */
  message: string;
  /** Further lines (the actions missing, the events not delivered, …). */
  details?: string[];
}

export interface DoctorReport {
  /** The principal whose rights were checked. */
  caller: string;
  stage: string;
  region?: string;
  checks: CheckResult[];
  summary: Record<CheckStatus, number>;
  /** True when no check failed (unverified ones are listed, not failures). */
  ok: boolean;
}
