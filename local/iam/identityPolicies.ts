/**
 * A principal's identity policies as moto holds them, read the way IAM weighs them: inline,
 * attached managed, through the user's groups, and the permissions boundary. Shared by the
 * IAM gate (local/iam/policies.ts) and the doctor's SimulatePrincipalPolicy stand-in.
 * Documents are read as IAM means them whatever quirk moto stores them with.
 * TEST/DEMO COMPONENT — local stack only.
 */
import {
  GetGroupPolicyCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  ListAttachedGroupPoliciesCommand,
  ListAttachedRolePoliciesCommand,
  ListAttachedUserPoliciesCommand,
  ListGroupPoliciesCommand,
  ListGroupsForUserCommand,
  ListRolePoliciesCommand,
  ListUserPoliciesCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';

export interface NamedPolicy {
  name: string;
  policy: unknown;
}

export interface PrincipalPolicies {
  identity: NamedPolicy[];
  boundary?: NamedPolicy;
}

/**
 * IAM documents come URL-encoded (as on AWS); moto sends some as objects already, and the
 * inline policies its CloudFormation writes as a Python dict's repr (single quotes).
 */
export const decode = (document: unknown): unknown => {
  if (typeof document !== 'string' || !document) return document || undefined;
  const text = decodeURIComponent(document);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return JSON.parse(
      text
        .replace(/'/g, '"')
        .replace(/\bTrue\b/g, 'true')
        .replace(/\bFalse\b/g, 'false')
        .replace(/\bNone\b/g, 'null'),
    ) as unknown;
  }
};

const missing = (error: unknown): boolean =>
  /NotFound|NoSuch|NonExistent|does not exist/i.test(
    `${(error as { name?: string }).name ?? ''} ${(error as Error).message ?? ''}`,
  );

export async function orUndefined<T>(call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (error) {
    if (missing(error)) return undefined;
    throw error;
  }
}

const STATEMENT_ELEMENTS = new Set([
  'Sid',
  'Effect',
  'Principal',
  'NotPrincipal',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Condition',
]);

/**
 * moto adds elements of its own to some policies (Lambda's `FunctionName`), and keeps the null
 * a template's `!If [..., !Ref AWS::NoValue]` leaves in a statement list: IAM has neither.
 */
export function policyElementsOnly(policy: unknown): unknown {
  if (!policy || typeof policy !== 'object') return policy;
  const document = policy as { Statement?: unknown };
  const statements = Array.isArray(document.Statement) ? document.Statement : [document.Statement];
  return {
    ...document,
    Statement: statements
      .filter(Boolean)
      .map((statement) =>
        Object.fromEntries(
          Object.entries(statement as Record<string, unknown>).filter(([key]) =>
            STATEMENT_ELEMENTS.has(key),
          ),
        ),
      ),
  };
}

async function managedPolicy(iam: IAMClient, arn: string): Promise<NamedPolicy> {
  const policy = await iam.send(new GetPolicyCommand({ PolicyArn: arn }));
  const version = await iam.send(
    new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: policy.Policy?.DefaultVersionId }),
  );
  return { name: arn, policy: decode(version.PolicyVersion?.Document) };
}

async function inlinePolicies(
  names: string[] | undefined,
  owner: string,
  read: (name: string) => Promise<{ PolicyDocument?: string }>,
): Promise<NamedPolicy[]> {
  const policies: NamedPolicy[] = [];
  for (const name of names ?? []) {
    const doc = await read(name);
    policies.push({
      name: `${owner}/${name}`,
      policy: policyElementsOnly(decode(doc.PolicyDocument)),
    });
  }
  return policies;
}

async function attachedPolicies(
  iam: IAMClient,
  attached: Array<{ PolicyArn?: string }> | undefined,
): Promise<NamedPolicy[]> {
  const policies: NamedPolicy[] = [];
  for (const policy of attached ?? [])
    policies.push(await managedPolicy(iam, policy.PolicyArn ?? ''));
  return policies;
}

/**
 * The identity policies and boundary of the role or user an ARN names; undefined when the ARN
 * names neither or moto does not know the principal.
 */
export async function readIdentityPolicies(
  iam: IAMClient,
  principalArn: string,
): Promise<PrincipalPolicies | undefined> {
  const role = /^arn:[^:]+:iam::\d{12}:role\/(?:.*\/)?([^/]+)$/.exec(principalArn)?.[1];
  const user = /^arn:[^:]+:iam::\d{12}:user\/(?:.*\/)?([^/]+)$/.exec(principalArn)?.[1];
  const identity: NamedPolicy[] = [];
  let boundaryArn: string | undefined;
  if (role) {
    const got = await orUndefined(() => iam.send(new GetRoleCommand({ RoleName: role })));
    if (!got) return undefined;
    boundaryArn = got.Role?.PermissionsBoundary?.PermissionsBoundaryArn;
    const inline = await iam.send(new ListRolePoliciesCommand({ RoleName: role }));
    identity.push(
      ...(await inlinePolicies(inline.PolicyNames, role, (PolicyName) =>
        iam.send(new GetRolePolicyCommand({ RoleName: role, PolicyName })),
      )),
    );
    const attached = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: role }));
    identity.push(...(await attachedPolicies(iam, attached.AttachedPolicies)));
  } else if (user) {
    const got = await orUndefined(() => iam.send(new GetUserCommand({ UserName: user })));
    if (!got) return undefined;
    boundaryArn = got.User?.PermissionsBoundary?.PermissionsBoundaryArn;
    const inline = await iam.send(new ListUserPoliciesCommand({ UserName: user }));
    identity.push(
      ...(await inlinePolicies(inline.PolicyNames, user, (PolicyName) =>
        iam.send(new GetUserPolicyCommand({ UserName: user, PolicyName })),
      )),
    );
    const attached = await iam.send(new ListAttachedUserPoliciesCommand({ UserName: user }));
    identity.push(...(await attachedPolicies(iam, attached.AttachedPolicies)));
    const groups = await iam.send(new ListGroupsForUserCommand({ UserName: user }));
    for (const group of groups.Groups ?? []) {
      const GroupName = group.GroupName ?? '';
      const groupInline = await iam.send(new ListGroupPoliciesCommand({ GroupName }));
      identity.push(
        ...(await inlinePolicies(groupInline.PolicyNames, GroupName, (PolicyName) =>
          iam.send(new GetGroupPolicyCommand({ GroupName, PolicyName })),
        )),
      );
      const groupAttached = await iam.send(new ListAttachedGroupPoliciesCommand({ GroupName }));
      identity.push(...(await attachedPolicies(iam, groupAttached.AttachedPolicies)));
    }
  } else {
    return undefined;
  }
  return {
    identity,
    ...(boundaryArn ? { boundary: await managedPolicy(iam, boundaryArn) } : {}),
  };
}
