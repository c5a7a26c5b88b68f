import { severities, type Severity } from './types.js';

/**
 * Escalation-safe dedup on a port that only knows "first claim of a key in its window wins".
 * Within the window a finding alerts when nothing was alerted for its key yet, when it is more
 * severe than what was alerted, or when it names a fact not alerted on yet. Each severity
 * level and each fact is its own claim; an alert also claims the levels below its own, which
 * makes less severe findings duplicates. Written once for a synchronous and an asynchronous
 * claim (in-memory replay, DynamoDB when deployed); both return the claims won (none: a
 * duplicate), which a caller gives back when it cannot deliver the alert.
 */
export interface EscalatingClaim {
  key: string;
  severity: Severity;
  facts: readonly string[];
  at: number;
  windowSeconds: number;
  /**
   * The record the finding comes from (its CloudTrail eventID). Claimed first: a second
   * delivery of the same record is a duplicate however the claims below interleave. Without
   * it, two invocations seeing one event concurrently could split the deciding claims (one
   * wins the level, the other a fact) and both alert.
   */
  occurrence?: string;
}

/** The claim that makes one record count once for a key, claimed before the others. */
function occurrenceKey(claim: EscalatingClaim): string | undefined {
  return claim.occurrence === undefined ? undefined : `${claim.key}|event:${claim.occurrence}`;
}

/** Claims that decide whether the finding is news: its own level, then each fact. */
function decidingKeys(claim: EscalatingClaim): string[] {
  return [
    `${claim.key}|sev:${claim.severity}`,
    ...claim.facts.map((fact) => `${claim.key}|fact:${fact}`),
  ];
}

/** Levels below the finding's: claimed once it alerts, so they become duplicates. */
function lowerKeys(claim: EscalatingClaim): string[] {
  return severities
    .slice(0, severities.indexOf(claim.severity))
    .map((level) => `${claim.key}|sev:${level}`);
}

/** The protocol over a synchronous claim (in-memory state). */
export function claimEscalatingSync(
  claim: EscalatingClaim,
  tryClaim: (key: string) => boolean,
): string[] {
  const occurrence = occurrenceKey(claim);
  if (occurrence !== undefined && !tryClaim(occurrence)) return [];
  // Every deciding key is claimed (no short cut), so each new fact is recorded.
  const won = decidingKeys(claim).filter((key) => tryClaim(key));
  if (won.length === 0) return won;
  for (const key of lowerKeys(claim)) if (tryClaim(key)) won.push(key);
  // Given back with the rest when the alert cannot be delivered, so a retry alerts.
  if (occurrence !== undefined) won.push(occurrence);
  return won;
}

/** The same protocol over an asynchronous claim (DynamoDB conditional writes). */
export async function claimEscalatingAsync(
  claim: EscalatingClaim,
  tryClaim: (key: string) => Promise<boolean>,
): Promise<string[]> {
  const occurrence = occurrenceKey(claim);
  if (occurrence !== undefined && !(await tryClaim(occurrence))) return [];
  const won: string[] = [];
  for (const key of decidingKeys(claim)) if (await tryClaim(key)) won.push(key);
  if (won.length === 0) return won;
  for (const key of lowerKeys(claim)) if (await tryClaim(key)) won.push(key);
  if (occurrence !== undefined) won.push(occurrence);
  return won;
}
