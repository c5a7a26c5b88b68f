import type { Severity } from '../detection/types.js';
import { splitAction, type ActionCatalog } from './catalog.js';
import type { Grant } from './granted.js';
import type { IamPrincipal } from './iamModel.js';
import { wildcardMatch } from './policy.js';
import { ESCALATION_METHODS } from './privilegeEscalation.js';

/**
 * Risk categories as cloudsplaining users know them (salesforce/cloudsplaining, BSD-3:
 * `cloudsplaining/shared/constants.py` and `scan/policy_document.py`), computed on what the
 * principal is effectively allowed — after every Deny and the permissions boundary — across
 * all its policies together, rather than one policy at a time.
 */
export const RISK_CATEGORIES = [
  'privilege-escalation',
  'data-exfiltration',
  'resource-exposure',
  'credentials-exposure',
  'infrastructure-modification',
] as const;
export type RiskCategory = (typeof RISK_CATEGORIES)[number];

/** Cloudsplaining's ISSUE_SEVERITY for the same categories. */
export const CATEGORY_SEVERITY: Record<RiskCategory, Severity> = {
  'privilege-escalation': 'high',
  'data-exfiltration': 'medium',
  'resource-exposure': 'high',
  'credentials-exposure': 'high',
  'infrastructure-modification': 'low',
};

/**
 * Cloudsplaining's READ_ONLY_DATA_EXFILTRATION_ACTIONS, plus reads that hand over secret data
 * just as directly: KMS decryption with any key, and secrets in bulk.
 */
export const DATA_EXFILTRATION_ACTIONS = [
  's3:GetObject',
  'ssm:GetParameter',
  'ssm:GetParameters',
  'ssm:GetParametersByPath',
  'secretsmanager:GetSecretValue',
  // gatewarden's additions
  'kms:Decrypt',
  'secretsmanager:BatchGetSecretValue',
];

/**
 * Cloudsplaining's ACTIONS_THAT_RETURN_CREDENTIALS (as written there, lower case; typos such
 * as `gamelist:` kept and simply unknown to the catalog), plus AgentCore's token-vault reads.
 */
export const CREDENTIALS_EXPOSURE_ACTIONS = [
  'airflow:createclitoken',
  'airflow:createweblogintoken',
  'appsync:createapikey',
  'chime:createapikey',
  'cloud9:createenvironmenttoken',
  'codeartifact:getauthorizationtoken',
  'codepipeline:pollforjobs',
  'cognito-identity:getopenidtoken',
  'cognito-identity:getopenidtokenfordeveloperidentity',
  'cognito-identity:getcredentialsforidentity',
  'cognito-idp:getsigningcertificate',
  'connect:getfederationtoken',
  'connect:getfederationtokens',
  'ec2:getpassworddata',
  'ecr:getauthorizationtoken',
  'ecr-public:getauthorizationtoken',
  'emr-containers:getmanagedendpointsessioncredentials',
  'finspace-api:getprogrammaticaccesscredentials',
  'gamelift:requestuploadcredentials',
  'gamelift:getinstanceaccess',
  'gamelist:getcomputeaccess',
  'gamelist:getcomputeauthtoken',
  'grafana:createworkspaceapikey',
  'iam:createaccesskey',
  'iam:createloginprofile',
  'iam:createservicespecificcredential',
  'iam:resetservicespecificcredential',
  'iam:updateaccesskey',
  'license-manager:getaccesstoken',
  'lightsail:getinstanceaccessdetails',
  'lightsail:downloaddefaultkeypair',
  'lightsail:createbucketaccesskey',
  'lightsail:getrelationaldatabasemasteruserpassword',
  'mediapackage:rotatechannelcredentials',
  'mediapackage:rotateingestendpointcredentials',
  'rds-db:connect',
  'redshift:getclustercredentials',
  'redshift:getclustercredentialswithiam',
  'redshift-serverless:getcredentials',
  'sso:getrolecredentials',
  'sts:assumerole',
  'sts:assumerolewithsaml',
  'sts:assumerolewithwebidentity',
  'sts:getfederationtoken',
  'sts:getsessiontoken',
  // gatewarden's additions
  'bedrock-agentcore:getresourceapikey',
  'bedrock-agentcore:getresourceoauth2token',
];

