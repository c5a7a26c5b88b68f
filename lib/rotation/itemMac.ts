import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Integrity of what steers the rotator. A binding (pinned by `register`, the admin) and a ledger
 * record (written by the rotator) are MACed with two KMS HMAC keys: only the admin may create a
 * binding's MAC, only the rotator (and the admin) a ledger record's, so a principal that can
 * write the state table still cannot write an item the rotator accepts. Two keys, because
 * anyone who may create MACs with a key can forge every message under it.
 *
 * The MAC covers the item's kind, its partition and sort key and its whole body, canonicalised:
 * keys sorted, `undefined` members dropped (as JSON drops them), so a body stored with its fields
 * in another order verifies, and an item copied under another secret's key (or another version)
 * does not.
 */
export type ItemKind = 'binding' | 'ledger';

export interface ItemKey {
  pk: string;
  sk: string;
}

/** One MAC key: creates and checks MACs over a message (a KMS HMAC key, or an in-memory one). */
export interface ItemMac {
  generate(message: Uint8Array): Promise<string>;
  /** False for a MAC that does not match; throws when the check itself could not be made. */
  verify(message: Uint8Array, mac: string): Promise<boolean>;
}

/** The two keys of the state table's signed items. */
export interface ItemMacs {
  binding: ItemMac;
  ledger: ItemMac;
}

const DOMAIN = 'gatewarden-item-mac/v1';

/**
 * JSON with object keys sorted at every depth and `undefined` members dropped; arrays keep their
 * order (a list's order is data). Non-JSON values (functions, symbols) are dropped as JSON does.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonical(value));
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => canonical(item) ?? null);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const item = (value as Record<string, unknown>)[key];
    if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
    out[key] = canonical(item);
  }
  return out;
}

/**
 * The message a MAC is made over: a SHA-256 digest of the domain, the kind, the item's keys and
 * its canonical body (a digest, because KMS takes at most 4096 bytes and bodies grow).
 */
export function macMessage(kind: ItemKind, key: ItemKey, body: unknown): Uint8Array {
  const text = `${DOMAIN}\n${canonicalJson({ kind, pk: key.pk, sk: key.sk, body })}`;
  return createHash('sha256').update(text, 'utf8').digest();
}

/** HMAC-SHA-256 with a key held in memory: unit tests and the in-memory store. */
export class HmacItemMac implements ItemMac {
  constructor(private readonly key: Uint8Array) {}

  generate(message: Uint8Array): Promise<string> {
    return Promise.resolve(createHmac('sha256', this.key).update(message).digest('base64'));
  }

  verify(message: Uint8Array, mac: string): Promise<boolean> {
    const expected = createHmac('sha256', this.key).update(message).digest();
    const given = Buffer.from(mac, 'base64');
    return Promise.resolve(given.length === expected.length && timingSafeEqual(given, expected));
  }
}
