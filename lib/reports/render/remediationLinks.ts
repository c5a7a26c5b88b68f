/**
 * Where AWS documents the fix for each check: the HTML report links a finding's "what to do"
 * to it. Links only — the page fetches nothing (its Content-Security-Policy forbids it).
 */
const IAM = 'https://docs.aws.amazon.com/IAM/latest/UserGuide';
const GATEWAY =
  'https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/gateway-prerequisites-permissions.html';

export interface DocLink {
  title: string;
  url: string;
}

const LEAST_PRIVILEGE: DocLink = {
  title: 'IAM: apply least-privilege permissions',
  url: `${IAM}/best-practices.html#grant-least-privilege`,
};

const LINKS: Record<string, DocLink> = {
  'wildcard-grant': LEAST_PRIVILEGE,
  'high-risk-grant': LEAST_PRIVILEGE,
  'recommendation-risk': LEAST_PRIVILEGE,
  'privilege-escalation': {
    title: 'IAM: grant a user permissions to pass a role to an AWS service',
    url: `${IAM}/id_roles_use_passrole.html`,
  },
  'data-exfiltration': {
    title: 'IAM: use conditions in policies to further restrict access',
    url: `${IAM}/best-practices.html#use-policy-conditions`,
  },
  'resource-exposure': {
    title: 'IAM Access Analyzer: identify resources shared with an external entity',
    url: `${IAM}/what-is-access-analyzer.html`,
  },
  'credentials-exposure': {
    title: 'IAM: temporary security credentials',
    url: `${IAM}/id_credentials_temp.html`,
  },
  'infrastructure-modification': {
    title: 'IAM: grant least privilege',
    url: `${IAM}/best-practices.html#grant-least-privilege`,
  },
  'unused-permissions': {
    title: 'IAM: refine permissions using last accessed information',
    url: `${IAM}/access_policies_last-accessed.html`,
  },
  'idle-principal': {
    title: 'IAM: regularly review and remove unused users, roles and permissions',
    url: `${IAM}/best-practices.html#remove-credentials`,
  },
  'unknown-action': {
    title: 'Service Authorization Reference: actions, resources and condition keys',
    url: 'https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html',
  },
  'missing-policy': {
    title: 'AWS CLI: get-account-authorization-details',
    url: 'https://docs.aws.amazon.com/cli/latest/reference/iam/get-account-authorization-details.html',
  },
  'missing-boundary': {
    title: 'IAM: permissions boundaries',
    url: `${IAM}/access_policies_boundaries.html`,
  },
  'missing-group': {
    title: 'AWS CLI: get-account-authorization-details',
    url: 'https://docs.aws.amazon.com/cli/latest/reference/iam/get-account-authorization-details.html',
  },
  'roles-not-separated': { title: 'AgentCore Gateway: set up permissions', url: GATEWAY },
  'shared-execution-role': { title: 'AgentCore Gateway: set up permissions', url: GATEWAY },
  'execution-role-missing': { title: 'AgentCore Gateway: set up permissions', url: GATEWAY },
  'trust-not-limited': {
    title: 'IAM: the confused deputy problem',
    url: `${IAM}/confused-deputy.html`,
  },
  'trust-confused-deputy': {
    title: 'IAM: the confused deputy problem',
    url: `${IAM}/confused-deputy.html`,
  },
  'credential-not-rotatable': {
    title: 'Secrets Manager: rotate secrets',
    url: 'https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotating-secrets.html',
  },
  'secret-rotation-disabled': {
    title: 'Secrets Manager: rotate secrets',
    url: 'https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotating-secrets.html',
  },
  'secret-rotation-overdue': {
    title: 'Secrets Manager: rotate secrets',
    url: 'https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotating-secrets.html',
  },
  'cloudtrail-not-logging': {
    title: 'CloudTrail: create a trail',
    url: 'https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-create-and-update-a-trail.html',
  },
  'management-without-conditions': {
    title: 'IAM: global condition context keys',
    url: `${IAM}/reference_policies_condition-keys.html`,
  },
};

/** The AWS page that explains how to fix a check's finding (gateway posture: the gateway guide). */
export function docLinkFor(checkId: string): DocLink {
  return (
    LINKS[checkId] ?? {
      title:
        checkId.includes('gateway') || checkId.includes('token-vault')
          ? 'AgentCore Gateway: set up permissions'
          : 'IAM: security best practices',
      url:
        checkId.includes('gateway') || checkId.includes('token-vault')
          ? GATEWAY
          : `${IAM}/best-practices.html`,
    }
  );
}

/** Checks with a page of their own (a test asks every check of the catalog to have one). */
export const LINKED_CHECKS: readonly string[] = Object.keys(LINKS);
