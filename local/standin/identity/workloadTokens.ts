/**
 * Workload access tokens of the stand-in: opaque to callers, HMAC-signed with a key that lives
 * only as long as the daemon, bound to one workload name, account and region, valid one hour.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { StandinError } from '../http.js';

export interface WorkloadClaims {
  workloadName: string;
  accountId: string;
  region: string;
  /** Present for tokens obtained for a user (ForJWT / ForUserId). */
  userId?: string;
  expiresAt: number;
}

export const TOKEN_TTL_MS = 60 * 60_000;

export class WorkloadTokens {
  constructor(private readonly key: Buffer = randomBytes(32)) {}

  issue(claims: Omit<WorkloadClaims, 'expiresAt'>, now = Date.now()): string {
    const payload = Buffer.from(
      JSON.stringify({ ...claims, expiresAt: now + TOKEN_TTL_MS }),
    ).toString('base64url');
    return `gwlat.${payload}.${this.sign(payload)}`;
  }

  /** Verifies a token for the caller's account and region; AccessDeniedException otherwise. */
  verify(token: unknown, accountId: string, region: string, now = Date.now()): WorkloadClaims {
    const denied = (why: string): StandinError =>
      new StandinError(403, 'AccessDeniedException', `workload access token ${why}`);
    if (typeof token !== 'string') throw denied('is missing');
    const [prefix, payload, signature] = token.split('.');
    if (prefix !== 'gwlat' || !payload || !signature) throw denied('is malformed');
    const expected = Buffer.from(this.sign(payload));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given))
      throw denied('is not valid');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as WorkloadClaims;
    if (claims.expiresAt <= now) throw denied('has expired');
    if (claims.accountId !== accountId || claims.region !== region)
      throw denied('belongs to another account or region');
    return claims;
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }
}
