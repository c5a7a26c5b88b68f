import { createHash } from 'node:crypto';

const UNSAFE = /[^A-Za-z0-9._~:@/+=|-]/g;

/**
 * An identifier from untrusted input (a JWT claim, a tool name a caller sent) made safe to
 * store as state and to show in an alert: characters outside a conservative set become `_`,
 * at most `max` characters are kept, and a value that had to be changed gets `~` and 8 hex
 * characters of its SHA-256, so two different values never read the same (`a b`, `a_b`).
 * Numbers are read as their decimal text; anything else is undefined.
 */
export function safeIdentifier(value: unknown, max = 64): string | undefined {
  const raw =
    typeof value === 'number' && Number.isFinite(value)
      ? String(value)
      : typeof value === 'string' && value.length > 0
        ? value
        : undefined;
  if (raw === undefined) return undefined;
  const clean = raw.slice(0, max).replace(UNSAFE, '_');
  if (clean === raw) return clean;
  const hash = createHash('sha256').update(raw).digest('hex').slice(0, 8);
  return `${clean.slice(0, Math.max(0, max - 9))}~${hash}`;
}
