import type { z } from 'zod';
import { ReportInputError } from './errors.js';
import type { authorizationDetailsSchema, boundary } from './iamExportSchema.js';
import { groupDetail, managedPolicy, roleDetail, userDetail } from './iamExportSchema.js';
import { Interner } from './interner.js';
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

/** The sections of an authorization-details export. */
export const EXPORT_SECTIONS = [
  'UserDetailList',
  'GroupDetailList',
  'RoleDetailList',
  'Policies',
] as const;
export type ExportSection = (typeof EXPORT_SECTIONS)[number];

/** Default of `--max-principals`: roles and users one report analyses. */
export const DEFAULT_MAX_PRINCIPALS = 200_000;

/** Keys that mark a CloudTrail file handed over as IAM input. */
export function isCloudTrailKey(key: string): boolean {
  return key === 'Records' || key === 'Events';
}

/** Refuses input that is not an authorization-details export before it becomes an empty report. */
function requireExportShape(input: unknown): asserts input is Record<string, unknown> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new ReportInputError(
      'IAM input is not get-account-authorization-details output: expected a JSON object',
    );
  }
  const keys = Object.keys(input);
  if (keys.some(isCloudTrailKey)) throw cloudTrailInput();
  if (!EXPORT_SECTIONS.some((k) => keys.includes(k))) throw noExportSection();
}

/** The error for a CloudTrail file given as IAM input. */
export function cloudTrailInput(): ReportInputError {
  return new ReportInputError(
    'IAM input is a CloudTrail file, not get-account-authorization-details output: pass it with --trail',
  );
}

/** The error for a JSON object with none of the export's sections. */
export function noExportSection(): ReportInputError {
  return new ReportInputError(
    `IAM input is not get-account-authorization-details output: none of ${EXPORT_SECTIONS.join(', ')} is present`,
  );
}

export type AuthorizationDetails = z.infer<typeof authorizationDetailsSchema>;

/**
 * Builds an {@link IamSnapshot} from authorization details. Managed policies resolve to their
 * default version; users inherit their groups' policies; documents may be URL-encoded.
 */
export function snapshotFromAuthorizationDetails(
  input: unknown,
  options: { maxPrincipals?: number } = {},
): IamSnapshot {
  requireExportShape(input);
  const builder = new SnapshotBuilder(options);
  for (const section of EXPORT_SECTIONS) {
    const list = input[section];
    if (list === undefined) continue;
    builder.section(section, list === null ? null : Array.isArray(list) ? undefined : list);
    if (!Array.isArray(list)) continue;
    list.forEach((element, index) => builder.add(section, element, index));
  }
  return builder.finish();
}

type Attached = { PolicyName?: string | undefined; PolicyArn: string };
type Inline = { PolicyName: string; PolicyDocument?: unknown }[] | null | undefined;

/** A role or user read before the managed policies it references (exports list them last). */
interface PendingPrincipal {
  principal: IamPrincipal;
  attached: Attached[];
  groups: string[];
  boundaryArn?: string;
}

/**
 * Builds an {@link IamSnapshot} one export element at a time, in any section order, so a large
 * export never has to be held whole: each element is validated and reduced to parsed policy
 * documents as it arrives; managed policies and groups resolve when the last one is in.
 */
export class SnapshotBuilder {
  private readonly managed = new Map<string, PolicyDocument>();
  /**
   * Trust policies by their text: most roles of an account share a handful (one per service
   * that assumes them), and 150,000 parsed copies would hold hundreds of MB. Read-only.
   */
  private readonly trustPolicies = new Map<string, PolicyDocument>();
  private readonly groups = new Map<string, { inline: AppliedPolicy[]; attached: Attached[] }>();
  private readonly pending: PendingPrincipal[] = [];
  private readonly maxPrincipals: number;
  /**
   * Account ids, action names, resources and managed policy ARNs repeat in every principal:
   * one copy each (a 150,000-role export held each of them in every role).
   */
  private readonly intern = new Interner().intern;
  /** A managed policy as it applies directly (no group), one object for every principal. */
  private readonly applied = new Map<string, AppliedPolicy>();

