import { createHash } from 'node:crypto';
import { redactText } from '../shared/redact.js';
import {
  type BindingWriter,
  changedPaths,
  stateOf,
  steeringOf,
  type Steering,
  type VersionState,
} from './binding.js';
import { type DestinationReaders, pinDestinations } from './liveDestinations.js';
import type { RotationControl } from './onDemandPorts.js';
import { STAGE, versionWithStage } from './ports.js';
import { ItemIntegrityError } from './errors.js';
import { RegistrationError, validateDocument } from './registerOptions.js';

/** One field the update would pin anew, with its pinned and its new value (never a credential). */
export interface BindingChange {
  field: string;
  before?: string;
  after?: string;
}

export interface RebindResult {
  secretArn: string;
  versionId: string;
  /** Revision pinned now (when applied) or that would be. */
  revision: number;
  changes: BindingChange[];
  applied: boolean;
  /**
   * SHA-256 over exactly what `--yes` would pin: the secret, the version, the revision it would
   * become, every steering field and the ledger state (see {@link reviewHashOf}). The review
   * prints it; applying requires it, so what is pinned is what the operator saw.
   */
  reviewHash: string;
  /**
   * Items that failed their integrity check (unsigned from before signing, or forged): `binding`,
   * `ledger <version id>`. The binding and the current version's record are re-pinned and signed;
   * other such ledger records are dropped (their credentials are then never revoked as orphans).
   */
  unverified: string[];
}

/** What `register update` is asked to do: show the changes, or pin the reviewed document. */
export type RebindInput =
  | { secretId: string; apply: false }
  | {
      secretId: string;
      apply: true;
      /** The review's {@link RebindResult.reviewHash}. */ expect: string;
    };

/** The document changed between the review and `--yes`: review again. */
export class ReviewMismatchError extends RegistrationError {}

/**
 * `gatewarden register update`: the path for a legitimate change of what steers the rotator
 * (a new probe URL, another admin secret, a break-glass value written by the admin role, a
 * gateway authorizer or OAuth2 provider the admin repointed). It reads the secret's AWSCURRENT
 * document with the caller's (admin's) rights and the live destinations beside it (GetGateway
 * and the discovery document, GetOauth2CredentialProvider: ./destinations.ts), shows every
 * field that differs from the binding — with its old and new values, which are URLs, ids and
 * names, never credentials — and, with `apply`, pins them as the next revision and records the
 * version in the ledger. Also pins secrets registered before bindings or destinations.
 */
export async function rebindCredential(
  deps: { control: RotationControl; bindings: BindingWriter; destinations?: DestinationReaders },
  input: RebindInput,
): Promise<RebindResult> {
  const status = await deps.control.describe(input.secretId);
  const versionId = versionWithStage(status, STAGE.current);
  if (!versionId) {
    throw new RegistrationError(`secret ${status.arn} has no AWSCURRENT version`);
  }
  if (!status.rotationEnabled) {
    throw new RegistrationError(
      `secret ${status.arn} has no rotation: register it with \`gatewarden register\` first`,
    );
  }
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(await deps.control.getValue(status.arn, { versionId, stage: 'AWSCURRENT' }));
  } catch {
    throw new RegistrationError(`secret ${status.arn} does not hold a gatewarden document`);
  }
  const doc = validateDocument(json);
  // A version written outside gatewarden is compared with the one it displaced.
  const previous = versionWithStage(status, STAGE.previous);
  // Unsigned or forged items are shown as absent: every field is compared with nothing.
  const [binding, exact, displaced, ledger] = await Promise.all([
    unlessUnverified(deps.bindings.binding(status.arn)),
    unlessUnverified(deps.bindings.versionRecord(status.arn, versionId)),
    previous ? unlessUnverified(deps.bindings.versionRecord(status.arn, previous)) : undefined,
    deps.bindings.unverifiedVersionRecords(status.arn),
  ]);
  const unverified = [
    ...(binding === UNVERIFIED ? ['binding'] : []),
    ...ledger.map((id) => `ledger ${id}`),
  ];
  const pinned = binding === UNVERIFIED ? undefined : binding;
  const record = verifiedOr(exact) ?? verifiedOr(displaced);
  const steering: Steering = {
    ...steeringOf(doc),
    ...(await pinDestinations(deps.destinations, doc)),
  };
  const state = stateOf(doc);
  const changes = [
    ...describe(pinned?.steering, steering),
    ...changedPaths(record?.state ?? {}, state).map((field) => ({
      field,
      ...display(record?.state, state, field),
    })),
  ];
  const revision = (pinned?.revision ?? 0) + 1;
  const reviewHash = reviewHashOf({
    secretArn: status.arn,
    versionId,
    revision,
    steering,
    state,
    unverified,
  });
  const result = { secretArn: status.arn, versionId, revision, changes, reviewHash, unverified };
  const unchanged = pinned !== undefined && verifiedOr(exact) !== undefined && changes.length === 0;
  if (unchanged && unverified.length === 0)
    return { ...result, revision: pinned.revision, applied: false };
  if (!input.apply) return { ...result, applied: false };
  // Another version, another value in any pinned field, or another pin since the review: the
  // operator did not see this document. Only the hash is compared; nothing is shown again here.
  if (input.expect !== reviewHash) {
    throw new ReviewMismatchError(
      `secret ${status.arn} changed since the review (its hash is not the one given with --expect): nothing pinned; review again`,
      { context: { secretArn: status.arn, versionId } },
    );
  }
  const now = new Date().toISOString();
  await deps.bindings.putBinding({
    secretArn: status.arn,
    steering,
    revision,
    boundAt: now,
    // The schedule stays what registration set; `register update` pins steering only.
    ...(pinned?.rotation ? { rotation: pinned.rotation } : {}),
  });
  await deps.bindings.recordVersion(status.arn, {
    versionId,
    state,
    writtenBy: 'register',
    writtenAt: now,
  });
  for (const id of ledger) {
    if (id !== versionId) await deps.bindings.dropVersionRecord(status.arn, id);
  }
  return { ...result, applied: true };
}