/**
 * Resource exposure is cloudsplaining's "permissions management without resource constraints":
 * every action of that access level (bucket and object ACLs and policies, queue, topic, key,
 * secret, Lambda and ECR policies, IAM policies). OpenSearch domain access policies are written
 * through the domain configuration, a Write action: added by name.
 */
export const RESOURCE_EXPOSURE_EXTRA_ACTIONS = [
  'es:UpdateDomainConfig',
  'es:UpdateElasticsearchDomainConfig',
  'es:CreateDomain',
  'es:CreateElasticsearchDomain',
];

/** One category a principal is exposed to, with what grants it. */
export interface CategoryRisk {
  category: RiskCategory;
  /** Actions on every resource (for privilege escalation: the methods, `id: a + b`). */
  items: string[];
  /** Every policy that grants a piece of it. */
  policies: string[];
  /** Every piece is granted only under conditions (a narrower, still real, exposure). */
  conditional: boolean;
}

function onEveryResource(grant: Grant): boolean {
  return grant.notResource || grant.resources.includes('*');
}

/** Canonical spellings of a list, unknown names dropped (memoised per catalog). */
const canonicalMemo = new WeakMap<ActionCatalog, Map<readonly string[], Promise<Set<string>>>>();
function canonicalSet(list: readonly string[], catalog: ActionCatalog): Promise<Set<string>> {
  let byList = canonicalMemo.get(catalog);
  if (byList === undefined) canonicalMemo.set(catalog, (byList = new Map()));
  let result = byList.get(list);
  if (result === undefined) {
    result = (async () => {
      const out = new Set<string>();
      for (const a of list) {
        const c = await catalog.canonical(a);
        if (c !== undefined) out.add(c);
      }
      return out;
    })();
    byList.set(list, result);
  }
  return result;
}

/** Who grants an action on every resource, and whether only under conditions. */
type Holders = Map<string, Grant[]>;

function note(map: Holders, action: string, grant: Grant): void {
  const list = map.get(action);
  if (list === undefined) map.set(action, [grant]);
  else if (!list.includes(grant)) list.push(grant);
}

function riskOf(category: RiskCategory, items: Map<string, Grant[]>): CategoryRisk | undefined {
  if (items.size === 0) return undefined;
  const grants = [...items.values()].flat();
  return {
    category,
    items: [...items.keys()].sort(),
    policies: [...new Set(grants.map((g) => g.policy))].sort(),
    // Conditional only when every item is held only under conditions.
    conditional: [...items.values()].every((list) => list.every((g) => g.conditions !== undefined)),
  };
}

/** IAM writes that escalate when aimed at the principal itself, by the ARN kind they target. */
const SELF_EDITS: { id: string; actions: string[]; targets: 'policy' | 'self' | 'group' }[] = [
  {
    id: 'self-policy-version',
    actions: ['iam:CreatePolicyVersion', 'iam:SetDefaultPolicyVersion'],
    targets: 'policy',
  },
  {
    id: 'self-policy-write',
    actions: [
      'iam:PutRolePolicy',
      'iam:AttachRolePolicy',
      'iam:DeleteRolePermissionsBoundary',
      'iam:PutUserPolicy',
      'iam:AttachUserPolicy',
      'iam:DeleteUserPermissionsBoundary',
      'iam:AddUserToGroup',
    ],
    targets: 'self',
  },
  {
    id: 'self-group-policy-write',
    actions: ['iam:PutGroupPolicy', 'iam:AttachGroupPolicy'],
    targets: 'group',
  },
];

/**
 * The principal's own ARNs a self-edit could aim at: its customer-managed policies (directly
 * or through a group), itself, its groups (path-less ARNs; IAM group paths are rare).
 */
function ownTargets(principal: IamPrincipal): Record<'policy' | 'self' | 'group', string[]> {
  const partition = principal.arn.split(':')[1] ?? 'aws';
  return {
    policy: principal.policies
      .map((p) => p.arn)
      .filter((arn): arn is string => arn !== undefined && !arn.includes(':iam::aws:policy/')),
    self: [principal.arn],
    group: [
      ...new Set(principal.policies.map((p) => p.viaGroup).filter((g) => g !== undefined)),
    ].map((g) => `arn:${partition}:iam::${principal.accountId}:group/${g}`),
  };
}