  constructor(options: { maxPrincipals?: number } = {}) {
    this.maxPrincipals = options.maxPrincipals ?? DEFAULT_MAX_PRINCIPALS;
  }

  /** Roles and users read so far. */
  get principals(): number {
    return this.pending.length;
  }

  /** A section whose value is not a list: null is an empty section, anything else is refused. */
  section(section: ExportSection, value: unknown): void {
    if (value === undefined || value === null) return;
    throw new ReportInputError(
      `IAM input is not get-account-authorization-details output: ${section} is not a list`,
    );
  }

  /** Validates one element of a section and keeps what the report needs of it. */
  add(section: ExportSection, element: unknown, index: number): void {
    if (section === 'Policies') this.addPolicy(parse(managedPolicy, element, section, index));
    else if (section === 'GroupDetailList') {
      const group = parse(groupDetail, element, section, index);
      this.groups.set(group.GroupName, {
        inline: inline(
          group.GroupPolicyList,
          `group ${group.GroupName}`,
          this.intern,
          group.GroupName,
        ),
        attached: group.AttachedManagedPolicies ?? [],
      });
    } else {
      this.countPrincipal();
      if (section === 'RoleDetailList') this.addRole(parse(roleDetail, element, section, index));
      else this.addUser(parse(userDetail, element, section, index));
    }
  }

  private countPrincipal(): void {
    if (this.pending.length < this.maxPrincipals) return;
    throw new ReportInputError(
      `IAM input holds more than ${this.maxPrincipals} roles and users (--max-principals ${this.maxPrincipals}): split the export by account, or raise --max-principals if the machine has the memory (about 1 GB per 150,000)`,
      { usage: true, context: { maxPrincipals: this.maxPrincipals } },
    );
  }

  private addPolicy(policy: z.infer<typeof managedPolicy>): void {
    const versions = policy.PolicyVersionList ?? [];
    const version =
      versions.find((v) => v.IsDefaultVersion === true) ??
      versions.find((v) => v.VersionId !== undefined && v.VersionId === policy.DefaultVersionId);
    if (version?.Document !== undefined) {
      this.managed.set(
        this.intern(policy.Arn),
        parsePolicyDocument(version.Document, policy.Arn, this.intern),
      );
    }
  }

  private addRole(role: z.infer<typeof roleDetail>): void {
    const principal: IamPrincipal = {
      type: 'role',
      arn: role.Arn,
      name: role.RoleName,
      accountId: this.intern(accountOf(role.Arn)),
      policies: inline(role.RolePolicyList, role.Arn, this.intern),
      serviceLinked: (role.Path ?? '').startsWith('/aws-service-role/'),
      inputGaps: [],
    };
    if (role.AssumeRolePolicyDocument !== undefined) {
      const raw = role.AssumeRolePolicyDocument;
      const text = typeof raw === 'string' ? raw : JSON.stringify(raw);
      let trust = this.trustPolicies.get(text);
      if (trust === undefined) {
        trust = parsePolicyDocument(raw, `${role.Arn} trust policy`, this.intern);
        this.trustPolicies.set(text, trust);
      }
      principal.trustPolicy = trust;
    }
    this.keep(principal, role.AttachedManagedPolicies ?? [], [], role.PermissionsBoundary);
  }

  private addUser(user: z.infer<typeof userDetail>): void {
    const principal: IamPrincipal = {
      type: 'user',
      arn: user.Arn,
      name: user.UserName,
      accountId: this.intern(accountOf(user.Arn)),
      policies: inline(user.UserPolicyList, user.Arn, this.intern),
      serviceLinked: false,
      inputGaps: [],
    };
    this.keep(
      principal,
      user.AttachedManagedPolicies ?? [],
      user.GroupList ?? [],
      user.PermissionsBoundary,
    );
  }

  private keep(
    principal: IamPrincipal,
    attached: Attached[],
    groups: string[],
    b: z.infer<typeof boundary>,
  ): void {
    const entry: PendingPrincipal = { principal, attached, groups };
    if (b?.PermissionsBoundaryArn !== undefined) entry.boundaryArn = b.PermissionsBoundaryArn;
    this.pending.push(entry);
  }

