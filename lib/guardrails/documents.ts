/**
 * Preventive guardrails for an organization (`gatewarden guardrails --out DIR`): service and
 * resource control policies generated from what gatewarden deploys in members and what its
 * report checks. SCPs bound what the members' own principals may do; the RCP bounds who may
 * read gateway secrets whoever grants it. Each is a Deny-only document within the 5,120-character
 * limit of both policy types, checked by {@link validateGuardrail}.
 */

/** What a guardrail document is attached as. */
export type GuardrailKind = 'SERVICE_CONTROL_POLICY' | 'RESOURCE_CONTROL_POLICY';

export interface GuardrailStatement {
  Sid: string;
  Effect: 'Deny';
  Principal?: '*';
  Action: string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface GuardrailDocument {
  Version: '2012-10-17';
  Statement: GuardrailStatement[];
}

export interface Guardrail {
  /** File name without `.json`, and the policy's name when attached. */
  name: string;
  kind: GuardrailKind;
  description: string;
  document: GuardrailDocument;
}

export interface GuardrailOptions {
  /** The gatewarden stage whose member resources are protected. */
  stage: string;
  /**
   * Gateway execution roles (ARN patterns, `arn:aws:iam::*:role/gateway-*`): the only
   * principals besides gatewarden's rotators and AgentCore itself that may read gateway secrets.
   * None given: no secrets RCP (it would lock out the gateways).
   */
  gatewayRoles?: readonly string[];
  /** The organization's KMS keys gateways may be encrypted with (none: not enforced). */
  kmsKeyArns?: readonly string[];
  /** Every gateway must attach a policy engine (none may be created or updated without one). */
  requirePolicyEngine?: boolean;
  /** Principals exempt from the gateway practices (break-glass, the platform pipeline). */
  exemptPrincipals?: readonly string[];
}

/** The role service-managed StackSets create and act through in every member account. */
export const STACKSET_EXECUTION_ROLE = 'arn:*:iam::*:role/stacksets-exec-*';

/**
 * The tag the web ACLs, rule groups, IP sets and regex pattern sets of gateways carry (any
 * value): with exempt principals named, only they change, delete, tag or untag what has it.
 */
export const GATEWAY_WAF_TAG = 'gatewarden:protects-gateways';

/** The service principal that reads gateway secrets on a gateway's behalf. */
const AGENTCORE_SERVICE = 'bedrock-agentcore.amazonaws.com';

/** SCP and RCP documents: 5,120 characters each (AWS Organizations quotas). */
export const POLICY_SIZE_LIMIT = 5120;

const STAGE = /^[A-Za-z0-9-]{1,30}$/;
/**
 * A gateway role pattern: an IAM role ARN, nothing else. The secrets RCP exempts what it
 * matches, and only roles can be guarded by the gateway roles SCP (a `*` where `role` stands
 * would exempt a user of that name, which nothing guards).
 */
const ROLE_PATTERN = /^arn:(aws[a-z-]*|\*):iam::(\d{12}|\*):role\/[\w+=,.@/*-]+$/;
/**
 * An exempt principal: an IAM role, user or the root of an account. Roles and users are
 * guarded by name (ExemptPrincipalsOnlyByThemselves); other forms
 * (`sts` sessions, a `*` where `role` stands) could match principals nothing guards.
 */
const EXEMPT_PATTERN = /^arn:(aws[a-z-]*|\*):iam::(\d{12}|\*):(root|(role|user)\/[\w+=,.@/*-]+)$/;
const KMS_KEY = /^arn:(aws[a-z-]*|\*):kms:[a-z0-9-*]+:(\d{12}|\*):(key|alias)\/[\w/*-]+$/;

const EVENT_RULE_WRITES = [
  'events:DeleteRule',
  'events:DisableRule',
  'events:PutRule',
  'events:PutTargets',
  'events:RemoveTargets',
  'events:TagResource',
  'events:UntagResource',
];

const ROLE_WRITES = [
  'iam:AttachRolePolicy',
  'iam:DeleteRole',
  'iam:DeleteRolePermissionsBoundary',
  'iam:DeleteRolePolicy',
  'iam:DetachRolePolicy',
  'iam:PutRolePermissionsBoundary',
  'iam:PutRolePolicy',
  'iam:TagRole',
  'iam:UntagRole',
  'iam:UpdateAssumeRolePolicy',
  'iam:UpdateRole',
  'iam:UpdateRoleDescription',
];

/** What gives someone a user's powers, or changes them: its credentials and its policies. */
const USER_WRITES = [
  'iam:AttachUserPolicy',
  'iam:CreateAccessKey',
  'iam:CreateLoginProfile',
  'iam:CreateServiceSpecificCredential',
  'iam:CreateUser',
  'iam:DeactivateMFADevice',
  'iam:DeleteUserPermissionsBoundary',
  'iam:DeleteUserPolicy',
  'iam:DetachUserPolicy',
  'iam:EnableMFADevice',
  'iam:PutUserPermissionsBoundary',
  'iam:PutUserPolicy',
  'iam:ResyncMFADevice',
  'iam:TagUser',
  'iam:UntagUser',
  'iam:UpdateAccessKey',
  'iam:UpdateLoginProfile',
  'iam:UpdateUser',
  'iam:UploadSSHPublicKey',
  'iam:UploadSigningCertificate',
];

/** Changes that empty or remove what a gateway's web ACL evaluates (each a full replace). */
const WAF_WRITES = [
  'wafv2:DeleteIPSet',
  'wafv2:DeleteRegexPatternSet',
  'wafv2:DeleteRuleGroup',
  'wafv2:DeleteWebACL',
  'wafv2:UpdateIPSet',
  'wafv2:UpdateRegexPatternSet',
  'wafv2:UpdateRuleGroup',
  'wafv2:UpdateWebACL',
];

const GATEWAY_WRITES = ['bedrock-agentcore:CreateGateway', 'bedrock-agentcore:UpdateGateway'];

function checkPatterns(values: readonly string[], valid: RegExp, what: string): void {
  const bad = values.find((v) => !valid.test(v));
  if (bad !== undefined) throw new RangeError(`not ${what}: ${JSON.stringify(bad)}`);
}

/** gatewarden's rotator roles in any member and region (the secrets RCP's exemption). */
function rotatorRoles(stage: string): string[] {
  return [
    `arn:*:iam::*:role/gatewarden-${stage}-*-rotate`,
    `arn:*:iam::*:role/gatewarden-${stage}-*-rotateNow`,
  ];
}

/**
 * Protects what the member StackSet deploys (lib/deploy/memberTemplate.ts): its forwarding
 * rules, the role they forward with, the read role and the stack instances themselves change
 * only through the StackSet's execution role. A member's administrator cannot blind the
 * security account or widen the role it reads through.
 */
function memberResources(stage: string): Guardrail {
  const exceptStackSets = { ArnNotLike: { 'aws:PrincipalArn': STACKSET_EXECUTION_ROLE } };
  return {
    name: `gatewarden-${stage}-protect-member-resources`,
    kind: 'SERVICE_CONTROL_POLICY',
    description: `Only the StackSet execution role changes gatewarden ${stage}'s forwarding rules, roles and stack instances in member accounts`,
    document: {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'ForwardingRulesOnlyThroughTheStackSet',
          Effect: 'Deny',
          Action: EVENT_RULE_WRITES,
          Resource: `arn:*:events:*:*:rule/gatewarden-${stage}-org-*`,
          Condition: exceptStackSets,
        },
        {
          Sid: 'MemberRolesOnlyThroughTheStackSet',
          Effect: 'Deny',
          Action: ROLE_WRITES,
          Resource: [
            `arn:*:iam::*:role/gatewarden-${stage}-member-read`,
            `arn:*:iam::*:role/gatewarden-${stage}-*-org-forwarder`,
          ],
          Condition: exceptStackSets,
        },
        {
          // The exemption above is by name: a member-made role of that name, or the real one
          // with a trust or policy of the member's, would act as the StackSet. StackSets makes
          // these roles with its service-linked role, which no SCP restricts.
          Sid: 'NoRoleNamedLikeTheStackSetExecutionRole',
          Effect: 'Deny',
          Action: ['iam:CreateRole', ...ROLE_WRITES],
          Resource: STACKSET_EXECUTION_ROLE,
        },
        {
          // The secrets RCP exempts the rotators by name (their ARNs differ in every member
          // and region): a member-made role of that name, the real one trusting someone else
          // or passed to a function of the member's would read every gateway secret.
          Sid: 'RotatorRolesOnlyThroughTheStackSet',
          Effect: 'Deny',
          Action: ['iam:CreateRole', 'iam:PassRole', ...ROLE_WRITES],
          Resource: rotatorRoles(stage),
          Condition: exceptStackSets,
        },
        {
          // The member rotation StackSet's functions (lib/deploy/memberRotation.ts): their code
          // is the central stage's content-addressed zip; a member's administrator must not
          // swap it, widen who may invoke them, or make a function of that name first.
          Sid: 'RotatorFunctionsOnlyThroughTheStackSet',
          Effect: 'Deny',
          // A reserved concurrency of 0, or a removed or re-aimed invoke config, stops or
          // silences a function as surely as deleting it.
          Action: [
            'lambda:AddPermission',
            'lambda:CreateFunction',
            'lambda:CreateFunctionUrlConfig',
            'lambda:DeleteFunction',
            'lambda:DeleteFunctionConcurrency',
            'lambda:DeleteFunctionEventInvokeConfig',
            'lambda:PutFunctionConcurrency',
            'lambda:PutFunctionEventInvokeConfig',
            'lambda:RemovePermission',
            'lambda:UpdateFunctionCode',
            'lambda:UpdateFunctionConfiguration',
            'lambda:UpdateFunctionEventInvokeConfig',
            'lambda:UpdateFunctionUrlConfig',
          ],
          Resource: [
            `arn:*:lambda:*:*:function:gatewarden-${stage}-rotate`,
            `arn:*:lambda:*:*:function:gatewarden-${stage}-rotateNow`,
          ],
          Condition: exceptStackSets,
        },
        {
          Sid: 'StackInstancesOnlyThroughTheStackSet',
          Effect: 'Deny',
          Action: [
            'cloudformation:DeleteStack',
            'cloudformation:UpdateStack',
            'cloudformation:CreateChangeSet',
            'cloudformation:ExecuteChangeSet',
            'cloudformation:SetStackPolicy',
            'cloudformation:UpdateTerminationProtection',
          ],
          Resource: [
            `arn:*:cloudformation:*:*:stack/StackSet-gatewarden-${stage}-members-*`,
            `arn:*:cloudformation:*:*:stack/StackSet-gatewarden-${stage}-member-rotation-*`,
          ],
          Condition: exceptStackSets,
        },
      ],
    },
  };
}

/**
 * The gateway practices the report checks, made preventive: no gateway without inbound
 * authorization (`NONE`) or with authorization offloaded (`AUTHENTICATE_ONLY`), no policy engine
 * in log-only mode (nor, when required, a gateway without one), no WAF web ACL taken off a
 * gateway, and, when the organization names its keys, no gateway encrypted with another key.
 * AssociateWebACL replaces a gateway's web ACL (an empty one takes the WAF off as surely as
 * a Disassociate): with exempt principals named, only they may associate one; without any,
 * refusing it would keep every gateway from getting a WAF, so it is left allowed (the CLI
 * says so).
 */
function gatewayPractices(options: GuardrailOptions): Guardrail {
  const exempt = options.exemptPrincipals ?? [];
  const unlessExempt = (
    condition: Record<string, Record<string, string | string[]>>,
  ): Record<string, Record<string, string | string[]>> =>
    exempt.length === 0
      ? condition
      : { ...condition, ArnNotLike: { 'aws:PrincipalArn': [...exempt] } };
  const statements: GuardrailStatement[] = [
    {
      Sid: 'NoGatewayWithoutAuthorizer',
      Effect: 'Deny',
      Action: GATEWAY_WRITES,
      Resource: '*',
      Condition: unlessExempt({
        StringEquals: { 'bedrock-agentcore:GatewayAuthorizerType': ['NONE', 'AUTHENTICATE_ONLY'] },
      }),
    },
    {
      Sid: 'NoLogOnlyPolicyEngine',
      Effect: 'Deny',
      Action: GATEWAY_WRITES,
      Resource: '*',
      Condition: unlessExempt({
        StringEquals: { 'bedrock-agentcore:PolicyEngineMode': 'LOG_ONLY' },
      }),
    },
    {
      Sid: 'NoWafRemovedFromGateways',
      Effect: 'Deny',
      Action: ['wafv2:DisassociateWebACL'],
      Resource: 'arn:*:bedrock-agentcore:*:*:gateway/*',
      ...(exempt.length === 0 ? {} : { Condition: unlessExempt({}) }),
    },
  ];
  if (exempt.length > 0) {
    statements.push(
      {
        Sid: 'NoWafSwappedOnGateways',
        Effect: 'Deny',
        Action: ['wafv2:AssociateWebACL'],
        Resource: 'arn:*:bedrock-agentcore:*:*:gateway/*',
        Condition: unlessExempt({}),
      },
      {
        // UpdateWebACL and UpdateRuleGroup replace the rules whole: an ACL left on a gateway
        // with no rules and a default Allow is no WAF, and no association call shows it.
        Sid: 'NoWafRulesChangedOnGateways',
        Effect: 'Deny',
        Action: WAF_WRITES,
        Resource: '*',
        Condition: unlessExempt({ Null: { [`aws:ResourceTag/${GATEWAY_WAF_TAG}`]: 'false' } }),
      },
      {
        Sid: 'NoGatewayWafTagChanged',
        Effect: 'Deny',
        Action: ['wafv2:TagResource', 'wafv2:UntagResource'],
        Resource: '*',
        Condition: unlessExempt({
          'ForAnyValue:StringEquals': { 'aws:TagKeys': [GATEWAY_WAF_TAG] },
        }),
      },
      ...exemptNameGuards(exempt),
    );
  }
  if (options.requirePolicyEngine === true) {
    statements.push({
      Sid: 'NoGatewayWithoutPolicyEngine',
      Effect: 'Deny',
      Action: GATEWAY_WRITES,
      Resource: '*',
      Condition: unlessExempt({ Null: { 'bedrock-agentcore:PolicyEngineArn': 'true' } }),
    });
  }
  const keys = options.kmsKeyArns ?? [];
  if (keys.length > 0) {
    statements.push({
      Sid: 'GatewaysOnlyWithOrganizationKeys',
      Effect: 'Deny',
      Action: GATEWAY_WRITES,
      Resource: '*',
      Condition: unlessExempt({ ArnNotLikeIfExists: { 'bedrock-agentcore:KmsKeyArn': [...keys] } }),
    });
  }
  return {
    name: 'gatewarden-gateway-practices',
    kind: 'SERVICE_CONTROL_POLICY',
    description:
      'AgentCore gateways keep inbound authorization, an enforcing policy engine, their WAF web ACL and the organization keys',
    document: { Version: '2012-10-17', Statement: statements },
  };
}

/**
 * The exempt principals are exempt by name (here, and from who may make a gateway role): a
 * member-made role or user of such a name, the real role trusting someone else or passed to a
 * function, or the real user given a key of someone else's, would act as exempt. Only the
 * exempt principals themselves and the StackSet execution role (which makes them in a new
 * member) create, change or pass them. Who may assume an exempt role stays its trust policy's
 * (break-glass is assumed by people): that policy is what this keeps.
 */
function exemptNameGuards(exempt: readonly string[]): GuardrailStatement[] {
  const roles = exempt.filter((p) => /:role\//.test(p));
  const users = exempt.filter((p) => /:user\//.test(p));
  if (roles.length === 0 && users.length === 0) return [];
  // One statement for both (a role action never matches a user's ARN, nor the reverse): the
  // exempt list is written once more, not twice, within the document's size quota.
  return [
    {
      Sid: 'ExemptPrincipalsOnlyByThemselves',
      Effect: 'Deny',
      Action: [
        ...(roles.length === 0 ? [] : ['iam:CreateRole', 'iam:PassRole', ...ROLE_WRITES]),
        ...(users.length === 0 ? [] : USER_WRITES),
      ],
      Resource: [...roles, ...users],
      Condition: { ArnNotLike: { 'aws:PrincipalArn': [...exempt, STACKSET_EXECUTION_ROLE] } },
    },
  ];
}

const SECRET_READS = ['secretsmanager:GetSecretValue', 'secretsmanager:BatchGetSecretValue'];
const GATEWAY_SECRETS = [
  'arn:*:secretsmanager:*:*:secret:gatewarden/*',
  'arn:*:secretsmanager:*:*:secret:bedrock-agentcore-identity!*',
];

/**
 * Gateway secrets (`gatewarden/…` and AgentCore Identity's `bedrock-agentcore-identity!…`)
 * are read only by gateway roles, gatewarden's rotators, and AgentCore itself — whatever an
 * identity policy or a secret's own policy grants. Only from, and for, the secret's own account.
 */
function secretReaders(stage: string, gatewayRoles: readonly string[]): Guardrail {
  return {
    name: 'gatewarden-gateway-secret-readers',
    kind: 'RESOURCE_CONTROL_POLICY',
    description:
      'Gateway secrets are read by gateway roles, the gatewarden rotators and AgentCore only',
    document: {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'GatewaySecretsOnlyToGatewayRoles',
          Effect: 'Deny',
          Principal: '*',
          Action: SECRET_READS,
          Resource: GATEWAY_SECRETS,
          Condition: {
            ArnNotLike: {
              'aws:PrincipalArn': [
                ...gatewayRoles,
                // Names only the StackSet may give (RotatorRolesOnlyThroughTheStackSet).
                ...rotatorRoles(stage),
              ],
            },
            BoolIfExists: { 'aws:PrincipalIsAWSService': 'false' },
          },
        },
        {
          // The names above are exemptions in any account, and only the organization's SCPs
          // guard who may take them: a role of such a name in an account outside it (the
          // secret shared to it by its policy) would read the secret. Gateway roles and the
          // rotators act in the secret's own account.
          Sid: 'GatewaySecretsOnlyInTheirOwnAccount',
          Effect: 'Deny',
          Principal: '*',
          Action: SECRET_READS,
          Resource: GATEWAY_SECRETS,
          Condition: {
            StringNotEqualsIfExists: { 'aws:PrincipalAccount': '${aws:ResourceAccount}' },
            BoolIfExists: { 'aws:PrincipalIsAWSService': 'false' },
          },
        },
        {
          // The statements above let AWS services through: a member administrator could grant
          // the secret to any service (its policy) and have it send the value elsewhere.
          Sid: 'GatewaySecretsOnlyToAgentCore',
          Effect: 'Deny',
          Principal: '*',
          Action: SECRET_READS,
          Resource: GATEWAY_SECRETS,
          Condition: {
            Bool: { 'aws:PrincipalIsAWSService': 'true' },
            StringNotEquals: { 'aws:PrincipalServiceName': AGENTCORE_SERVICE },
          },
        },
        {
          // The confused deputy: AgentCore acting for another account's gateway. As AWS's
          // own RCP example, only where the service says whom it acts for.
          Sid: 'AgentCoreOnlyForTheSecretsOwnAccount',
          Effect: 'Deny',
          Principal: '*',
          Action: SECRET_READS,
          Resource: GATEWAY_SECRETS,
          Condition: {
            Bool: { 'aws:PrincipalIsAWSService': 'true' },
            StringNotEqualsIfExists: { 'aws:SourceAccount': '${aws:ResourceAccount}' },
          },
        },
      ],
    },
  };
}

/**
 * The secrets RCP exempts the gateway roles by ARN pattern, so who may act as a role of such a
 * name is what it protects: a gateway role is passed to AgentCore only (a function of the
 * member's running as one would read every secret), and, with exempt principals named, only
 * they create one or change whom it trusts. Without exempt principals nobody could make a
 * gateway role, so that part is left out (the CLI says so).
 */
function gatewayRoleGuard(
  stage: string,
  gatewayRoles: readonly string[],
  exempt: readonly string[],
): Guardrail {
  const roles = [...gatewayRoles];
  const statements: GuardrailStatement[] = [
    {
      Sid: 'GatewayRolesPassedOnlyToAgentCore',
      Effect: 'Deny',
      Action: ['iam:PassRole'],
      Resource: roles,
      Condition: { StringNotEquals: { 'iam:PassedToService': 'bedrock-agentcore.amazonaws.com' } },
    },
  ];
  if (exempt.length > 0) {
    statements.push({
      Sid: 'GatewayRolesMadeOnlyByExemptPrincipals',
      Effect: 'Deny',
      Action: ['iam:CreateRole', 'iam:UpdateAssumeRolePolicy'],
      Resource: roles,
      Condition: { ArnNotLike: { 'aws:PrincipalArn': [...exempt] } },
    });
  }
  return {
    name: `gatewarden-${stage}-protect-gateway-roles`,
    kind: 'SERVICE_CONTROL_POLICY',
    description: `Gateway roles (the secrets RCP exempts them by name) are passed to AgentCore only${exempt.length > 0 ? ', and made or re-trusted only by the exempt principals' : ''}`,
    document: { Version: '2012-10-17', Statement: statements },
  };
}

/** Every guardrail for these options, in a stable order. */
export function guardrails(options: GuardrailOptions): Guardrail[] {
  if (!STAGE.test(options.stage))
    throw new RangeError(`stage "${options.stage}" is not a stage name`);
  checkPatterns(options.gatewayRoles ?? [], ROLE_PATTERN, 'an IAM role ARN pattern');
  checkPatterns(
    options.exemptPrincipals ?? [],
    EXEMPT_PATTERN,
    'an IAM role, user or root ARN pattern',
  );
  checkPatterns(options.kmsKeyArns ?? [], KMS_KEY, 'a KMS key ARN');
  const out = [memberResources(options.stage), gatewayPractices(options)];
  const gatewayRoles = options.gatewayRoles ?? [];
  if (gatewayRoles.length > 0) {
    out.push(gatewayRoleGuard(options.stage, gatewayRoles, options.exemptPrincipals ?? []));
    out.push(secretReaders(options.stage, gatewayRoles));
  }
  return out;
}

/** The document as it is attached: minified JSON (its length is what the quota counts). */
export function guardrailJson(guardrail: Guardrail): string {
  return JSON.stringify(guardrail.document);
}
