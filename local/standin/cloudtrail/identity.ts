/**
 * CloudTrail `userIdentity` for the caller of a request, resolved from its access key through
 * moto's STS `GetCallerIdentity` (so IAM users and assumed roles made on moto show up as
 * themselves), cached per access key.
 */

export interface UserIdentity {
  type: 'IAMUser' | 'AssumedRole' | 'Root' | 'FederatedUser' | 'Unknown';
  principalId?: string;
  arn?: string;
  accountId?: string;
  accessKeyId?: string;
  userName?: string;
  sessionContext?: {
    sessionIssuer: {
      type: 'Role';
      principalId: string;
      arn: string;
      accountId: string;
      userName: string;
    };
    attributes: { creationDate: string; mfaAuthenticated: 'false' };
  };
}

export interface CallerIdentity {
  Account?: string;
  Arn?: string;
  UserId?: string;
}

/**
 * The ARN AWS would give the caller. moto answers `GetCallerIdentity` for credentials it did
 * not issue with `arn:aws:sts::<account>:user/moto`, which is no valid ARN (IAM users live in
 * the `iam` namespace): CloudTrail records, and the rules reading them, get the IAM user's.
 */
export function callerArnOf(arn: string | undefined): string | undefined {
  return arn?.replace(/^(arn:[^:]+):sts::(\d+):user\//, '$1:iam::$2:user/');
}

/** Pure: maps a `GetCallerIdentity` answer to the `userIdentity` block CloudTrail writes. */
export function userIdentityOf(
  answer: CallerIdentity,
  accessKeyId: string | undefined,
  now = new Date(),
): UserIdentity {
  const callerArn = callerArnOf(answer.Arn);
  const caller: CallerIdentity = { ...answer, ...(callerArn ? { Arn: callerArn } : {}) };
  const base = {
    ...(caller.UserId ? { principalId: caller.UserId } : {}),
    ...(caller.Arn ? { arn: caller.Arn } : {}),
    ...(caller.Account ? { accountId: caller.Account } : {}),
    ...(accessKeyId ? { accessKeyId } : {}),
  };
  const arn = caller.Arn ?? '';
  const account = caller.Account ?? '';
  const assumed = /^arn:[^:]+:sts::\d+:assumed-role\/([^/]+)\/(.+)$/.exec(arn);
  if (assumed) {
    const role = assumed[1] ?? '';
    const partition = arn.split(':')[1] ?? 'aws';
    return {
      type: 'AssumedRole',
      ...base,
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          principalId: (caller.UserId ?? '').split(':')[0] ?? '',
          arn: `arn:${partition}:iam::${account}:role/${role}`,
          accountId: account,
          userName: role,
        },
        attributes: {
          creationDate: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
          mfaAuthenticated: 'false',
        },
      },
    };
  }
  if (/^arn:[^:]+:iam::\d+:root$/.test(arn)) return { type: 'Root', ...base };
  const user = /^arn:[^:]+:iam::\d+:user\/(?:.*\/)?([^/]+)$/.exec(arn);
  if (user?.[1]) return { type: 'IAMUser', ...base, userName: user[1] };
  if (/:federated-user\//.test(arn)) return { type: 'FederatedUser', ...base };
  return { type: 'Unknown', ...base };
}

/** The `Username` LookupEvents reports: user name, role session name, or `root`. */
export function usernameOf(identity: UserIdentity | undefined): string | undefined {
  if (!identity) return undefined;
  if (identity.userName) return identity.userName;
  if (identity.type === 'Root') return 'root';
  if (identity.type === 'AssumedRole') return identity.arn?.split('/').pop();
  return undefined;
}

/** Caches caller identities per access key; `lookup` calls moto STS. */
export class IdentityCache {
  private readonly cache = new Map<string, { at: number; value: Promise<UserIdentity> }>();

  constructor(
    private readonly lookup: (accessKeyId: string) => Promise<CallerIdentity>,
    private readonly ttlMs = 5 * 60_000,
  ) {}

  resolve(accessKeyId: string | undefined): Promise<UserIdentity> {
    if (!accessKeyId) return Promise.resolve({ type: 'Unknown' });
    const hit = this.cache.get(accessKeyId);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.value;
    const value = this.lookup(accessKeyId).then(
      (caller) => userIdentityOf(caller, accessKeyId),
      (): UserIdentity => {
        // An unknown key is still worth recording; retry the lookup next time.
        this.cache.delete(accessKeyId);
        return { type: 'Unknown', accessKeyId };
      },
    );
    this.cache.set(accessKeyId, { at: Date.now(), value });
    return value;
  }
}
