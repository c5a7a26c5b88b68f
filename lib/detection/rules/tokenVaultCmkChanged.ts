import type { Rule } from '../types.js';
import { AGENTCORE, failed, param, principalOf, str } from './support.js';

/** The KMS key of the AgentCore token vault changed. */
export const tokenVaultCmkChanged: Rule = {
  id: 'token-vault-cmk-changed',
  title: 'Token vault KMS key changed',
  severity: 'high',
  mitre: { tactic: 'Impact', technique: 'T1486 Data Encrypted for Impact' },
  description:
    'SetTokenVaultCMK changed the key protecting every credential in the AgentCore token vault; a foreign or doomed key makes credentials unreadable or readable by others.',
  runbook:
    'Check the new key’s owner account, key policy and deletion state; restore the approved key if the change was not planned.',
  events: { sources: [AGENTCORE], names: ['SetTokenVaultCMK'] },
  reads: ['requestParameters.kmsConfiguration', 'requestParameters.tokenVaultId'],
  dedup: { key: (r) => principalOf(r), windowSeconds: 3600 },
  evaluate(record) {
    if (failed(record)) return undefined;
    const vault = str(param(record, 'tokenVaultId')) ?? 'default';
    const key = str(param(record, 'kmsConfiguration', 'kmsKeyArn'));
    const keyType = str(param(record, 'kmsConfiguration', 'keyType'));
    return {
      summary: `token vault ${vault} KMS key set to ${key ?? keyType ?? 'unknown'} by ${principalOf(record)}`,
      resource: vault,
      details: { ...(key ? { kmsKeyArn: key } : {}), ...(keyType ? { keyType } : {}) },
    };
  },
};