  /** A permissions boundary as it applies: one shared, read-only object per boundary. */
  private boundaryOf(arn: string, document: PolicyDocument): AppliedPolicy {
    const key = `boundary\n${arn}`;
    let applied = this.applied.get(key);
    if (applied === undefined) {
      applied = { kind: 'managed', name: arn.split('/').pop() ?? arn, arn, document };
      this.applied.set(key, applied);
    }
    return applied;
  }

  /** Resolves managed policies, groups and boundaries; roles first, then users (as before). */
  finish(): IamSnapshot {
    const missing = new Set<string>();
    const missingBoundaries = new Set<string>();
    const missingGroups = new Set<string>();
    const resolveManaged = (a: Attached, viaGroup?: string): AppliedPolicy[] => {
      const document = this.managed.get(a.PolicyArn);
      if (document === undefined) {
        missing.add(a.PolicyArn);
        return [];
      }
      const name = a.PolicyName ?? a.PolicyArn.split('/').pop() ?? a.PolicyArn;
      // Attached directly, the same policy under the same name is one shared, read-only object
      // (a group's policies are already one list shared by its members).
      const key = viaGroup === undefined ? `${a.PolicyArn}\n${name}` : undefined;
      const shared = key === undefined ? undefined : this.applied.get(key);
      if (shared !== undefined) return [shared];
      const applied: AppliedPolicy = {
        kind: 'managed',
        name: this.intern(name),
        arn: this.intern(a.PolicyArn),
        document,
      };
      if (viaGroup !== undefined) applied.viaGroup = viaGroup;
      if (key !== undefined) this.applied.set(key, applied);
      return [applied];
    };
    const groupPolicies = new Map<string, AppliedPolicy[]>();
    for (const [name, group] of this.groups)
      groupPolicies.set(name, [
        ...group.inline,
        ...group.attached.flatMap((a) => resolveManaged(a, name)),
      ]);
    const ordered = [
      ...this.pending.filter((p) => p.principal.type === 'role'),
      ...this.pending.filter((p) => p.principal.type === 'user'),
    ];
    const principals = ordered.map(({ principal, attached, groups, boundaryArn }) => {
      principal.policies.push(...attached.flatMap((a) => resolveManaged(a)));
      for (const group of groups) {
        const policies = groupPolicies.get(group);
        if (policies !== undefined) principal.policies.push(...policies);
      }
      for (const group of groups) {
        if (groupPolicies.has(group)) continue;
        missingGroups.add(group);
        principal.inputGaps.push(`group ${group}`);
      }
      if (boundaryArn !== undefined) {
        // Set, or recorded as a gap: never dropped silently.
        const document = this.managed.get(boundaryArn);
        if (document === undefined) {
          missingBoundaries.add(boundaryArn);
          principal.inputGaps.push(`boundary ${boundaryArn}`);
        } else principal.boundary = this.boundaryOf(boundaryArn, document);
      }
      return principal;
    });
    return {
      principals,
      missingPolicies: [...missing].sort(),
      missingBoundaries: [...missingBoundaries].sort(),
      missingGroups: [...missingGroups].sort(),
    };
  }
}

function parse<T>(schema: z.ZodType<T>, element: unknown, section: string, index: number): T {
  const parsed = schema.safeParse(element);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new ReportInputError(
    `IAM input is not get-account-authorization-details output: ${[section, index, ...(issue?.path ?? [])].join('.')} ${issue?.message ?? ''}`.trim(),
  );
}

function inline(
  list: Inline,
  owner: string,
  intern: (value: string) => string,
  viaGroup?: string,
): AppliedPolicy[] {
  return (list ?? []).map((p) => {
    const applied: AppliedPolicy = {
      kind: 'inline',
      name: intern(p.PolicyName),
      document: parsePolicyDocument(
        p.PolicyDocument,
        `${owner} inline policy ${p.PolicyName}`,
        intern,
      ),
    };
    if (viaGroup !== undefined) applied.viaGroup = viaGroup;
    return applied;
  });
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
