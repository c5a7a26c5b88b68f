/**
 * Names of the environment variables that serverless.yml sets on the functions and that the
 * CLI reads. One place, so the template, the handlers and the CLI cannot drift apart.
 */
export const ENV = {
  stage: 'GATEWARDEN_STAGE',
  /** SNS topic for alerts to people (e-mail, chat). */
  alertTopicArn: 'GATEWARDEN_ALERT_TOPIC_ARN',
  /** Custom EventBridge bus for machine-readable findings and rotation events. */
  eventBusName: 'GATEWARDEN_EVENT_BUS_NAME',
  /** DynamoDB table for detection state (baselines, dedup, rotation locks). */
  stateTable: 'GATEWARDEN_STATE_TABLE',
  /**
   * KMS HMAC keys (ids, ARNs or aliases) that sign the state table's bindings (the admin signs,
   * the rotator checks) and ledger records (the rotator signs and checks). Stack outputs
   * BindingMacKeyArn and LedgerMacKeyArn.
   */
  bindingMacKey: 'GATEWARDEN_BINDING_MAC_KEY',
  ledgerMacKey: 'GATEWARDEN_LEDGER_MAC_KEY',
  /** S3 bucket for access reports. */
  reportBucket: 'GATEWARDEN_REPORT_BUCKET',
  /** The account the report bucket must belong to (`ExpectedBucketOwner`). */
  reportBucketOwner: 'GATEWARDEN_REPORT_BUCKET_OWNER',
  /** SQS dead-letter queue URL for events a handler could not process. */
  deadLetterQueueUrl: 'GATEWARDEN_DLQ_URL',
  /** ARN of the `rotate` function, attached to secrets by `gatewarden register`. */
  rotationFunctionArn: 'GATEWARDEN_ROTATION_FUNCTION_ARN',
  /** KMS key that encrypts gatewarden secrets. */
  secretsKmsKeyId: 'GATEWARDEN_SECRETS_KMS_KEY_ID',
  /** ARN of the rotator's role (allowed reader in secret resource policies). */
  rotatorRoleArn: 'GATEWARDEN_ROTATOR_ROLE_ARN',
  /**
   * ARN of the sweeper's role (the `rotateNow` function): it reads secrets to revoke retired
   * credentials and takes back a rotation nobody will finish (moves AWSPENDING away).
   */
  sweeperRoleArn: 'GATEWARDEN_SWEEPER_ROLE_ARN',
  /** ARN of the break-glass admin role: with the rotator, the only writer of gatewarden secrets. */
  adminRoleArn: 'GATEWARDEN_ADMIN_ROLE_ARN',
  /** The account the stage runs in: detect keeps other accounts' state apart (organizations). */
  accountId: 'GATEWARDEN_ACCOUNT_ID',
  /** Detection configuration (JSON), see lib/detection. */
  detectionConfig: 'GATEWARDEN_DETECTION_CONFIG',
  /** Secret holding the optional chat webhook URL. */
  chatWebhookSecretId: 'GATEWARDEN_CHAT_WEBHOOK_SECRET_ID',
  /**
   * The organization (o-…) whose member accounts the central stage's report reads through their
   * read roles ('' = this account only). Set only where the report role may list the accounts
   * and assume those roles (resources/organization.yml, condition EnrolsMembers).
   */
  organizationId: 'GATEWARDEN_ORGANIZATION_ID',
  /** Days of CloudTrail activity a report looks back over. */
  reportDays: 'GATEWARDEN_REPORT_DAYS',
  /** Label rules `<arn-or-glob>=<label>` for the report, `;`-separated (docs/report-labels.md). */
  reportLabels: 'GATEWARDEN_REPORT_LABELS',
  /** Posture: interceptor Lambda ARNs reviewed to see request headers or run elsewhere (comma-separated). */
  postureAllowedInterceptors: 'GATEWARDEN_POSTURE_INTERCEPTORS',
  /** Posture: `false` on a non-production stage (detailed gateway errors allowed). */
  postureProduction: 'GATEWARDEN_POSTURE_PRODUCTION',
  /** `true` lets credential-exposure findings rotate the exposed secret (opt-in). */
  autoRemediation: 'GATEWARDEN_AUTO_REMEDIATION',
  /** CloudTrail S3 bucket (and key prefix) the report reads log files from; '' = LookupEvents. */
  trailBucket: 'GATEWARDEN_TRAIL_BUCKET',
  trailPrefix: 'GATEWARDEN_TRAIL_PREFIX',
  /** `DATABASE.TABLE` of the stack's CloudTrail table in Athena; '' = no Athena. */
  reportAthenaTable: 'GATEWARDEN_REPORT_ATHENA_TABLE',
  /** Athena workgroup for that query (it enforces the results location). */
  reportAthenaWorkgroup: 'GATEWARDEN_REPORT_ATHENA_WORKGROUP',
  /**
   * `true`: the tool report asks each AWS_IAM gateway's MCP endpoint for `tools/list`, for
   * targets whose tools the control API cannot give (stage param toolsListFromGateway).
   */
  toolsListFromGateway: 'GATEWARDEN_TOOLS_LIST_FROM_GATEWAY',
} as const;

/** Prefix of every secret gatewarden owns: `gatewarden/<gatewayId>/<kind>/<name>`. */
export const SECRET_PREFIX = 'gatewarden/';

/**
 * Prefix of every issuer admin secret (Okta token, Entra and Auth0 admin credentials, RFC 7592
 * registration token, webhook HMAC key). Deliberately outside `gatewarden/`: the rotator may
 * send an admin secret to an issuer, so a reference must never reach a gateway credential.
 */
export const ADMIN_SECRET_PREFIX = 'gatewarden-admin/';

/** Tag keys gatewarden puts on the secrets it owns. */
export const TAGS = { gateway: 'gatewarden:gateway', kind: 'gatewarden:kind' } as const;

/** Reads a required variable, with a clear error naming it (never its value). */
export function requireEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value === '') {
    throw new Error(`environment variable ${name} is not set`);
  }
  return value;
}
