import { z } from 'zod';
import { ENV } from '../shared/env.js';
import { DetectionConfigError } from './errors.js';
import { severities, type DetectionContext, type Severity } from './types.js';

/**
 * Detection configuration, shared by the `detect` Lambda (JSON in GATEWARDEN_DETECTION_CONFIG)
 * and `gatewarden detect --config FILE`. Every field is optional: without configuration the
 * defaults below recognise gatewarden's rotator and gateway roles by name and by trust, and
 * every rule alerts on every channel from `low` up.
 *
 * Principal patterns are role/user ARNs or names with `*` wildcards, matched
 * case-insensitively against the caller's role ARN, role name, user ARN and user name.
 */

/**
 * Default gateway-role patterns: names containing `gateway` or `agentcore`. Roles trusted by
 * `bedrock-agentcore.amazonaws.com` and the roleArn of any gateway seen in the stream are
 * learned as gateway roles as well. Service-linked roles and API/NAT/transit/storage/internet
 * gateway roles never match a pattern (see `isGatewayRoleName`).
 */
export const DEFAULT_GATEWAY_ROLE_PATTERNS = ['*gateway*', '*agentcore*'] as const;

const severity = z.enum(severities);

/** An IAM role or user ARN (`*` wildcards allowed after the account): never a bare name. */
const PRINCIPAL_ARN = /^arn:[^:*]+:iam::[0-9*]+:(role|user)\//;
const principalArns = z
  .array(z.string().regex(PRINCIPAL_ARN, 'an IAM role or user ARN'))
  .default([]);
const isoDate = z.iso.datetime({ offset: true });

const suppression = z
  .object({
    /** Rule id pattern (`*` wildcards); omitted = every rule. */
    ruleId: z.string().min(1).optional(),
    /** Principal pattern (ARN or name, `*` wildcards). */
    principal: z.string().min(1).optional(),
    /** Action pattern: `eventName` or `eventSource:eventName`. */
    action: z.string().min(1).optional(),
    /** Resource pattern (ARN or id the finding is about). */
    resource: z.string().min(1).optional(),
    /** After this instant the suppression no longer applies (required: no eternal silence). */
    expires: isoDate,
    reason: z.string().min(1),
  })
  .strict()
  .refine((s) => s.ruleId ?? s.principal ?? s.action ?? s.resource, {
    message: 'a suppression needs at least one of ruleId, principal, action, resource',
  });

const channelThresholds = z
  .object({
    sns: severity.default('low'),
    eventBridge: severity.default('info'),
    webhook: severity.default('high'),
  })
  .strict();

const thresholdOverride = z
  .object({
    threshold: z.number().int().min(1).optional(),
    windowSeconds: z
      .number()
      .int()
      .min(60)
      .max(7 * 24 * 3600)
      .optional(),
  })
  .strict();