/**
 * The hash `register update` prints and `--yes --expect` must repeat: SHA-256 (hex) of the
 * canonical JSON (keys sorted, undefined dropped) of what would be pinned.
 */
export function reviewHashOf(pinned: {
  secretArn: string;
  versionId: string;
  revision: number;
  steering: Steering;
  state: VersionState;
  /** Items that failed their integrity check: what applying drops and signs anew. */
  unverified: string[];
}): string {
  return createHash('sha256').update(canonicalJson(pinned)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value))
    return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const UNVERIFIED = Symbol('unverified');

/** The item, or {@link UNVERIFIED} when it failed its integrity check. */
async function unlessUnverified<T>(read: Promise<T>): Promise<T | typeof UNVERIFIED> {
  try {
    return await read;
  } catch (error) {
    if (error instanceof ItemIntegrityError) return UNVERIFIED;
    throw error;
  }
}

function verifiedOr<T>(value: T | typeof UNVERIFIED | undefined): T | undefined {
  return value === UNVERIFIED ? undefined : value;
}

function describe(before: Steering | undefined, after: Steering): BindingChange[] {
  return changedPaths(before ?? {}, after)
    .flatMap((field) => expand(at(before, field), at(after, field), field))
    .map((field) => ({ field, ...display(before, after, field) }));
}

/** A section pinned for the first time (`destinations`) is shown field by field. */
function expand(before: unknown, after: unknown, field: string): string[] {
  if (before !== undefined || !after || typeof after !== 'object' || Array.isArray(after))
    return [field];
  return Object.entries(after).flatMap(([key, value]) =>
    expand(undefined, value, `${field}.${key}`),
  );
}

function display(
  before: Steering | VersionState | undefined,
  after: Steering | VersionState,
  field: string,
): { before?: string; after?: string } {
  const old = shown(at(before, field));
  const now = shown(at(after, field));
  return {
    ...(old !== undefined ? { before: old } : {}),
    ...(now !== undefined ? { after: now } : {}),
  };
}

function at(value: unknown, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>(
      (node, key) =>
        node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined,
      value,
    );
}

/**
 * Steering values are URLs, ids and names; URL queries and user info are cut all the same.
 * A URL whose text does not start with the host it reaches is shown as the WHATWG parser
 * (fetch's) reads it: cutting text that only looks like user info
 * (`https://attacker.example\\@api.example/`, whose host is attacker.example) would show the
 * operator a host the request never goes to.
 */
function shown(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const parsed = asParsedUrls(value);
  const text = typeof parsed === 'string' ? parsed : JSON.stringify(parsed);
  const cut = text.replace(/(https?:\/\/)[^/@\s"]*@/g, '$1').replace(/\?[^"\s]*/g, '?…');
  if (cut.length <= 200) return redactText(cut);
  // A URL keeps its whole scheme and host: a cut host hides the domain it ends in.
  const origin = typeof parsed === 'string' ? originOf(parsed) : undefined;
  const keep =
    origin !== undefined && cut.startsWith(origin) ? Math.max(origin.length + 1, 199) : 199;
  return redactText(`${cut.slice(0, keep)}…`);
}

function originOf(text: string): string | undefined {
  try {
    const url = new URL(text);
    return /^https?:$/.test(url.protocol) ? `${url.protocol}//${url.host}` : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Every http(s) URL string in `value` that does not start with the scheme and host a request
 * goes to, rewritten as scheme, host and path (query and fragment cut); one that does is kept
 * as written, so every character of it is shown (escaped for the terminal by the caller).
 */
function asParsedUrls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(asParsedUrls);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, asParsedUrls(v)]),
    );
  }
  if (typeof value !== 'string') return value;
  let url: URL;
  try {
    // Any string: the parser drops leading controls and spaces before the scheme.
    url = new URL(value);
  } catch {
    return value;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return value;
  const origin = `${url.protocol}//${url.host}`;
  if (value.startsWith(origin) && /^(?:[/?#]|$)/.test(value.slice(origin.length))) return value;
  const rest = url.search ? '?…' : url.hash ? '#…' : '';
  return `${origin}${url.pathname}${rest}`;
}
