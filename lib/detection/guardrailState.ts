import type { StateVersion } from './ports.js';
import type { CloudTrailRecord } from './record.js';
import { BEDROCK, homeAccount, obj, param, response, str } from './rules/support.js';

/**
 * A Bedrock guardrail's protective settings, as far as CloudTrail shows them. The records
 * published so far (Panther's AWS.Bedrock.GuardrailUpdateDelete tests) carry no policy at all:
 * UpdateGuardrail shows `guardrailIdentifier` and a hidden `name`. A record that does show a
 * policy block is read as the whole request: UpdateGuardrail is a full replace, so a block
 * or a content filter absent from it is removed. A record that shows none leaves the state
 * unknown.
 */

export const GUARDRAIL_KIND = 'guardrail';

/** The policy blocks of CreateGuardrail / UpdateGuardrail, by their request member. */
export const POLICY_BLOCKS = {
  contentPolicyConfig: 'content filters',
  topicPolicyConfig: 'denied topics',
  wordPolicyConfig: 'word filters',
  sensitiveInformationPolicyConfig: 'sensitive information filters',
  contextualGroundingPolicyConfig: 'contextual grounding checks',
  automatedReasoningPolicyConfig: 'automated reasoning checks',
} as const;

/** Content filter strengths, weakest first. */
export const STRENGTHS = ['NONE', 'LOW', 'MEDIUM', 'HIGH'] as const;

export interface GuardrailState {
  /** Policy blocks present (request members). */
  policies: string[];
  /** Content filters by type (`VIOLENCE`, `PROMPT_ATTACK`…): their input and output strength. */
  filters: Record<string, { input?: string; output?: string }>;
}

/** The guardrail id a record names (`guardrailIdentifier` may be an id or an ARN). */
export function guardrailIdOf(record: CloudTrailRecord): string | undefined {
  const raw = str(param(record, 'guardrailIdentifier')) ?? str(response(record, 'guardrailId'));
  if (raw === undefined) return undefined;
  return raw.includes(':guardrail/') ? raw.split(':guardrail/')[1] : raw;
}

/** The settings a Create/UpdateGuardrail request shows, or undefined when it shows no policy. */
export function guardrailStateOf(record: CloudTrailRecord): GuardrailState | undefined {
  const policies = Object.keys(POLICY_BLOCKS).filter(
    (member) => obj(param(record, member)) !== undefined,
  );
  if (policies.length === 0) return undefined;
  const filters: GuardrailState['filters'] = {};
  const list = param(record, 'contentPolicyConfig', 'filtersConfig');
  if (Array.isArray(list)) {
    for (const item of list) {
      const filter = obj(item);
      const type = str(filter?.type);
      if (type === undefined) continue;
      filters[type] = {
        ...(str(filter?.inputStrength) === undefined ? {} : { input: str(filter?.inputStrength) }),
        ...(str(filter?.outputStrength) === undefined
          ? {}
          : { output: str(filter?.outputStrength) }),
      };
    }
  }
  return { policies, filters };
}

/** The guardrail a Bedrock record touches and the settings it leaves it with. */
export function guardrailTracked(record: CloudTrailRecord): {
  kind: string;
  subject: string;
  next: (previous: StateVersion | undefined) => string | null | undefined;
}[] {
  if (record.eventSource !== BEDROCK) return [];
  const id = guardrailIdOf(record);
  if (id === undefined) return [];
  const subject = `${homeAccount(record) ?? 'unknown'}/${record.awsRegion ?? ''}/${id}`;
  switch (record.eventName) {
    case 'CreateGuardrail':
    case 'UpdateGuardrail': {
      const shown = guardrailStateOf(record);
      // A record that hides the request says nothing: the last known state stands.
      return [
        {
          kind: GUARDRAIL_KIND,
          subject,
          next: () => (shown === undefined ? undefined : JSON.stringify(shown)),
        },
      ];
    }
    case 'DeleteGuardrail':
      // Deleting one version leaves the guardrail (and its DRAFT) in place.
      return str(param(record, 'guardrailVersion')) === undefined
        ? [{ kind: GUARDRAIL_KIND, subject, next: () => null }]
        : [];
    default:
      return [];
  }
}
