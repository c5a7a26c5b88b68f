import { z } from 'zod';
import { ReportInputError } from './errors.js';
import { parsePolicyDocument, type PolicyDocument } from './policy.js';

/** A policy as it applies to a principal: where it comes from, and its document. */
export interface AppliedPolicy {
  kind: 'inline' | 'managed';
  name: string;
  arn?: string;
  /** Set when the principal gets the policy through a group. */
  viaGroup?: string;
  document: PolicyDocument;
}

/** A role or user with everything needed to compute what it is granted. */
export interface IamPrincipal {
  type: 'role' | 'user';
  arn: string;
  name: string;
  accountId: string;
  policies: AppliedPolicy[];
  boundary?: AppliedPolicy;
  /** A boundary or group referenced by the principal but absent from the input (`boundary <arn>`, `group <name>`). */
  inputGaps: string[];
  /** Roles only: who may assume the role. */
  trustPolicy?: PolicyDocument;
  /** AWS-managed service-linked roles cannot be changed by the account: not analysed. */
  serviceLinked: boolean;
}

/** The IAM side of a report: principals, plus attached policies the input did not contain. */
export interface IamSnapshot {
  principals: IamPrincipal[];
  /** Managed policy ARNs attached somewhere but absent from the input (reported, not guessed). */
  missingPolicies: string[];
  /** Permissions boundaries referenced but absent from the input. */
  missingBoundaries: string[];
  /** Group names users belong to but absent from the input. */
  missingGroups: string[];
}

const SECTIONS = ['UserDetailList', 'GroupDetailList', 'RoleDetailList', 'Policies'] as const;

/** Refuses input that is not an authorization-details export before it becomes an empty report. */
function requireExportShape(input: unknown): void {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new ReportInputError(
      'IAM input is not get-account-authorization-details output: expected a JSON object',
    );
  }
  const keys = Object.keys(input);
  if (keys.includes('Records') || keys.includes('Events')) {
    throw new ReportInputError(
      'IAM input is a CloudTrail file, not get-account-authorization-details output: pass it with --trail',
    );
  }
  if (!SECTIONS.some((k) => keys.includes(k))) {
    throw new ReportInputError(
      `IAM input is not get-account-authorization-details output: none of ${SECTIONS.join(', ')} is present`,
    );
  }
}

const policyListItem = z.object({ PolicyName: z.string(), PolicyDocument: z.unknown() });
const attached = z.object({ PolicyName: z.string().optional(), PolicyArn: z.string() });
const boundary = z
  .object({
    PermissionsBoundaryArn: z.string().optional(),
    PermissionsBoundaryType: z.string().optional(),
  })
  .optional()
  .nullable();

const roleDetail = z.object({
  Path: z.string().optional(),
  RoleName: z.string(),
  Arn: z.string(),
  AssumeRolePolicyDocument: z.unknown().optional(),
  RolePolicyList: z.array(policyListItem).optional().nullable(),
  AttachedManagedPolicies: z.array(attached).optional().nullable(),
  PermissionsBoundary: boundary,
});

const userDetail = z.object({
  Path: z.string().optional(),
  UserName: z.string(),
  Arn: z.string(),
  GroupList: z.array(z.string()).optional().nullable(),
  UserPolicyList: z.array(policyListItem).optional().nullable(),
  AttachedManagedPolicies: z.array(attached).optional().nullable(),
  PermissionsBoundary: boundary,
});

const groupDetail = z.object({
  GroupName: z.string(),
  Arn: z.string().optional(),
  GroupPolicyList: z.array(policyListItem).optional().nullable(),
  AttachedManagedPolicies: z.array(attached).optional().nullable(),
});

const managedPolicy = z.object({
  // Always present on AWS; some emulators omit it. The ARN identifies the policy anyway.
  PolicyName: z.string().optional(),
  Arn: z.string(),
  DefaultVersionId: z.string().optional(),
  PolicyVersionList: z
    .array(
      z.object({
        Document: z.unknown().optional(),
        VersionId: z.string().optional(),
        IsDefaultVersion: z.boolean().optional(),
      }),
    )
    .optional()
    .nullable(),
});

/** The shape of `aws iam get-account-authorization-details` (and of the API response). */
export const authorizationDetailsSchema = z.object({
  UserDetailList: z.array(userDetail).optional().nullable(),
  GroupDetailList: z.array(groupDetail).optional().nullable(),
  RoleDetailList: z.array(roleDetail).optional().nullable(),
  Policies: z.array(managedPolicy).optional().nullable(),
});

export type AuthorizationDetails = z.infer<typeof authorizationDetailsSchema>;

/**
 * Builds an {@link IamSnapshot} from authorization details. Managed policies resolve to their
 * default version; users inherit their groups' policies; documents may be URL-encoded.
 */
