import type { CloudTrailRecord } from '../record.js';
import { FACTS, knownBefore } from '../learnedFacts.js';
import type { DetectionContext, Rule } from '../types.js';
import { policyOpenings } from './policy.js';
import {
  isTrustedAccount,
  keyIdOf,
  obj,
  param,
  principalOf,
  resourceArn,
  str,
  strings,
  failed,
} from './support.js';

export const KMS = 'kms.amazonaws.com';

/** Condition keys that pin a `*` principal to known accounts or the organisation. */
const SCOPING_KEYS = ['kms:calleraccount', 'aws:principalaccount', 'aws:principalorgid'];

/** Values of the scoping condition keys of a statement (lower-cased keys). */
function scopedTo(condition: unknown): string[] | undefined {
  let values: string[] | undefined;
  for (const operator of Object.values(obj(condition) ?? {})) {
    for (const [key, value] of Object.entries(obj(operator) ?? {})) {
      if (SCOPING_KEYS.includes(key.toLowerCase())) (values ??= []).push(...strings(value));
    }
  }
  return values;
}

/**
 * Principals a key policy lets in from outside: `*` not pinned to trusted accounts or an
 * organisation, and AWS principals of other accounts. Service principals are AWS's own.
 */
export function openedTo(
  document: unknown,
  record: CloudTrailRecord,
  context: DetectionContext,
): string[] {
  const { anyone, principals } = policyOpenings(document, record, context, (condition) => {
    const scope = scopedTo(condition);
    return (
      scope !== undefined &&
      scope.every((v) => v.startsWith('o-') || isTrustedAccount(v, record, context))
    );
  });
  return anyone ? ['*', ...principals] : principals;
}

/** The key a KMS call is about, by id. */
export function kmsKeyOf(record: CloudTrailRecord): string {
  const reference = str(param(record, 'keyId')) ?? resourceArn(record, 'AWS::KMS::Key') ?? '';
  return keyIdOf(reference);
}

/** PutKeyPolicy (or CreateKey) with a policy letting anyone or another account use the key. */
export const kmsKeyPolicyOpened: Rule = {
  id: 'kms-key-policy-opened',
  title: 'KMS key policy opened to anyone or another account',
  severity: 'high',
  mitre: { tactic: 'Persistence', technique: 'T1098 Account Manipulation' },
  description:
    'A key policy was put (or a key created) allowing `*` (not pinned to the account or organisation by kms:CallerAccount, aws:PrincipalAccount or aws:PrincipalOrgID) or a principal of an untrusted account: whoever it names can decrypt what the key protects. Critical on a key protecting gateway secrets or the token vault (learned from SetTokenVaultCMK and CreateSecret/UpdateSecret).',
  runbook:
    'Put back the previous key policy (CloudTrail has it) without the outside principals; list the key’s Decrypt calls from other accounts since; rotate the gateway secrets it protects.',
  events: { sources: [KMS], names: ['PutKeyPolicy', 'CreateKey'] },
  reads: ['requestParameters.keyId', 'requestParameters.policy'],
  dedup: { key: (r) => kmsKeyOf(r), windowSeconds: 3600 },
  lastState: true,
  evaluate(record, context) {
    if (failed(record)) return undefined;
    const outside = openedTo(param(record, 'policy'), record, context);
    if (outside.length === 0) return undefined;
    const key =
      kmsKeyOf(record) || keyIdOf(str(obj(obj(record.responseElements)?.keyMetadata)?.keyId) ?? '');
    // Learned from SetTokenVaultCMK and gateway secrets, kept in the state store.
    const gatewayKey = key !== '' && knownBefore(record, context, FACTS.gatewayKey, key);
    return {
      severity: gatewayKey ? 'critical' : 'high',
      summary: `key ${key || 'new key'} opened to ${outside.join(', ')} by ${principalOf(record)}${gatewayKey ? ' (protects gateway credentials)' : ''}`,
      resource: key || undefined,
      details: { principals: outside.join(','), gatewayKey },
      facts: outside.map((p) => `principal=${p}`),
    };
  },
};
