import type { Rule, RuleMatch } from '../types.js';
import { byAutomation, shown } from './lastState.js';
import { BEDROCK, denied, failed, param, principalOf, response, str } from './support.js';

/** The guardrail id a record names (`guardrailIdentifier` may be an id or an ARN). */
function guardrailIdOf(record: Parameters<Rule['evaluate']>[0]): string | undefined {
  const raw = str(param(record, 'guardrailIdentifier')) ?? str(response(record, 'guardrailId'));
  if (raw === undefined) return undefined;
  return raw.includes(':guardrail/') ? raw.split(':guardrail/')[1] : raw;
}

/**
 * A Bedrock guardrail deleted or changed. CloudTrail does not record what an UpdateGuardrail
 * sets: a real record (Panther panther-analysis aws_bedrock_guardrail_update_delete.yml,
 * "Guardrail Updated") carries only `guardrailIdentifier` and a hidden `name`, no filters or
 * topics. So a lowered filter cannot be told from a raised one: an update outside deploy
 * automation is reported low, for someone to look at the guardrail's current version.
 */
export const bedrockGuardrailWeakened: Rule = {
  id: 'bedrock-guardrail-weakened',
  title: 'Bedrock guardrail deleted or changed outside deploy automation',
  severity: 'high',
  mitre: { tactic: 'Defense Evasion', technique: 'T1562.001 Disable or Modify Tools' },
  description:
    'DeleteGuardrail of a whole guardrail (high; one version: medium); UpdateGuardrail outside deploy automation (low: CloudTrail does not record the filters it sets, so whether it weakened them cannot be told). A refused delete is one level lower.',
  runbook:
    'Compare the guardrail’s DRAFT and published versions (GetGuardrail) with what was approved, restore filters or recreate it; check which models and agents use it; ask the caller why.',
  events: { sources: [BEDROCK], names: ['DeleteGuardrail', 'UpdateGuardrail'] },
  reads: ['requestParameters.guardrailIdentifier', 'requestParameters.guardrailVersion'],
  dedup: {
    key: (r) => `${guardrailIdOf(r) ?? ''}|${r.eventName}${failed(r) ? '|attempt' : ''}`,
    windowSeconds: 3600,
  },
  evaluate(record, context): RuleMatch | undefined {
    const attempt = denied(record);
    if (failed(record) && !attempt) return undefined;
    const guardrail = guardrailIdOf(record) ?? 'unknown';
    let severity: RuleMatch['severity'] = 'high';
    let what: string;
    if (record.eventName === 'UpdateGuardrail') {
      if (attempt || byAutomation(record, context)) return undefined;
      severity = 'low';
      what = 'changed outside deploy automation (CloudTrail does not show its filters)';
    } else {
      const version = str(param(record, 'guardrailVersion'));
      if (version !== undefined) severity = 'medium';
      what = version === undefined ? 'deleted' : `version ${shown(version, 20)} deleted`;
      if (attempt) severity = severity === 'high' ? 'medium' : 'low';
    }
    return {
      severity,
      summary: `${attempt ? 'refused attempt: ' : ''}Bedrock guardrail ${shown(guardrail, 60)} ${what} by ${principalOf(record)}`,
      resource: guardrail,
      details: { attempt },
    };
  },
};
