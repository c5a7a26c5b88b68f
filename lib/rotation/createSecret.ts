import { logger, safe } from '../shared/logger.js';
import { repeatsAny } from '../shared/redact.js';
import { stateOf, type VersionRecord } from './binding.js';
import { parseDocument, serializeDocument } from './document.js';
import type { StepContext, StepOutcome } from './engine.js';
import { BindingMismatchError, errorClass, IssuerCapacityError, IssuerError } from './errors.js';
import type { IssuedCredential, IssuerCredentialInfo } from './issuer.js';
import { STAGE } from './ports.js';
import { inUse, partitionDue, revokeIds } from './retire.js';
import { keepsOwnCopy, pushCredential } from './providerCopy.js';
import type { SecretDocument } from './secretDocument.js';
import { checkDestinations } from './liveDestinations.js';
import { readTrusted } from './trusted.js';

/**
 * createSecret: mint a new credential and store it as AWSPENDING under the token.
 *
 * Order matters for safety and idempotency:
 * 1. a pending value under this token already exists → done (a retry never mints twice);
 * 2. retiring credentials whose grace passed are revoked (the current one was proven when it
 *    became current, so this never revokes ahead of a tested replacement);
 * 3. a stale AWSPENDING on another version (a crashed run) is cleared; its credential is adopted
 *    when the issuer still holds it (no new mint: Cognito-style issuers hold only two), else
 *    retired after this rotation lands;
 * 4. credentials minted by a crashed attempt of this rotation are found with `list` and revoked;
 * 5. mint, record the new version's credential ids in the ledger, then PutSecretValue (with
 *    RotationToken when present).
 *
 * The current document is checked against the binding before anything else (./trusted.ts): a
 * rewritten document fails here, before any call to an issuer.
 */
