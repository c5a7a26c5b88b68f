import { isDeepStrictEqual } from 'node:util';
import type { Destinations } from './destinations.js';
import { BindingMismatchError } from './errors.js';
import type { RotationRules } from './onDemandPorts.js';
import type { SecretDocument } from './secretDocument.js';

/**
 * The trust boundary of rotation. A secret's value is data, not configuration: anyone with
 * `secretsmanager:PutSecretValue` on it can rewrite the document. So what decides *where the
 * rotator acts and with what* is pinned by `gatewarden register` in a record the secret's writer
 * cannot change (the binding, in the state table), and what the rotator itself wrote into each
 * version (which credential ids it holds and retires) is recorded by the rotator (the ledger).
 * Every document is checked against both before any call to an issuer, probe or provider.
 */

/** Document fields that steer the rotator: issuer, URLs, admin secrets, provider, pools, test. */
export const STEERING_FIELDS = [
  'kind',
  'gatewayId',
  'targetId',
  'provider',
  'issuer',
  'test',
  'graceSeconds',
  'clientId',
] as const;
export type SteeringField = (typeof STEERING_FIELDS)[number];
export type DocumentSteering = Pick<SecretDocument, SteeringField>;
/**
 * What steers the rotator: the document's steering fields and, pinned beside them, where the
 * credential goes that the document does not say (the gateway authorizer, a MANAGED OAuth2
 * provider's vendor configuration: ./destinations.ts), read live by `register`.
 */
export type Steering = DocumentSteering & { destinations?: Destinations };

/** Fields only the rotator writes: which issuer credentials the version holds and retires. */
export const LEDGER_FIELDS = ['issuerCredentialId', 'retiring'] as const;
export type VersionState = Pick<SecretDocument, (typeof LEDGER_FIELDS)[number]>;

/** What `register` pinned for one secret. */
export interface Binding {
  secretArn: string;
  steering: Steering;
  /** 1 at registration, +1 for each `register update`. */
  revision: number;
  boundAt: string;
  /**
   * The rotation schedule registration set (absent in bindings older than it): `gatewarden
   * doctor` reports a live schedule that is longer, or rotation cancelled.
   */
  rotation?: RotationRules;
}

/** What the rotator (or register) wrote into one version of the secret. */
export interface VersionRecord {
  versionId: string;
  /** Authoritative: the document's copy is checked against it, and its retire times are used. */
  state: VersionState;
  /** Ids this version supersedes: their grace period starts when it becomes current. */
  retireOnPromotion?: string[];
  /**
   * A mint the rotator started for this version: when, and what the issuer held just before.
   * A credential that appears at the issuer after that (a mint whose reply was lost) is the
   * rotator's own; one that was there before is someone else's and is never revoked.
   */
  mint?: { startedAt: string; listedBefore: string[] };
  /** testSecret's verdict on this version; finishSecret promotes nothing without it. */
  tested?: TestMark;
  writtenBy: 'register' | 'rotator';
  writtenAt: string;
}

/**
 * What testSecret writes into a version's ledger record once that version passed its test
 * (`passed`), or once it ran for a registration pinned `--no-test` (`untestedByDesign`). It
 * names the secret and the version it is for, so a mark copied onto another record proves
 * nothing. It lives in the ledger, never in the secret or its tags: a secret writer or anyone
 * who can invoke the rotate function directly cannot write it.
 */
export interface TestMark {
  secretArn: string;
  versionId: string;
  result: 'passed' | 'untestedByDesign';
  at: string;
}

/**
 * Where bindings and version records live. The rotator may read bindings but never write
 * them (IAM: `dynamodb:LeadingKeys` in the rotate role); it writes version records.
 */
export interface BindingStore {
  binding(secretArn: string): Promise<Binding | undefined>;
  versionRecord(secretArn: string, versionId: string): Promise<VersionRecord | undefined>;
  /** Idempotent for the same record; a different state for a recorded version overwrites. */
  recordVersion(secretArn: string, record: VersionRecord): Promise<void>;
  /** Every version record of the secret (what the rotator ever minted for it). */
  versionRecords(secretArn: string): Promise<VersionRecord[]>;
}

/** What only `register` may do. */
export interface BindingWriter extends BindingStore {
  putBinding(binding: Binding): Promise<void>;
  /** The secrets (names) registered on one issuer client, by {@link issuerClientKey}. */
  issuerClaims(key: string): Promise<string[]>;
  putIssuerClaims(key: string, secretNames: string[]): Promise<void>;
  /**
   * Versions of the secret whose ledger records fail their integrity check (unsigned, from
   * before records were signed, or forged): what `register update` drops as it re-pins.
   */
  unverifiedVersionRecords(secretArn: string): Promise<string[]>;
  dropVersionRecord(secretArn: string, versionId: string): Promise<void>;
}