export const detectionConfigSchema = z
  .object({
    /**
     * gatewarden's rotators, whose own calls seven rules expect: role or user ARNs (`*`
     * wildcards allowed), matched against the caller's role ARN (session issuer) or user ARN,
     * never a name, which anyone allowed iam:CreateRole picks. The detect function adds the
     * deployed rotate and rotateNow roles from its environment ({@link deployedRotators}).
     */
    rotatorPrincipals: principalArns,
    gatewayRolePrincipals: z.array(z.string().min(1)).default([...DEFAULT_GATEWAY_ROLE_PATTERNS]),
    /** Internal accounts; the account a record belongs to is always trusted too. */
    trustedAccounts: z
      .array(z.string().regex(/^\d{12}$/, 'an account id is 12 digits'))
      .default([]),
    /**
     * OIDC issuers gateways may use: issuer URL prefixes (matched at a path boundary) or host
     * names. Prefer URLs for shared hosts (Cognito, Entra ID): a host admits every pool/tenant.
     */
    trustedIssuers: z.array(z.string().min(1)).default([]),
    /**
     * Deploy automation (role or user ARNs, `*` allowed; never names): changes they make are
     * planned. A CloudFormation stack counts only when its execution role is listed here
     * (anyone allowed cloudformation:CreateStack can have CloudFormation make a call).
     */
    automationPrincipals: principalArns,
    /**
     * Principals besides the gateways' execution roles that may read the AgentCore token vault
     * (agent runtimes, an operator's read-back): role or user ARNs, `*` wildcards allowed,
     * matched against the caller's role ARN (session issuer) or user ARN, never a name.
     * Gateway execution roles are learned from CreateGateway/UpdateGateway.
     */
    tokenVaultReaders: principalArns,
    /**
     * Principals besides AgentCore, the gateways' execution roles (learned from
     * CreateGateway/UpdateGateway) and the deployed rotator roles (the detect function adds
     * them from its environment, see {@link deployedRotators}) that may read gateway
     * secrets: role or user ARNs, `*` wildcards allowed, matched against the caller's role ARN
     * (session issuer) or user ARN, never a name. rotatorPrincipals count too.
     */
    secretReaders: principalArns,
    /**
     * The trail gatewarden reads (its report's trail bucket and key prefix): a trail update that
     * moves delivery elsewhere is judged against it even when no earlier setting was seen. The
     * detect function sets it from the deployment's trailBucket/trailPrefix when absent here.
     */
    trail: z
      .object({
        bucket: z.string().min(3).max(63),
        prefix: z.string().max(1024).default(''),
      })
      .strict()
      .optional(),
    suppressions: z.array(suppression).default([]),
    channels: channelThresholds.default({ sns: 'low', eventBridge: 'info', webhook: 'high' }),
    /** Rules that count findings but never alert (tuning a new rule). */
    dryRunRules: z.array(z.string().min(1)).default([]),
    /** Rules switched off entirely. */
    disabledRules: z.array(z.string().min(1)).default([]),
    /** Per-rule overrides of a stateful rule's threshold and window. */
    thresholds: z.record(z.string(), thresholdOverride).default({}),
    baseline: z
      .object({
        /** Days a principal is observed before its first-time behaviour alerts. */
        learningDays: z.number().min(0).max(365).default(7),
      })
      .strict()
      .default({ learningDays: 7 }),
    remediation: z
      .object({
        /** Opt-in: off unless set. */
        enabled: z.boolean().default(false),
        /** Rule ids whose findings trigger an on-demand rotation of the exposed secret. */
        rules: z.array(z.string().min(1)).default(['secret-read-by-unexpected-principal']),
        /** Only findings at or above this severity remediate. */
        minSeverity: severity.default('high'),
      })
      .strict()
      .default({ enabled: false, rules: [], minSeverity: 'high' }),
  })
  .strict();

export type DetectionConfig = z.infer<typeof detectionConfigSchema>;
export type DetectionConfigInput = z.input<typeof detectionConfigSchema>;
export { DetectionConfigError };

/** Parses configuration (already JSON-decoded), with one line per problem on failure. */
export function parseDetectionConfig(input: unknown): DetectionConfig {
  const parsed = detectionConfigSchema.safeParse(input ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
      .join('; ');
    throw new DetectionConfigError(`invalid detection configuration: ${problems}`);
  }
  const config = parsed.data;
  if (config.remediation.rules.length === 0) {
    config.remediation.rules = ['secret-read-by-unexpected-principal'];
  }
  return config;
}

/** Parses configuration from JSON text (the env var or a file). */
export function parseDetectionConfigJson(text: string, origin: string): DetectionConfig {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new DetectionConfigError(
      `${origin} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return parseDetectionConfig(value);
}

/** The rule-facing part of the configuration. */
export function contextFromConfig(config: DetectionConfig): DetectionContext {
  return {
    rotatorPrincipals: config.rotatorPrincipals,
    gatewayRolePrincipals: config.gatewayRolePrincipals,
    trustedAccounts: config.trustedAccounts,
    trustedIssuers: config.trustedIssuers,
    automationPrincipals: config.automationPrincipals,
    tokenVaultReaders: config.tokenVaultReaders,
    secretReaders: [...config.secretReaders, ...config.rotatorPrincipals],
    learnedGatewayRoles: new Set(),
    ...(config.trail === undefined ? {} : { expectedTrail: config.trail }),
  };
}

/** True when `severity` reaches the channel's threshold. */
export function meetsThreshold(severityValue: Severity, min: Severity): boolean {
  return severities.indexOf(severityValue) >= severities.indexOf(min);
}

/**
 * The deployed rotator roles, which read gateway secrets to rotate them and sweep retired
 * credentials: the rotate and rotateNow roles' ARNs serverless.yml gives the detect function
 * (GATEWARDEN_ROTATOR_ROLE_ARN, GATEWARDEN_SWEEPER_ROLE_ARN). Anything but a plain role ARN
 * is ignored: these are exact ARNs, not patterns.
 */
export function deployedRotators(env: NodeJS.ProcessEnv = process.env): string[] {
  return [env[ENV.rotatorRoleArn], env[ENV.sweeperRoleArn]].filter(
    (arn): arn is string => arn !== undefined && /^arn:[^:*]+:iam::\d{12}:role\/[^*]+$/.test(arn),
  );
}
