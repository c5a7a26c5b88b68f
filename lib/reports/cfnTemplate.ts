/**
 * Reads the IAM roles of a CloudFormation template (e.g. gatewarden's own packaged stack) as
 * `get-account-authorization-details` output, so the same analysis runs on infrastructure as
 * code before it is deployed. Intrinsics resolve to stand-in values that keep their meaning
 * for the analysis: a `Ref` or `GetAtt` is one specific resource, never a wildcard.
 */
const PSEUDO: Record<string, string> = {
  'AWS::Partition': 'aws',
  'AWS::Region': 'us-east-1',
  'AWS::AccountId': '123456789012',
  'AWS::StackName': 'stack',
  'AWS::URLSuffix': 'amazonaws.com',
};

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

function refValue(name: string, resources: Resources): string {
  const pseudo = PSEUDO[name];
  if (pseudo !== undefined) return pseudo;
  const type = resources[name]?.Type ?? 'Parameter';
  const slug = name.toLowerCase();
  // Refs that are ARNs on AWS read as ARNs, so ARN-shaped checks behave as in the account.
  if (type === 'AWS::SNS::Topic') return `arn:aws:sns:us-east-1:123456789012:${slug}`;
  if (type === 'AWS::IAM::ManagedPolicy') return `arn:aws:iam::123456789012:policy/${slug}`;
  return slug;
}

function getAttValue(name: string, attribute: string): string {
  return `arn:aws:cloudformation:us-east-1:123456789012:${name.toLowerCase()}/${attribute.toLowerCase()}`;
}

/** Resolves intrinsics (`Ref`, `Fn::GetAtt`, `Fn::Sub`, `Fn::Join`, `Fn::If` true branch). */
export function resolveIntrinsics(value: unknown, resources: Resources): unknown {
  if (Array.isArray(value)) {
    return value.map((v) => resolveIntrinsics(v, resources)).filter((v) => v !== NO_VALUE);
  }
  if (value === null || typeof value !== 'object') return value;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (keys.length === 1) {
    const [key] = keys as [string];
    const arg = obj[key];
    if (key === 'Ref') return arg === 'AWS::NoValue' ? NO_VALUE : refValue(String(arg), resources);
    if (key === 'Fn::GetAtt') {
      const [name, attribute] = Array.isArray(arg) ? arg : String(arg).split('.');
      return getAttValue(String(name), String(attribute));
    }
    if (key === 'Fn::Sub') {
      const [text, vars] = Array.isArray(arg) ? arg : [arg, {}];
      return String(text).replace(/\$\{([^}]+)\}/g, (_m, name: string) => {
        const local = (vars as Record<string, unknown>)[name];
        if (local !== undefined) return String(resolveIntrinsics(local, resources));
        if (name.includes('.')) {
          const [resource, attribute] = name.split('.');
          return getAttValue(resource ?? name, attribute ?? 'Arn');
        }
        return refValue(name, resources);
      });
    }
    if (key === 'Fn::Join' && Array.isArray(arg)) {
      const [separator, parts] = arg as [string, unknown[]];
      return (resolveIntrinsics(parts, resources) as unknown[]).join(separator);
    }
    if (key === 'Fn::If' && Array.isArray(arg)) {
      // A conditional grant counts as granted: the report judges what the role could hold.
      return resolveIntrinsics(arg[1], resources);
    }
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    const resolved = resolveIntrinsics(v, resources);
    if (resolved !== NO_VALUE) out[k] = resolved;
  }
  return out;
}

const NO_VALUE = Symbol('AWS::NoValue');

/** Every `AWS::IAM::Role` of a template, in the shape `snapshotFromAuthorizationDetails` reads. */
export function authorizationDetailsFromTemplate(template: { Resources?: Resources }): {
  RoleDetailList: unknown[];
  Policies: unknown[];
} {
  const resources = template.Resources ?? {};
  const roles: unknown[] = [];
  const policies: unknown[] = [];
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (resource.Type === 'AWS::IAM::ManagedPolicy') {
      const props = resolveIntrinsics(resource.Properties ?? {}, resources) as Record<
        string,
        unknown
      >;
      policies.push({
        PolicyName: String(props.ManagedPolicyName ?? logicalId),
        Arn: refValue(logicalId, resources),
        DefaultVersionId: 'v1',
        PolicyVersionList: [
          { Document: props.PolicyDocument, VersionId: 'v1', IsDefaultVersion: true },
        ],
      });
    }
    if (resource.Type !== 'AWS::IAM::Role') continue;
    const props = resolveIntrinsics(resource.Properties ?? {}, resources) as Record<
      string,
      unknown
    >;
    const name = typeof props.RoleName === 'string' ? props.RoleName : logicalId;
    const path = typeof props.Path === 'string' ? props.Path : '/';
    roles.push({
      Path: path,
      RoleName: name,
      Arn: `arn:aws:iam::123456789012:role${path}${name}`,
      AssumeRolePolicyDocument: props.AssumeRolePolicyDocument,
      RolePolicyList: (
        (props.Policies ?? []) as { PolicyName?: string; PolicyDocument?: unknown }[]
      ).map((p) => ({
        PolicyName: p.PolicyName ?? 'inline',
        PolicyDocument: p.PolicyDocument,
      })),
      AttachedManagedPolicies: ((props.ManagedPolicyArns ?? []) as string[]).map((arn) => ({
        PolicyArn: arn,
      })),
      ...(typeof props.PermissionsBoundary === 'string'
        ? {
            PermissionsBoundary: {
              PermissionsBoundaryType: 'Policy',
              PermissionsBoundaryArn: props.PermissionsBoundary,
            },
          }
        : {}),
      LogicalId: logicalId,
    });
  }
  return { RoleDetailList: roles, Policies: policies };
}
