import type { CloudTrailRecord } from '../record.js';
import type { Rule, RuleMatch } from '../types.js';
import { KMS } from './kmsKeyPolicyOpened.js';
import { byAutomation } from './lastState.js';
import { denied, failed, param, principalOf, response, str } from './support.js';

const ESTABLISH = new Set([
  'CreateCustomKeyStore',
  'ConnectCustomKeyStore',
  'UpdateCustomKeyStore',
]);
const CUT = new Set(['DisconnectCustomKeyStore', 'DeleteCustomKeyStore']);

/**
 * A KMS custom key store created, connected, re-pointed, disconnected or deleted (SigmaHQ
 * aws_kms_custom_key_store_connected_or_created; the record shapes of the KMS Developer Guide's
 * CloudTrail pages, e.g. ct-create-keystore: `customKeyStoreName`, `clusterId`, and
 * `customKeyStoreId` in the response). Keys in an external key store are used through a proxy
 * the account does not run: whoever holds it can decrypt what those keys protect after every
 * credential is rotated, or make it unreadable by disconnecting.
 */
export const kmsCustomKeyStoreChanged: Rule = {
  id: 'kms-custom-key-store-changed',
  title: 'KMS custom key store created, connected, changed or cut off',
  severity: 'high',
  mitre: { tactic: 'Impact', technique: 'T1486 Data Encrypted for Impact' },
  description:
    'CreateCustomKeyStore, ConnectCustomKeyStore or UpdateCustomKeyStore (high: key material held in a CloudHSM cluster or behind an external proxy, outside KMS; an update can point the store at another proxy), DisconnectCustomKeyStore or DeleteCustomKeyStore (medium: every key in the store stops working). Made by CloudFormation with a listed role or a configured automation principal: not reported. A refused attempt is low.',
  runbook:
    'Check the store (DescribeCustomKeyStores: type, proxy endpoint, cluster) against an approved change; if unplanned, disconnect it, list the KMS keys it backs (ListKeys + DescribeKey: CustomKeyStoreId) and re-encrypt what they protect under KMS-generated keys.',
  events: { sources: [KMS], names: [...ESTABLISH, ...CUT] },
  reads: [
    'requestParameters.customKeyStoreId',
    'requestParameters.customKeyStoreName',
    'requestParameters.customKeyStoreType',
    'requestParameters.xksProxyUriEndpoint',
    'responseElements.customKeyStoreId',
  ],
  dedup: {
    key: (r) => `${storeOf(r)}|${r.eventName}${failed(r) ? '|attempt' : ''}`,
    windowSeconds: 3600,
  },
  evaluate(record, context): RuleMatch | undefined {
    const attempt = denied(record);
    if (failed(record) && !attempt) return undefined;
    if (!ESTABLISH.has(record.eventName) && !CUT.has(record.eventName)) return undefined;
    if (!attempt && byAutomation(record, context)) return undefined;
    const store = storeOf(record);
    const type = str(param(record, 'customKeyStoreType'));
    const external =
      type === 'EXTERNAL_KEY_STORE' || param(record, 'xksProxyUriEndpoint') !== undefined;
    const verb: Record<string, string> = {
      CreateCustomKeyStore: 'created',
      ConnectCustomKeyStore: 'connected',
      UpdateCustomKeyStore: 'changed',
      DisconnectCustomKeyStore: 'disconnected',
      DeleteCustomKeyStore: 'deleted',
    };
    const severity = attempt ? 'low' : CUT.has(record.eventName) ? 'medium' : 'high';
    return {
      severity,
      summary: `${attempt ? 'refused attempt: ' : ''}${external ? 'external ' : ''}KMS custom key store ${store || '(unnamed)'} ${verb[record.eventName] ?? record.eventName} by ${principalOf(record)}`,
      resource: store || `kms:${record.awsRegion ?? ''}`,
      details: { operation: record.eventName, external, attempt },
    };
  },
};

/** The store's id (request or response), else the name it is created under. */
function storeOf(record: CloudTrailRecord): string {
  return (
    str(param(record, 'customKeyStoreId')) ??
    str(response(record, 'customKeyStoreId')) ??
    str(param(record, 'customKeyStoreName')) ??
    ''
  );
}
