import { principalKey, principalKeyOfArn } from './iamModel.js';

/** Who performed a call, as CloudTrail's `userIdentity` says. */
export interface CallerIdentity {
  type?: string;
  arn?: string;
  accountId?: string;
  /** Session issuer ARN for assumed-role sessions: the role. */
  issuerArn?: string;
}

/** The caller fields of a record's `userIdentity` (those that are strings). */
export function identityOf(value: unknown): CallerIdentity {
  if (value === null || typeof value !== 'object') return {};
  const u = value as Record<string, unknown>;
  const issuer = (u.sessionContext as { sessionIssuer?: { arn?: unknown } } | undefined)
    ?.sessionIssuer?.arn;
  const identity: CallerIdentity = {};
  if (typeof u.type === 'string') identity.type = u.type;
  if (typeof u.arn === 'string') identity.arn = u.arn;
  if (typeof u.accountId === 'string') identity.accountId = u.accountId;
  if (typeof issuer === 'string') identity.issuerArn = issuer;
  return identity;
}

/**
 * Attributes a caller to an IAM principal: an assumed-role session to its role (by the
 * session issuer, else by the role name in the session ARN), a user or root to itself.
 */
export function attribute(
  identity: CallerIdentity,
): { key: string; arn: string; type: 'role' | 'user' | 'root' } | undefined {
  const arn = identity.arn;
  if (identity.type === 'AssumedRole' || arn?.includes(':assumed-role/')) {
    const issuer = identity.issuerArn;
    if (issuer !== undefined && issuer.includes(':role/')) {
      const account = issuer.split(':')[4] ?? '';
      const name = issuer.split('/').pop() ?? '';
      return { key: principalKey(account, 'role', name), arn: issuer, type: 'role' };
    }
    const match =
      arn === undefined ? null : /^arn:[^:]+:sts::(\d+):assumed-role\/([^/]+)\//.exec(arn);
    if (match?.[1] !== undefined && match[2] !== undefined) {
      const partition = arn?.split(':')[1] ?? 'aws';
      return {
        key: principalKey(match[1], 'role', match[2]),
        arn: `arn:${partition}:iam::${match[1]}:role/${match[2]}`,
        type: 'role',
      };
    }
    return undefined;
  }
  if ((identity.type === 'IAMUser' || arn?.includes(':user/')) && arn !== undefined) {
    const account = arn.split(':')[4] ?? identity.accountId ?? '';
    return { key: principalKey(account, 'user', arn.split('/').pop() ?? ''), arn, type: 'user' };
  }
  if (identity.type === 'Root' && arn !== undefined) {
    const account = arn.split(':')[4] ?? identity.accountId ?? '';
    return { key: principalKey(account, 'root', 'root'), arn, type: 'root' };
  }
  return undefined;
}

/**
 * True when a CloudTrail record concerns the report: its caller is one of `principals`, or it
 * is an AgentCore call (a gateway manager outside the IAM data is still reported as one).
 */
export function inReportScope(record: unknown, principals: ReadonlySet<string>): boolean {
  if (record === null || typeof record !== 'object') return false;
  const r = record as { eventSource?: unknown; userIdentity?: unknown };
  if (r.eventSource === 'bedrock-agentcore.amazonaws.com') return true;
  const u = r.userIdentity as
    | { type?: unknown; arn?: unknown; sessionContext?: { sessionIssuer?: { arn?: unknown } } }
    | undefined;
  const issuer = u?.sessionContext?.sessionIssuer?.arn;
  const arn = typeof issuer === 'string' && u?.type === 'AssumedRole' ? issuer : u?.arn;
  const key = typeof arn === 'string' ? principalKeyOfArn(arn) : undefined;
  return key !== undefined && principals.has(key);
}
