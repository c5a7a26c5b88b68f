import { GatewardenError } from './errors.js';

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

/** Shortest run of characters two values share that counts as one repeating the other. */
const REPEAT_RUN = 8;

/**
 * True when `text` — an error code, an id a remote system chose — repeats part of any of
 * `values` (credentials gatewarden sent or holds): a run of 8 characters (a shorter text cannot
 * carry enough of one to matter, and short codes such as `400` occur anywhere). A remote reply decides such text; a check here keeps it from carrying a credential into
 * a log, an alert or a tag under a name that passes for an identifier.
 */
export function repeatsAny(text: string, values: readonly string[]): boolean {
  for (let i = 0; i + REPEAT_RUN <= text.length; i++) {
    const part = text.slice(i, i + REPEAT_RUN);
    if (values.some((value) => value.includes(part))) return true;
  }
  return false;
}

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
  // fromEntries defines keys instead of assigning them: a `__proto__` key from untrusted JSON
  // stays an ordinary key instead of replacing the copy's prototype.
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [
      key,
      isSecretKey(key) && item !== null && item !== undefined && typeof item !== 'boolean'
        ? REDACTED
        : redact(item, seen),
    ]),
  ) as T;
}

/** The longest reason copied into an alert, a tag or a CLI line. */
export const MAX_REASON = 300;
/** How far down a cause chain {@link safeReason} looks. */
const MAX_DEPTH = 8;
const IDENTIFIER = /^[A-Za-z][\w.:-]{0,63}$/;
const SYSTEM_CODE = /^[A-Z][A-Z0-9_]{1,40}$/;

/**
 * Text already built for an alert, a tag or the CLI, made safe to copy: JWTs and bearer/basic
 * credentials masked, user info and query strings dropped from URLs, one line, at most
 * {@link MAX_REASON} characters. For errors use {@link safeReason}, which ends here.
 */
export function redactReason(text: string): string {
  const flat = redactText(text)
    .replace(/(\w+:\/\/)[^/\s@]*@/g, '$1') // user info in URLs
    .replace(/(\w+:\/\/[^\s?#]*)[?#]\S*/g, '$1?…') // query strings and fragments
    .replace(/\s+/g, ' ')
    .trim();
  return flat.length <= MAX_REASON ? flat : `${flat.slice(0, MAX_REASON - 1)}…`;
}

/**
 * The one way an error becomes text that leaves gatewarden — the `Rotation Failed` alert, the
 * rotation-failure tag, CLI output, a vendor error's cause. Only gatewarden's own errors speak
 * (their messages hold identifiers only); a foreign error — a JSON parser quoting the text it
 * choked on, an SDK echoing a value, a network error naming a URL with credentials — is reduced
 * to its class and system code (`TypeError ECONNREFUSED`). The innermost of our own messages
 * wins, with the foreign class below it, then {@link redactReason}.
 */
export function safeReason(error: unknown): string {
  const chain: unknown[] = [];
  for (let e: unknown = error; e !== undefined && chain.length < MAX_DEPTH; e = causeOf(e)) {
    chain.push(e);
    if (!(e instanceof Error)) break;
  }
  const innermost = chain.findLastIndex((e) => e instanceof GatewardenError);
  const foreign = chain.slice(innermost + 1);
  const label = foreign.length > 0 ? foreignLabel(foreign) : undefined;
  if (innermost < 0) return label ?? 'unknown error';
  const own = (chain[innermost] as GatewardenError).message;
  return redactReason(label ? `${own} (cause: ${label})` : own);
}

function causeOf(error: unknown): unknown {
  return error instanceof Error ? error.cause : undefined;
}

/**
 * The class to report beside a {@link safeReason}: an error's name when it looks like an
 * identifier (`IssuerError`, `ThrottlingException`), `Error` otherwise, and the type of a thrown
 * non-error — never text a thrower chose freely.
 */
export function errorClassOf(error: unknown): string {
  if (!(error instanceof Error)) return typeof error;
  return IDENTIFIER.test(error.name) ? error.name : 'Error';
}

/** A foreign error's class, plus the first system code below it; never its message. */
function foreignLabel(chain: readonly unknown[]): string {
  const cls = errorClassOf(chain[0]);
  const code = chain
    .map((e) => (e instanceof Error ? (e as { code?: unknown }).code : undefined))
    .find((c): c is string => typeof c === 'string' && SYSTEM_CODE.test(c));
  return code ? `${cls} ${code}` : cls;
}

/**
 * What a Lambda handler rethrows so the runtime's own log of the failure quotes nothing: our
 * errors as they are (identifier-only messages; the runtime does not print causes), a foreign
 * one replaced by an `Error` of the same name and AWS metadata whose message is
 * {@link safeReason}.
 */
export function withoutForeignText(error: unknown): Error {
  if (error instanceof GatewardenError) return error;
  const clean = new Error(safeReason(error));
  if (error instanceof Error) clean.name = errorClassOf(error);
  const metadata = (error as { $metadata?: unknown } | null)?.$metadata;
  return metadata === undefined ? clean : Object.assign(clean, { $metadata: metadata });
}