export async function createSecret(ctx: StepContext): Promise<StepOutcome> {
  const { deps, input, meta } = ctx;
  const { store, clock } = deps;
  const secretId = input.secretId;
  const where = { secretArn: meta.arn, versionId: input.token };

  const existing = await store.getValue(secretId, { versionId: input.token, stage: STAGE.pending });
  if (existing !== undefined) {
    parseDocument(existing, where);
    logger.info('pending version already stored', safe(where));
    return 'alreadyDone';
  }

  const current = await readTrusted(deps, meta, {
    versionId: ctx.currentVersionId,
    stage: STAGE.current,
  });
  // The live authorizer or provider configuration must still be the pinned one: a repointed
  // one fails here, before any issuer, provider or endpoint is called.
  const { pinned } = await checkDestinations(deps, meta.arn, current);
  const issuer = deps.issuers.get(current.issuer.type);
  const now = clock.now();

  const { docs: stale, cleared } = await clearStalePending(ctx, current);
  if (cleared && keepsOwnCopy(current)) {
    // A crashed rotation may have left its untested credential in the provider.
    await pushCredential(deps, current, pinned, where);
    logger.warn('restored the provider to AWSCURRENT after a crashed rotation', safe(where));
  }
  const { due, kept } = partitionDue(current.retiring, now);
  const listed = await issuer.list(current.issuer, current);
  const adopted = stale.find(
    (doc) =>
      doc.issuerCredentialId && listed.some((item) => item.credentialId === doc.issuerCredentialId),
  );
  const abandoned = stale
    .filter((doc) => doc !== adopted)
    .flatMap((doc) => (doc.issuerCredentialId ? [doc.issuerCredentialId] : []));
  const staleIds = new Set(
    stale.flatMap((doc) => (doc.issuerCredentialId ? [doc.issuerCredentialId] : [])),
  );
  const currentId = await resolveCurrentId(
    ctx,
    current,
    listed.filter((item) => !staleIds.has(item.credentialId)),
  );
  const protectedIds = new Set([...inUse(current), ...(currentId ? [currentId] : [])]);
  const revokedDue = await revokeIds(
    issuer,
    current,
    due.map((entry) => entry.issuerCredentialId),
    protectedIds,
    listed,
  );

  const known = new Set([
    ...protectedIds,
    ...kept.map((entry) => entry.issuerCredentialId),
    ...due.map((entry) => entry.issuerCredentialId),
    ...abandoned,
    ...(adopted?.issuerCredentialId ? [adopted.issuerCredentialId] : []),
  ]);
  const orphans = await findOrphans(ctx, listed, known);
  if (orphans.length > 0 && !cleared && keepsOwnCopy(current)) {
    // An orphan may be the credential of an abandoned rotation whose restore could not be read
    // back: the provider is put back on AWSCURRENT before anything is revoked.
    await pushCredential(deps, current, pinned, where);
  }
  const revokedOrphans = await revokeIds(issuer, current, orphans, protectedIds, listed);
  if (revokedOrphans.length > 0) {
    logger.warn(
      'revoked credentials left by a crashed attempt',
      safe({ ...where, count: revokedOrphans.length }),
    );
  }

  const gone = new Set([...revokedDue, ...revokedOrphans]);
  const active = listed.filter((item) => !gone.has(item.credentialId));
  if (
    !adopted &&
    issuer.supportsOverlap &&
    issuer.maxActive !== undefined &&
    active.length >= issuer.maxActive
  ) {
    throw new IssuerCapacityError(
      'issuer already holds its maximum of active credentials (a retiring one is still in its grace period)',
      {
        context: {
          ...where,
          issuer: issuer.type,
          active: active.length,
          maxActive: issuer.maxActive,
        },
      },
    );
  }

  // Recorded before the mint, so a credential whose reply is lost is known to be ours; a retry
  // of this step keeps the first attempt's listing (its lost credential is in today's).
  const mint = adopted
    ? undefined
    : ((await deps.bindings.versionRecord(meta.arn, input.token))?.mint ?? {
        startedAt: now.toISOString(),
        listedBefore: listed.map((item) => item.credentialId),
      });
  if (mint) {
    await deps.bindings.recordVersion(meta.arn, {
      versionId: input.token,
      state: { issuerCredentialId: undefined, retiring: [] },
      writtenBy: 'rotator',
      writtenAt: now.toISOString(),
      mint,
    });
  }
  const minted = adopted
    ? credentialOf(adopted)
    : await issuer.mint(current.issuer, current, input.token);
  const values = [minted.apiKey, minted.clientSecret].filter((v): v is string => !!v);
  if (repeatsAny(minted.credentialId, values)) {
    // The id is logged and kept as safe; one made of the value would carry it there. The
    // credential stays known as this version's mint (recorded above), like one whose reply
    // was lost, and is cleaned up as such.
    throw new IssuerError(
      `issuer ${issuer.type} named the new credential with part of its value: refused, nothing stored`,
      { context: { ...where, issuer: issuer.type } },
    );
  }
  if (adopted)
    logger.warn(
      'adopted the credential of a stale AWSPENDING',
      safe({ ...where, issuerCredentialId: minted.credentialId }),
    );
  const retireAfter = new Date(now.getTime() + current.graceSeconds * 1000).toISOString();
  const superseded = [
    ...(issuer.supportsOverlap && currentId ? [currentId] : []),
    ...abandoned,
  ].filter((id) => id !== minted.credentialId);
  const pending: SecretDocument = {
    ...current,
    issuerCredentialId: minted.credentialId,
    retiring: [
      ...kept,
      ...superseded.map((issuerCredentialId) => ({ issuerCredentialId, retireAfter })),
    ],
    rotatedAt: now.toISOString(),
    ...(minted.apiKey !== undefined ? { apiKey: minted.apiKey } : {}),
    ...(minted.clientId !== undefined ? { clientId: minted.clientId } : {}),
    ...(minted.clientSecret !== undefined ? { clientSecret: minted.clientSecret } : {}),
  };
  await deps.bindings.recordVersion(meta.arn, {
    versionId: input.token,
    state: stateOf(pending),
    retireOnPromotion: superseded,
    ...(mint ? { mint } : {}),
    writtenBy: 'rotator',
    writtenAt: now.toISOString(),
  });
  await store.putPending(secretId, {
    token: input.token,
    value: serializeDocument(pending),
    ...(input.rotationToken ? { rotationToken: input.rotationToken } : {}),
  });
  logger.info(
    'stored AWSPENDING',
    safe({
      ...where,
      issuer: issuer.type,
      issuerCredentialId: minted.credentialId,
      retiring: pending.retiring.length,
    }),
  );
  return 'done';
}

/**
 * Removes AWSPENDING from any version other than the token (a crashed or abandoned rotation)
 * and returns their documents (whose credentials are adopted or retired after the new rotation
 * lands) and whether anything was cleared.
 * They are not revoked now: a crashed setSecret may already have pushed one to the provider.
 */
async function clearStalePending(
  ctx: StepContext,
  current: SecretDocument,
): Promise<{ docs: SecretDocument[]; cleared: boolean }> {
  const { deps, input, meta } = ctx;
  const stale: SecretDocument[] = [];
  let cleared = false;
  for (const [versionId, stages] of Object.entries(meta.versionStages)) {
    if (versionId === input.token || !stages.includes(STAGE.pending)) continue;
    if (versionId !== ctx.currentVersionId) {
      const doc = await trustedStale(ctx, versionId);
      if (doc?.issuerCredentialId && doc.issuerCredentialId !== current.issuerCredentialId)
        stale.push(doc);
    }
    await deps.store.updateStage(input.secretId, {
      stage: STAGE.pending,
      removeFromVersionId: versionId,
    });
    cleared = true;
    logger.warn(
      'cleared stale AWSPENDING',
      safe({ secretArn: meta.arn, staleVersionId: versionId }),
    );
  }
  return { docs: stale, cleared };
}

