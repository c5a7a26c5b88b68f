import type { CloudTrailRecord } from '../record.js';
import type { Rule } from '../types.js';
import { AGENTCORE, failed, obj, param, principalOf, str } from './support.js';

const PROVIDERS = [
  'CreatePaymentCredentialProvider',
  'UpdatePaymentCredentialProvider',
  'DeletePaymentCredentialProvider',
];
const CONNECTORS = [
  'CreatePaymentConnector',
  'UpdatePaymentConnector',
  'DeletePaymentConnector',
  'RotatePaymentConnectorCredentials',
];
const MANAGERS = ['CreatePaymentManager', 'UpdatePaymentManager', 'DeletePaymentManager'];

/**
 * The payment object changed: provider or connector or manager name on creation, its id after
 * (every request of these operations names one). Never the provider configuration: it carries the vendor's keys.
 */
function subjectOf(record: CloudTrailRecord): string {
  return (
    str(param(record, 'name')) ??
    str(param(record, 'paymentConnectorId')) ??
    str(param(record, 'paymentManagerId')) ??
    'unknown'
  );
}

/** What the change touched, identifiers only: vendor, providers a connector uses, role, key. */
function changed(record: CloudTrailRecord): Record<string, string> {
  const facts: Record<string, string> = {};
  const vendor = str(param(record, 'credentialProviderVendor'));
  if (vendor) facts.vendor = vendor;
  // A connector names the payment credential providers it signs with (ARNs, no secrets).
  const providers = JSON.stringify(param(record, 'credentialProviderConfigurations') ?? null)
    .match(/arn:aws[\w-]*:bedrock-agentcore:[^"]+/g)
    ?.join(',');
  if (providers) facts.providers = providers;
  if (obj(param(record, 'providerConfigurationInput'))) facts.credentials = 'set';
  if (param(record, 'credentialsToRotate') !== undefined) facts.credentials = 'rotated';
  const role = str(param(record, 'roleArn'));
  if (role) facts.role = role;
  const authorizer = str(param(record, 'authorizerType'));
  if (authorizer) facts.authorizer = authorizer;
  const key = str(param(record, 'kmsKeyArn'));
  if (key) facts.kmsKey = key;
  return facts;
}

/**
 * Payment credential providers, connectors and managers: they hold or use the vendor
 * credentials agents pay with, so every change is reported (the rotator makes none), as for the
 * API-key and OAuth2 providers.
 */
export const paymentCredentialChanged: Rule = {
  id: 'payment-credential-changed',
  title: 'Payment credential provider, connector or manager changed',
  severity: 'medium',
  mitre: { tactic: 'Persistence', technique: 'T1098.001 Additional Cloud Credentials' },
  description:
    'An AgentCore payment credential provider, payment connector or payment manager was created, updated, deleted or had its credentials rotated (gatewarden never changes them): the vendor credentials agents pay with, which connector signs with them, and the role, authorizer and key of the manager.',
  runbook:
    'Confirm the change with the payments owner; if unplanned, rotate the vendor credential at the vendor, restore the provider or connector, and review the payment manager’s role, authorizer and KMS key.',
  events: { sources: [AGENTCORE], names: [...PROVIDERS, ...CONNECTORS, ...MANAGERS] },
  reads: [
    'requestParameters.name',
    'requestParameters.paymentConnectorId',
    'requestParameters.paymentManagerId',
    'requestParameters.credentialProviderVendor',
    'requestParameters.providerConfigurationInput',
    'requestParameters.credentialProviderConfigurations',
    'requestParameters.credentialsToRotate',
    'requestParameters.roleArn',
    'requestParameters.authorizerType',
    'requestParameters.kmsKeyArn',
  ],
  dedup: { key: (r) => `${principalOf(r)}|${subjectOf(r)}`, windowSeconds: 3600 },
  evaluate(record) {
    // Never exempt the rotator: it makes none of these calls, and its name pattern is one
    // anyone allowed to create a role can match.
    if (failed(record)) return undefined;
    const subject = subjectOf(record);
    const facts = changed(record);
    return {
      summary: `${record.eventName} on ${subject} by ${principalOf(record)}`,
      resource: subject,
      details: { operation: record.eventName, ...facts },
      facts: Object.entries(facts).map(([k, v]) => `${k}=${v}`),
    };
  },
};
