import {
  GUARDRAIL_KIND,
  POLICY_BLOCKS,
  STRENGTHS,
  guardrailIdOf,
  guardrailStateOf,
  type GuardrailState,
} from '../guardrailState.js';
import type { Rule, RuleMatch } from '../types.js';
import { byAutomation, changeOf, shown } from './lastState.js';
import { BEDROCK, denied, failed, param, principalOf, str } from './support.js';

const rank = (strength: string | undefined): number =>
  STRENGTHS.indexOf((strength ?? '') as (typeof STRENGTHS)[number]);

/** The prompt-attack filter has no output side: AWS requires its outputStrength to be NONE. */
const inputOnly = (type: string, side: 'input' | 'output') =>
  type === 'PROMPT_ATTACK' && side === 'output';

/**
 * What an update takes away. Against the last known state: blocks and content filters no longer
 * there (UpdateGuardrail is a full replace) and strengths lowered. Without one, only what the
 * request shows on its own: filters set to NONE.
 */
function losses(previous: GuardrailState | undefined, current: GuardrailState): string[] {
  const out: string[] = [];
  if (previous === undefined) {
    for (const [type, filter] of Object.entries(current.filters)) {
      for (const side of ['input', 'output'] as const) {
        if (filter[side] === 'NONE' && !inputOnly(type, side)) out.push(`${type} ${side} NONE`);
      }
    }
    return out;
  }
  for (const policy of previous.policies) {
    if (!current.policies.includes(policy)) {
      out.push(`${POLICY_BLOCKS[policy as keyof typeof POLICY_BLOCKS] ?? policy} removed`);
    }
  }
  for (const [type, before] of Object.entries(previous.filters)) {
    const after = current.filters[type];
    if (after === undefined) {
      if (current.policies.includes('contentPolicyConfig')) out.push(`${type} filter removed`);
      continue;
    }
    for (const side of ['input', 'output'] as const) {
      if (rank(after[side]) < rank(before[side])) {
        out.push(`${type} ${side} ${before[side] ?? '?'}→${after[side] ?? '?'}`);
      }
    }
  }
  return out;
}

/**
 * A Bedrock guardrail deleted, or weakened by an update. The UpdateGuardrail records published
 * so far (Panther panther-analysis aws_bedrock_guardrail_update_delete.yml, "Guardrail
 * Updated") carry only `guardrailIdentifier` and a hidden `name`: such an update outside deploy
 * automation is reported low, for someone to look at the guardrail. A record that does show the
 * policies is read as the full replace it is, against the guardrail's last known state
 * (guardrailState.ts, kept from CreateGuardrail and UpdateGuardrail records that show theirs):
 * a policy block or content filter missing is removed, a strength lower is weakened. With no
 * known state, only what the request shows alone counts: a filter set to NONE.
 */
export const bedrockGuardrailWeakened: Rule = {
  id: 'bedrock-guardrail-weakened',
  title: 'Bedrock guardrail deleted, weakened or changed outside deploy automation',
  severity: 'high',
  mitre: { tactic: 'Defense Evasion', technique: 'T1562.001 Disable or Modify Tools' },
  description:
    'DeleteGuardrail of a whole guardrail (high; one version: medium). UpdateGuardrail that removes a policy block (content, topic, word, sensitive-information, contextual-grounding filters) or a content filter, or lowers a filter’s input or output strength, against the last known state (high; it is a full replace, so what is missing is removed); without a known state, one that sets a filter to NONE (medium); by deploy automation: low. An update whose record hides its policies (as the console’s do) outside deploy automation: low, since whether it weakened them cannot be told. A refused delete is one level lower.',
  runbook:
    'Compare the guardrail’s DRAFT and published versions (GetGuardrail) with what was approved, restore filters or recreate it; check which models and agents use it; ask the caller why.',
  events: { sources: [BEDROCK], names: ['CreateGuardrail', 'DeleteGuardrail', 'UpdateGuardrail'] },
  lastState: true,
  reads: [
    'requestParameters.automatedReasoningPolicyConfig',
    'requestParameters.contentPolicyConfig',
    'requestParameters.contextualGroundingPolicyConfig',
    'requestParameters.guardrailIdentifier',
    'requestParameters.guardrailVersion',
    'requestParameters.sensitiveInformationPolicyConfig',
    'requestParameters.topicPolicyConfig',
    'requestParameters.wordPolicyConfig',
  ],
  dedup: {
    key: (r) => `${guardrailIdOf(r) ?? ''}|${r.eventName}${failed(r) ? '|attempt' : ''}`,
    windowSeconds: 3600,
  },
  evaluate(record, context): RuleMatch | undefined {
    const attempt = denied(record);
    if (failed(record) && !attempt) return undefined;
    // Creations only teach the guardrail's settings.
    if (record.eventName === 'CreateGuardrail') return undefined;
    const guardrail = guardrailIdOf(record) ?? 'unknown';
    let severity: RuleMatch['severity'] = 'high';
    let what: string;
    if (record.eventName === 'UpdateGuardrail') {
      if (attempt) return undefined;
      const current = guardrailStateOf(record);
      if (current === undefined) {
        if (byAutomation(record, context)) return undefined;
        severity = 'low';
        what = 'changed outside deploy automation (CloudTrail does not show its filters)';
      } else {
        const previous =
          changeOf<GuardrailState>(record, context, GUARDRAIL_KIND)?.previous ?? undefined;
        const lost = losses(previous, current);
        if (lost.length === 0) return undefined;
        severity = previous === undefined ? 'medium' : 'high';
        if (byAutomation(record, context)) severity = 'low';
        what = `weakened: ${lost.slice(0, 5).join(', ')}${lost.length > 5 ? ` and ${lost.length - 5} more` : ''}`;
      }
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
