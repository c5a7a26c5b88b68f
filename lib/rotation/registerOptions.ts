import { GatewardenError } from '../shared/errors.js';
import type { RotationRules } from './onDemandPorts.js';
import {
  issuerConfigSchema,
  type IssuerConfig,
  secretDocumentSchema,
  type SecretDocument,
} from './secretDocument.js';

/** Registration input that cannot work; the message names the flag and never a value. */
export class RegistrationError extends GatewardenError {}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3_600, d: 86_400 };

/** Parses `90s`, `30m`, `24h`, `7d` (or plain seconds) into seconds. */
export function parseDurationSeconds(text: string, flag: string): number {
  const match = /^\s*(\d+)\s*([smhd]?)\s*$/i.exec(text);
  if (!match?.[1])
    throw new RegistrationError(`${flag} must look like 90s, 30m, 24h or 7d, got "${text}"`, {
      usage: true,
    });
  return Number(match[1]) * (UNIT_SECONDS[(match[2] || 's').toLowerCase()] ?? 1);
}

/**
 * Secrets Manager rotation rules from `--schedule` and `--window`. `rate(N days)` becomes
 * `AutomaticallyAfterDays` (same meaning, understood everywhere); hours and `cron()` stay a
 * `ScheduleExpression`. The window is `Duration` in hours (1h–24h), shorter than the interval.
 */
export function rotationRules(schedule: string, window: string | undefined): RotationRules {
  const rules: RotationRules = {};
  const rate = /^rate\(\s*(\d+)\s+(day|days|hour|hours)\s*\)$/i.exec(schedule.trim());
  let intervalHours: number | undefined;
  if (rate?.[1] && rate[2]) {
    const n = Number(rate[1]);
    const days = rate[2].toLowerCase().startsWith('day');
    intervalHours = days ? n * 24 : n;
    if (days) {
      if (n < 1 || n > 1000)
        throw new RegistrationError('--schedule rate(N days) needs 1 ≤ N ≤ 1000', { usage: true });
      rules.automaticallyAfterDays = n;
    } else {
      if (n < 4)
        throw new RegistrationError('--schedule must not rotate more often than every 4 hours', {
          usage: true,
        });
      rules.scheduleExpression = schedule.trim();
    }
  } else if (/^cron\(.+\)$/i.test(schedule.trim())) {
    rules.scheduleExpression = schedule.trim();
  } else {
    throw new RegistrationError(
      `--schedule must be rate(N days), rate(N hours) or cron(...), got "${schedule}"`,
      { usage: true },
    );
  }
  if (window !== undefined) {
    const seconds = parseDurationSeconds(window, '--window');
    if (seconds % 3_600 !== 0 || seconds < 3_600 || seconds > 86_400) {
      throw new RegistrationError('--window must be whole hours between 1h and 24h', {
        usage: true,
      });
    }
    const hours = seconds / 3_600;
    if (intervalHours !== undefined && hours >= intervalHours) {
      throw new RegistrationError('--window must be shorter than the rotation interval', {
        usage: true,
      });
    }
    rules.duration = `${hours}h`;
  }
  return rules;
}

/** True when DescribeSecret's rules are the ones we asked for. */
export function rulesMatch(asked: RotationRules, got: RotationRules | undefined): boolean {
  if (!got) return false;
  if (
    asked.automaticallyAfterDays !== undefined &&
    got.automaticallyAfterDays !== asked.automaticallyAfterDays
  ) {
    return false;
  }
  if (asked.scheduleExpression !== undefined && got.scheduleExpression !== asked.scheduleExpression)
    return false;
  return true;
}

/**
 * Extracts a credential from a SecretString, never guessing where it is (issue 9 §2): under
 * `jsonKey` when one is known (the provider's `apiKeySecretJsonKey`/`clientSecretJsonKey`, or
 * the `#key` of `--current-secret ID#key`); else the whole string when it is not JSON, or the one
 * string field of a JSON object that has exactly one. Errors name the secret and keys, never a
 * value.
 */
export function extractValue(
  secretString: string,
  what: 'apiKey' | 'clientSecret',
  secretId: string,
  jsonKey?: string,
): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString);
  } catch {
    if (jsonKey)
      throw new RegistrationError(`secret ${secretId} is not JSON, so it has no key ${jsonKey}`);
    return secretString;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new RegistrationError(`secret ${secretId} does not hold a JSON object`);
  }
  const record = parsed as Record<string, unknown>;
  if (jsonKey) {
    const value = record[jsonKey];
    if (typeof value === 'string' && value.length > 0) return value;
    throw new RegistrationError(`secret ${secretId} has no ${what} under key ${jsonKey}`);
  }
  const strings = Object.keys(record).filter(
    (key) => typeof record[key] === 'string' && (record[key] as string).length > 0,
  );
  const [only] = strings;
  if (strings.length === 1 && only !== undefined) return record[only] as string;
  throw new RegistrationError(
    `secret ${secretId} holds ${strings.length} string fields (${strings.slice(0, 5).join(', ')}); ` +
      `name the one with the ${what} as ${secretId}#KEY`,
  );
}

/** Cognito's client id and Okta's app id default to the credential's client id. */
export function withClientDefaults(
  raw: Record<string, unknown>,
  clientId: string | undefined,
): Record<string, unknown> {
  if (!clientId) return raw;
  if (raw.type === 'cognito' && raw.clientId === undefined) return { ...raw, clientId };
  if (raw.type === 'okta' && raw.appId === undefined) return { ...raw, appId: clientId };
  return raw;
}

export function parseIssuer(raw: Record<string, unknown>): IssuerConfig {
  const parsed = issuerConfigSchema.safeParse(raw);
  if (!parsed.success) {
    throw new RegistrationError(
      `issuer options are incomplete: ${describeIssues(parsed.error.issues)}`,
      { usage: true },
    );
  }
  return parsed.data;
}

export function validateDocument(raw: Record<string, unknown>): SecretDocument {
  const parsed = secretDocumentSchema.safeParse(raw);
  if (!parsed.success) {
    throw new RegistrationError(
      `the secret document would be invalid: ${describeIssues(parsed.error.issues)}`,
    );
  }
  return parsed.data;
}

/** zod issues as `path: message`, which name fields and never echo values. */
export function describeIssues(
  issues: readonly { path: PropertyKey[]; message: string }[],
): string {
  return issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; ');
}
