import { logger, safe } from '../shared/logger.js';
import type { Issuer, IssuerCredentialInfo } from './issuer.js';
import type { SecretDocument } from './secretDocument.js';

type Retiring = SecretDocument['retiring'][number];

/** Splits retiring credentials into those whose grace period passed and those still in it. */
export function partitionDue(
  retiring: readonly Retiring[],
  now: Date,
): { due: Retiring[]; kept: Retiring[] } {
  const due: Retiring[] = [];
  const kept: Retiring[] = [];
  for (const entry of retiring) {
    (Date.parse(entry.retireAfter) <= now.getTime() ? due : kept).push(entry);
  }
  return { due, kept };
}

/**
 * Revokes the given credential ids at the issuer, except any id still in use (`protectedIds`:
 * the current and pending credentials). Only ids the issuer still lists are revoked when a
 * listing is given, so a sweep that repeats costs nothing at the issuer.
 */
export async function revokeIds(
  issuer: Issuer,
  doc: SecretDocument,
  ids: readonly string[],
  protectedIds: ReadonlySet<string>,
  listed?: readonly IssuerCredentialInfo[],
): Promise<string[]> {
  const present = listed ? new Set(listed.map((item) => item.credentialId)) : undefined;
  const revoked: string[] = [];
  for (const id of new Set(ids)) {
    if (protectedIds.has(id)) continue;
    if (present && !present.has(id)) continue;
    await issuer.revoke(doc.issuer, doc, id);
    revoked.push(id);
    logger.info(
      'revoked retired credential',
      safe({ issuer: issuer.type, issuerCredentialId: id }),
    );
  }
  return revoked;
}

/** The ids a document keeps alive: its own credential. */
export function inUse(...docs: (SecretDocument | undefined)[]): Set<string> {
  return new Set(docs.flatMap((doc) => (doc?.issuerCredentialId ? [doc.issuerCredentialId] : [])));
}