/** `${aws:username}` in a user's own policy means that user. */
function resolveVariables(pattern: string, principal: IamPrincipal): string {
  return principal.type === 'user'
    ? pattern.replaceAll('${aws:username}', principal.name)
    : pattern;
}

/**
 * The risk categories a principal falls in: each category's actions (or escalation methods)
 * effectively allowed on every resource, across all its policies; plus self-edits — policy
 * writes scoped to a pattern that matches the principal's own policy, user, role or group.
 */
export async function riskCategories(
  principal: IamPrincipal,
  grants: readonly Grant[],
  allowed: ReadonlySet<string>,
  catalog: ActionCatalog,
): Promise<CategoryRisk[]> {
  const [exfil, creds, extra] = await Promise.all([
    canonicalSet(DATA_EXFILTRATION_ACTIONS, catalog),
    canonicalSet(CREDENTIALS_EXPOSURE_ACTIONS, catalog),
    canonicalSet(RESOURCE_EXPOSURE_EXTRA_ACTIONS, catalog),
  ]);
  const methodActions = new Set(ESCALATION_METHODS.flatMap((m) => m.actions));
  const onStar: Holders = new Map();
  const exposure: Holders = new Map();
  const modification: Holders = new Map();
  for (const grant of grants) {
    if (!onEveryResource(grant)) continue;
    const byService = new Map<string, string[]>();
    for (const action of grant.actions) {
      if (!allowed.has(action)) continue;
      if (exfil.has(action) || creds.has(action) || methodActions.has(action))
        note(onStar, action, grant);
      if (extra.has(action)) note(exposure, action, grant);
      const service = splitAction(action)[0];
      const list = byService.get(service);
      if (list === undefined) byService.set(service, [action]);
      else list.push(action);
    }
    for (const [service, actions] of byService) {
      const [managed, modify] = await Promise.all([
        catalog.permissionsManagementActions(service),
        catalog.modifyActions(service),
      ]);
      for (const action of actions) {
        if (managed.has(action)) note(exposure, action, grant);
        if (modify.has(action)) note(modification, action, grant);
      }
    }
  }
  const pick = (set: Set<string>) => new Map([...onStar].filter(([action]) => set.has(action)));

  const escalations = new Map<string, Grant[]>();
  for (const m of ESCALATION_METHODS) {
    const holders = m.actions.map((a) => onStar.get(a));
    if (holders.some((h) => h === undefined)) continue;
    escalations.set(`${m.id}: ${m.actions.join(' + ')}`, (holders as Grant[][]).flat());
  }
  const targets = ownTargets(principal);
  for (const edit of SELF_EDITS) {
    const own = targets[edit.targets];
    if (own.length === 0) continue;
    for (const grant of grants) {
      if (onEveryResource(grant)) continue; // already counted as a method on every resource
      const actions = edit.actions.filter((a) => grant.actions.includes(a) && allowed.has(a));
      if (actions.length === 0) continue;
      const hit = own.find((arn) =>
        grant.resources.some((r) => wildcardMatch(resolveVariables(r, principal), arn)),
      );
      if (hit === undefined) continue;
      const key = `${edit.id}: ${actions.join(', ')} on its own ${hit}`;
      escalations.set(key, [...(escalations.get(key) ?? []), grant]);
    }
  }
  return [
    riskOf('privilege-escalation', escalations),
    riskOf('data-exfiltration', pick(exfil)),
    riskOf('resource-exposure', exposure),
    riskOf('credentials-exposure', pick(creds)),
    // Writes not already in another category: one finding says each thing once.
    riskOf(
      'infrastructure-modification',
      new Map(
        [...modification].filter(
          ([action]) =>
            !exposure.has(action) &&
            !creds.has(action) &&
            !exfil.has(action) &&
            ![...escalations.keys()].some((m) => m.includes(` ${action}`)),
        ),
      ),
    ),
  ].filter((r): r is CategoryRisk => r !== undefined);
}