/**
 * Identifies the client at its issuer whose credentials a registration mints and revokes, so
 * two registrations on one client are refused (they would rotate each other's credentials
 * away) unless explicitly shared. Per-key issuers (generated, webhook) have none.
 */
export function issuerClientKey(doc: SecretDocument): string | undefined {
  const issuer = doc.issuer;
  switch (issuer.type) {
    case 'cognito':
      return `cognito|${issuer.region ?? ''}|${issuer.userPoolId}|${issuer.clientId}`;
    case 'okta':
      return `okta|${issuer.orgUrl}|${issuer.appId}`;
    case 'entra':
      return `entra|${issuer.tenantId}|${issuer.applicationObjectId}`;
    case 'auth0':
      return `auth0|${issuer.domainUrl}|${doc.clientId ?? ''}`;
    case 'rfc7592':
      return `rfc7592|${issuer.registrationClientUri}`;
    default:
      return undefined;
  }
}

export function steeringOf(doc: SecretDocument): DocumentSteering {
  return pick(doc, STEERING_FIELDS) as DocumentSteering;
}

/** The part of a binding's steering a document is compared with (not the live destinations). */
export function documentSteering(steering: Steering): DocumentSteering {
  const { destinations: _live, ...fromDocument } = steering;
  return fromDocument;
}

export function stateOf(doc: SecretDocument): VersionState {
  return { issuerCredentialId: doc.issuerCredentialId, retiring: doc.retiring };
}

/**
 * Leaf paths where two JSON-like values differ (`test.probe.url`, `issuer.orgUrl`, `retiring`).
 * Arrays compare whole: a changed list is one field. Names only — never values.
 */
export function changedPaths(expected: unknown, actual: unknown, prefix = ''): string[] {
  if (isDeepStrictEqual(normalise(expected), normalise(actual))) return [];
  if (isPlainObject(expected) && isPlainObject(actual)) {
    const keys = [...new Set([...Object.keys(expected), ...Object.keys(actual)])].sort();
    return keys.flatMap((key) =>
      changedPaths(expected[key], actual[key], prefix ? `${prefix}.${key}` : key),
    );
  }
  return [prefix || '(root)'];
}

/**
 * Checks a document read from one version against the binding and the ledger. Throws
 * {@link BindingMismatchError} naming every changed field; returns the document unchanged.
 * A version nobody recorded (written outside gatewarden) is refused even when its fields look
 * right: only `register update` can accept an out-of-band write. Its rotator-owned fields are
 * then compared with `baselineVersionId`'s record (the version it displaced) to name them.
 */
export async function checkDocument(
  bindings: BindingStore,
  where: { secretArn: string; versionId: string; stage: string },
  doc: SecretDocument,
  baselineVersionId?: string,
): Promise<SecretDocument> {
  const binding = await bindings.binding(where.secretArn);
  if (!binding) {
    throw new BindingMismatchError(
      'the secret has no registration binding: run `gatewarden register update` to pin it',
      { context: { ...where, fields: '' } },
    );
  }
  const steering = changedPaths(documentSteering(binding.steering), steeringOf(doc));
  const record = await bindings.versionRecord(where.secretArn, where.versionId);
  const baseline =
    record ??
    (baselineVersionId
      ? await bindings.versionRecord(where.secretArn, baselineVersionId)
      : undefined);
  const ledger = baseline ? changedPaths(ledgerView(baseline.state), ledgerView(stateOf(doc))) : [];
  const fields = [...steering, ...ledger];
  if (fields.length > 0 || !record) {
    const what =
      fields.length > 0
        ? `${record ? 'changed' : 'was written outside gatewarden and changed'} since registration: ${fields.join(', ')}`
        : 'was not written by gatewarden (register or the rotator)';
    throw new BindingMismatchError(`the ${where.stage} document ${what}`, {
      context: { ...where, fields: fields.join(','), recorded: record !== undefined },
    });
  }
  // Retire times are the ledger's: finishSecret restarts the grace clock at promotion.
  return { ...doc, retiring: record.state.retiring };
}

/** Which credentials a version holds and retires; retire times may move (see finishSecret). */
function ledgerView(state: VersionState): unknown {
  return {
    issuerCredentialId: state.issuerCredentialId,
    retiring: state.retiring.map((entry) => entry.issuerCredentialId),
  };
}

/** Drops `undefined` members so `{a: undefined}` equals `{}` (JSON round trips lose them). */
function normalise(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalise);
  if (!isPlainObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .map(([key, item]) => [key, normalise(item)]),
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function pick<T extends object, K extends keyof T>(value: T, keys: readonly K[]): Pick<T, K> {
  const out = {} as Pick<T, K>;
  for (const key of keys) if (value[key] !== undefined) out[key] = value[key];
  return out;
}