/**
 * A stale pending document, when the rotator wrote it. One it did not write (or cannot read) is
 * cleared but neither adopted nor retired: its credential ids are its writer's word.
 */
async function trustedStale(
  ctx: StepContext,
  versionId: string,
): Promise<SecretDocument | undefined> {
  try {
    return await readTrusted(ctx.deps, ctx.meta, { versionId, stage: STAGE.pending });
  } catch (error) {
    logger.warn(
      error instanceof BindingMismatchError
        ? 'stale AWSPENDING was not written by gatewarden: its credentials are not touched'
        : 'stale AWSPENDING is unreadable: its credentials are not touched',
      safe({ secretArn: ctx.meta.arn, staleVersionId: versionId, error: errorClass(error) }),
    );
    return undefined;
  }
}

function credentialOf(doc: SecretDocument): IssuedCredential {
  return {
    credentialId: doc.issuerCredentialId ?? '',
    ...(doc.apiKey !== undefined ? { apiKey: doc.apiKey } : {}),
    ...(doc.clientId !== undefined ? { clientId: doc.clientId } : {}),
    ...(doc.clientSecret !== undefined ? { clientSecret: doc.clientSecret } : {}),
  };
}

/**
 * The issuer's id of the current credential. Documents written by a rotation carry it; for a
 * secret registered without it: the only credential the issuer holds, or — once a crashed mint
 * left a second one — the only one created before the current version was written.
 */
async function resolveCurrentId(
  ctx: StepContext,
  current: SecretDocument,
  listed: readonly IssuerCredentialInfo[],
): Promise<string | undefined> {
  if (current.issuerCredentialId) return current.issuerCredentialId;
  if (listed.length === 1) return listed[0]?.credentialId;
  if (listed.length === 0 || !ctx.deps.store.versionCreatedAt) return undefined;
  const writtenAt = await ctx.deps.store.versionCreatedAt(ctx.input.secretId, ctx.currentVersionId);
  if (!writtenAt) return undefined;
  const older = listed.filter(
    (item) => item.createdAt !== undefined && Date.parse(item.createdAt) <= writtenAt.getTime(),
  );
  return older.length === 1 ? older[0]?.credentialId : undefined;
}

/**
 * Credentials at the issuer nobody references that the rotator itself minted: by a createSecret
 * whose reply or PutSecretValue was lost. Ownership comes from the ledger, never from a guess:
 * a credential is ours when a ledger record holds its id (minted, then never stored); at an
 * issuer that labels (gatewarden's credentials carry their version id), when its label is a
 * version the rotator recorded for this secret; at one that cannot label, when it was created
 * while a recorded mint ran whose credential never got recorded (absent from the listing taken
 * just before, created within the step's time). Anything else — another consumer's secret,
 * another registration's on a shared client, one created by hand, one whose creation time the
 * issuer does not say — is never revoked.
 */
async function findOrphans(
  ctx: StepContext,
  listed: readonly IssuerCredentialInfo[],
  known: ReadonlySet<string>,
): Promise<string[]> {
  const unknown = listed.filter((item) => !known.has(item.credentialId));
  if (unknown.length === 0) return [];
  const records = await ctx.deps.bindings.versionRecords(ctx.meta.arn);
  const versions = new Set(records.map((record) => record.versionId));
  // Credentials the ledger says the rotator minted (e.g. one whose PutSecretValue failed).
  const minted = new Set(records.flatMap((r) => r.state.issuerCredentialId ?? []));
  // Only a mint whose credential never got recorded can have left one behind; a completed
  // mint's credential is known, and what appeared after it is someone else's (e.g. another
  // registration sharing the client).
  const mints = records.flatMap((record) =>
    record.mint && record.state.issuerCredentialId === undefined ? [record.mint] : [],
  );
  const labels = listed.some((item) => item.idempotencyKey !== undefined);
  return unknown
    .filter(
      (item) =>
        minted.has(item.credentialId) ||
        (labels
          ? item.idempotencyKey !== undefined && versions.has(item.idempotencyKey)
          : mints.some((mint) => appearedDuring(item, mint))),
    )
    .map((item) => item.credentialId);
}

/** The longest a mint can run: the rotate function's timeout, with room to spare. */
const MINT_WINDOW_MS = 15 * 60_000;

/** Absent from the listing taken just before the mint, and created while it could run. */
function appearedDuring(
  item: IssuerCredentialInfo,
  mint: NonNullable<VersionRecord['mint']>,
): boolean {
  if (mint.listedBefore.includes(item.credentialId) || item.createdAt === undefined) return false;
  const created = Date.parse(item.createdAt);
  const started = Date.parse(mint.startedAt);
  // Issuer clocks drift from ours: a minute of slack before.
  return created >= started - 60_000 && created <= started + MINT_WINDOW_MS;
}
