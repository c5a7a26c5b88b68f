/**
 * The one redaction helper. Anything that may reach a log, an alert, a report or an error
 * message passes through here first: values under secret-looking keys are replaced, and
 * strings that look like bearer tokens or JWTs are masked wherever they appear.
 */
const SECRET_KEY =
  /(secret|password|passwd|apikey|api_key|token|credential|authorization|private|clientsecret|signature|hmac)/i;
/** Keys that look secret but only ever carry identifiers or metadata. */
const SAFE_KEY =
  /^(secretid|secretarn|secretname|clientrequesttoken|rotationtoken|tokenendpoint|credentialprovidertype|credentialproviderarn|credentialid|secretsource|apikeysecretsource|clientsecretsource|apikeysecretarn|clientsecretarn|secretarnfield|tokenvaultid|issuercredentialid)$/i;
const JWT = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi;

export const REDACTED = '[REDACTED]';

/** True when a key name says its value is secret material. */
export function isSecretKey(key: string): boolean {
  const flat = key.replace(/[-_\s]/g, '');
  return SECRET_KEY.test(flat) && !SAFE_KEY.test(flat);
}

/** Masks JWTs and bearer/basic credentials inside free text. */
export function redactText(text: string): string {
  return text.replace(JWT, REDACTED).replace(BEARER, `$1 ${REDACTED}`);
}

/** Deep copy of `value` with secret material replaced by `[REDACTED]`. */
export function redact<T>(value: T, seen = new WeakSet<object>()): T {
  if (typeof value === 'string') return redactText(value) as T;
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[Circular]' as T;
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => redact(item, seen)) as T;
  if (value instanceof Error) {
    return { name: value.name, message: redactText(value.message) } as T;
  }
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] =
      isSecretKey(key) && item !== null && item !== undefined && typeof item !== 'boolean'
        ? REDACTED
        : redact(item, seen);
  }
  return out as T;
}
