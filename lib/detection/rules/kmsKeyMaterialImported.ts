import { FACTS, knownBefore } from '../learnedFacts.js';
import type { Rule } from '../types.js';
import { KMS, kmsKeyOf } from './kmsKeyPolicyOpened.js';
import { failed, principalOf } from './support.js';

/**
 * Key material imported into (or deleted from) a KMS key: with material the caller holds,
 * deleting it later makes everything the key encrypted unreadable (cloud ransomware).
 */
export const kmsKeyMaterialImported: Rule = {
  id: 'kms-key-material-imported',
  title: 'KMS key material imported or deleted',
  severity: 'medium',
  mitre: { tactic: 'Impact', technique: 'T1486 Data Encrypted for Impact' },
  description:
    'ImportKeyMaterial or DeleteImportedKeyMaterial on a KMS key: imported material lives outside AWS’s control, and deleting it destroys access to data. High on a key protecting gateway secrets or the token vault.',
  runbook:
    'Confirm the key ceremony with the key owner; if unplanned, stop using the key for new secrets, re-encrypt gateway secrets under a KMS-generated key and keep a copy of the material.',
  events: { sources: [KMS], names: ['ImportKeyMaterial', 'DeleteImportedKeyMaterial'] },
  reads: ['requestParameters.keyId'],
  dedup: { key: (r) => `${kmsKeyOf(r)}|${r.eventName}`, windowSeconds: 3600 },
  lastState: true,
  evaluate(record, context) {
    if (failed(record)) return undefined;
    const key = kmsKeyOf(record);
    const gatewayKey = key !== '' && knownBefore(record, context, FACTS.gatewayKey, key);
    const verb = record.eventName === 'ImportKeyMaterial' ? 'imported into' : 'deleted from';
    return {
      severity: gatewayKey ? 'high' : 'medium',
      summary: `key material ${verb} key ${key || 'unknown'} by ${principalOf(record)}`,
      resource: key || undefined,
      details: { gatewayKey },
    };
  },
};
