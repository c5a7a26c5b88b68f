/**
 * Services whose resources the request names outright (IAM, STS, Lambda, CloudTrail, Athena,
 * Glue, Cognito, WAFv2, CloudFormation, CloudWatch Logs, Organizations).
 * TEST/DEMO COMPONENT — local stack only.
 */
import {
  type Authorization,
  type Resolver,
  type ServiceResolution,
  type Vars,
} from '../authorizationTypes.js';
import {
  arnParts,
  isArn,
  requestTags,
  resourceTagContext,
  str,
  tagContext,
} from '../requestValues.js';
import { passRoles } from './implied.js';

export const iam: Resolver = async (call, lookups) => {
  const arns: Record<string, string> = {};
  const roleName = str(call.params.RoleName);
  if (roleName) {
    arns.role =
      (await lookups.roleArn(roleName)) ?? `arn:aws:iam::${call.account}:role/${roleName}`;
  }
  const user = str(call.params.UserName);
  if (user) arns.user = `arn:aws:iam::${call.account}:user/${user}`;
  const group = str(call.params.GroupName);
  if (group) arns.group = `arn:aws:iam::${call.account}:group/${group}`;
  const policyArn = str(call.params.PolicyArn);
  if (policyArn) arns.policy = policyArn;
  const policyName = str(call.params.PolicyName);
  if (call.operation === 'CreatePolicy' && policyName) {
    arns.policy = `arn:aws:iam::${call.account}:policy${str(call.params.Path) ?? '/'}${policyName}`;
  }
  const source = str(call.params.PolicySourceArn);
  if (source) {
    const kind = /:(role|user|group)\//.exec(source)?.[1];
    if (kind) arns[kind] = source;
  }
  if (call.operation === 'PassRole') return { arns };
  return { arns, context: tagContext(requestTags(call.params)) };
};

/** AssumeRole*: the role; session tags also need `sts:TagSession` on it, with the tags. */
export const sts: Resolver = async (call) => {
  const role = str(call.params.RoleArn);
  if (!role) return {};
  const tags = requestTags(call.params);
  const implied: Authorization[] =
    tags && Object.keys(tags).length > 0
      ? [
          {
            action: 'sts:TagSession',
            resource: role,
            resourceAccount: arnParts(role).account || call.account,
            context: tagContext(tags),
          },
        ]
      : [];
  return { arns: { role }, implied };
};

export const lambda: Resolver = async (call, lookups) => {
  const name = call.labels.FunctionName ?? str(call.params.FunctionName);
  const arns: Record<string, string> = {};
  if (name) {
    arns.function = isArn(name)
      ? name.replace(/:(\$LATEST|\d+)$/, '')
      : ((await lookups.functionArn(name, call.region)) ??
        `arn:aws:lambda:${call.region}:${call.account}:function:${name}`);
  }
  const role = str(call.params.Role);
  const implied = role ? await passRoles(call, lookups, [role], 'lambda.amazonaws.com') : [];
  return { arns, implied };
};

export const cloudtrail: Resolver = async (call) => {
  // CloudTrail Lake: a query is authorized on its event data store, which StartQuery names
  // only as the table of its SQL (the id part of the store's ARN) and GetQueryResults by id or
  // ARN. A statement over several stores is authorized here on the first only.
  const store =
    call.operation === 'StartQuery'
      ? /\bFROM\s+([A-Za-z0-9_-]+)/i.exec(str(call.params.QueryStatement) ?? '')?.[1]
      : call.operation === 'GetQueryResults'
        ? str(call.params.EventDataStore)
        : undefined;
  if (store !== undefined && store !== '') {
    const resolution: ServiceResolution = store.startsWith('arn:')
      ? { arns: { eventdatastore: store } }
      : { vars: { EventDataStoreId: store } };
    return resolution;
  }
  const name = str(call.params.Name) ?? str(call.params.TrailName);
  if (!name) return {};
  return isArn(name) ? { arns: { trail: name } } : { vars: { TrailName: name } };
};

export const athena: Resolver = async (call) => ({
  vars: { WorkGroupName: str(call.params.WorkGroup) ?? str(call.params.Name) ?? 'primary' },
});

export const glue: Resolver = async (call) => {
  const database =
    str(call.params.DatabaseName) ??
    str((call.params.DatabaseInput as Record<string, unknown> | undefined)?.Name);
  const table =
    str(call.params.Name) ??
    str((call.params.TableInput as Record<string, unknown> | undefined)?.Name);
  return {
    vars: {
      CatalogName: str(call.params.CatalogId) ?? call.account,
      ...(database ? { DatabaseName: database } : {}),
      ...(table && database ? { TableName: table } : {}),
    },
  };
};

export const cognito: Resolver = async (call, lookups) => {
  const pool = str(call.params.UserPoolId);
  if (!pool) return {};
  return {
    vars: { UserPoolId: pool },
    context: resourceTagContext(
      lookups.standinTags(`arn:aws:cognito-idp:${call.region}:${call.account}:userpool/${pool}`),
    ),
  };
};

/**
 * WAFv2 web ACLs by scope, name and id (CreateWebACL is authorized on `<name>/*`: the id does
 * not exist yet), the ACL an association names, and the AgentCore gateway it protects.
 */
export const wafv2: Resolver = async (call) => {
  const vars: Vars = {};
  const scope = str(call.params.Scope);
  if (scope) vars.Scope = scope.toLowerCase();
  const name = str(call.params.Name);
  if (name) vars.Name = name;
  const id = str(call.params.Id);
  if (id) vars.Id = id;
  const arns: Record<string, string> = {};
  const acl = str(call.params.WebACLArn);
  if (acl) arns.webacl = acl;
  const resource = str(call.params.ResourceArn);
  if (resource && /^arn:aws[\w-]*:bedrock-agentcore:[^:]*:\d*:gateway\//.test(resource))
    arns['agentcore-gateway'] = resource;
  return { vars, defaults: { Id: '*' }, arns };
};

/** Stacks are named by name; their id part is not in the request (any id of that name). */
export const cloudformation: Resolver = async (call) => {
  const name = str(call.params.StackName);
  if (!name) return {};
  return isArn(name) ? { arns: { stack: name } } : { vars: { StackName: name, Id: 'local' } };
};

export const logs: Resolver = async (call) => {
  const group = str(call.params.logGroupName);
  return group ? { vars: { LogGroupName: group } } : {};
};

/**
 * Organizations names policies, roots, OUs and accounts by ids whose ARNs also need the
 * organization's id (and a created policy has none yet): the gate authorizes these calls on
 * every resource of the type. Coarser than AWS for resource-scoped grants on Organizations,
 * which only the management account's admin makes on the local stack.
 */
export const organizations: Resolver = async () => ({
  arns: Object.fromEntries(
    [
      'account',
      'handshake',
      'organization',
      'organizationalunit',
      'policy',
      'resourcepolicy',
      'root',
      'awspolicy',
    ].map((type) => [type, '*']),
  ),
});