export function snapshotFromAuthorizationDetails(input: unknown): IamSnapshot {
  requireExportShape(input);
  const parsed = authorizationDetailsSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ReportInputError(
      `IAM input is not get-account-authorization-details output: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim(),
    );
  }
  const details = parsed.data;
  const managed = new Map<string, PolicyDocument>();
  for (const policy of details.Policies ?? []) {
    const versions = policy.PolicyVersionList ?? [];
    const version =
      versions.find((v) => v.IsDefaultVersion === true) ??
      versions.find((v) => v.VersionId !== undefined && v.VersionId === policy.DefaultVersionId);
    if (version?.Document !== undefined) {
      managed.set(policy.Arn, parsePolicyDocument(version.Document, policy.Arn));
    }
  }
  const missing = new Set<string>();
  const resolveManaged = (arn: string, name: string | undefined, viaGroup?: string) => {
    const document = managed.get(arn);
    if (document === undefined) {
      missing.add(arn);
      return [];
    }
    const applied: AppliedPolicy = {
      kind: 'managed',
      name: name ?? arn.split('/').pop() ?? arn,
      arn,
      document,
    };
    if (viaGroup !== undefined) applied.viaGroup = viaGroup;
    return [applied];
  };
  const inline = (
    list: { PolicyName: string; PolicyDocument?: unknown }[] | null | undefined,
    owner: string,
    viaGroup?: string,
  ): AppliedPolicy[] =>
    (list ?? []).map((p) => {
      const applied: AppliedPolicy = {
        kind: 'inline',
        name: p.PolicyName,
        document: parsePolicyDocument(p.PolicyDocument, `${owner} inline policy ${p.PolicyName}`),
      };
      if (viaGroup !== undefined) applied.viaGroup = viaGroup;
      return applied;
    });
  const missingBoundaries = new Set<string>();
  /** Sets the principal's boundary, or records it as a gap (never drops it silently). */
  const applyBoundary = (principal: IamPrincipal, b: z.infer<typeof boundary>): void => {
    const arn = b?.PermissionsBoundaryArn;
    if (arn === undefined) return;
    const document = managed.get(arn);
    if (document === undefined) {
      missingBoundaries.add(arn);
      principal.inputGaps.push(`boundary ${arn}`);
      return;
    }
    principal.boundary = { kind: 'managed', name: arn.split('/').pop() ?? arn, arn, document };
  };
  const missingGroups = new Set<string>();

  const groups = new Map<string, AppliedPolicy[]>();
  for (const group of details.GroupDetailList ?? []) {
    groups.set(group.GroupName, [
      ...inline(group.GroupPolicyList, `group ${group.GroupName}`, group.GroupName),
      ...(group.AttachedManagedPolicies ?? []).flatMap((a) =>
        resolveManaged(a.PolicyArn, a.PolicyName, group.GroupName),
      ),
    ]);
  }

  const principals: IamPrincipal[] = [];
  for (const role of details.RoleDetailList ?? []) {
    const principal: IamPrincipal = {
      type: 'role',
      arn: role.Arn,
      name: role.RoleName,
      accountId: accountOf(role.Arn),
      policies: [
        ...inline(role.RolePolicyList, role.Arn),
        ...(role.AttachedManagedPolicies ?? []).flatMap((a) =>
          resolveManaged(a.PolicyArn, a.PolicyName),
        ),
      ],
      serviceLinked: (role.Path ?? '').startsWith('/aws-service-role/'),
      inputGaps: [],
    };
    applyBoundary(principal, role.PermissionsBoundary);
    if (role.AssumeRolePolicyDocument !== undefined) {
      principal.trustPolicy = parsePolicyDocument(
        role.AssumeRolePolicyDocument,
        `${role.Arn} trust policy`,
      );
    }
    principals.push(principal);
  }
  for (const user of details.UserDetailList ?? []) {
    const principal: IamPrincipal = {
      type: 'user',
      arn: user.Arn,
      name: user.UserName,
      accountId: accountOf(user.Arn),
      policies: [
        ...inline(user.UserPolicyList, user.Arn),
        ...(user.AttachedManagedPolicies ?? []).flatMap((a) =>
          resolveManaged(a.PolicyArn, a.PolicyName),
        ),
        ...(user.GroupList ?? []).flatMap((g) => groups.get(g) ?? []),
      ],
      serviceLinked: false,
      inputGaps: [],
    };
    for (const group of user.GroupList ?? []) {
      if (groups.has(group)) continue;
      missingGroups.add(group);
      principal.inputGaps.push(`group ${group}`);
    }
    applyBoundary(principal, user.PermissionsBoundary);
    principals.push(principal);
  }
  return {
    principals,
    missingPolicies: [...missing].sort(),
    missingBoundaries: [...missingBoundaries].sort(),
    missingGroups: [...missingGroups].sort(),
  };
}

/** Account id of an ARN (`arn:aws:iam::123456789012:role/x` → `123456789012`). */
export function accountOf(arn: string): string {
  return arn.split(':')[4] ?? '';
}

/**
 * Key that identifies a role or user regardless of its path: CloudTrail's assumed-role ARNs
 * drop the role path, so `role/service-role/x` and `assumed-role/x/session` must meet.
 */
export function principalKey(
  accountId: string,
  type: 'role' | 'user' | 'root',
  name: string,
): string {
  return `${accountId}|${type}|${name.toLowerCase()}`;
}

/** {@link principalKey} of an IAM role or user ARN. */
export function principalKeyOfArn(arn: string): string | undefined {
  const parts = arn.split(':');
  const account = parts[4] ?? '';
  const resource = parts.slice(5).join(':');
  const [type, ...rest] = resource.split('/');
  if (type === 'role' || type === 'user') {
    const name = rest[rest.length - 1];
    return name === undefined ? undefined : principalKey(account, type, name);
  }
  if (type === 'assumed-role') {
    const name = rest[0];
    return name === undefined ? undefined : principalKey(account, 'role', name);
  }
  if (resource === 'root') return principalKey(account, 'root', 'root');
  return undefined;
}
