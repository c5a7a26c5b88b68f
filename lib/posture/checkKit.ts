/** The vocabulary posture checks are written in: outcomes, findings, and the check shape. */
import type { Severity } from '../detection/types.js';
import type { GatewayPosture, PostureContext } from './types.js';

/** What one check found: findings (none = pass), or why it could not look. */
export type Outcome = { found: Found[] } | { skipped: string };
export interface Found {
  severity: Severity;
  /** Resources beyond the gateway's ARN (an interceptor, a target, a provider). */
  about?: string[];
  message: string;
}

export interface PostureCheck {
  id: string;
  title: string;
  remediation: string;
  run(gateway: GatewayPosture, context: PostureContext): Outcome;
}

export const pass: Outcome = { found: [] };
export const found = (...items: Found[]): Outcome => ({ found: items });

/** Skipped with the reason when `key`'s part of the configuration was not read. */
export const gap = (gateway: GatewayPosture, key: keyof GatewayPosture['gaps'], what: string) =>
  gateway.gaps[key] === undefined
    ? undefined
    : { skipped: `${what} not read (${gateway.gaps[key]})` };
