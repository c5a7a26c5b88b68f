import type { CloudTrailRecord } from '../record.js';
import type { Rule, RuleMatch } from '../types.js';
import { byAutomation, shown } from './lastState.js';
import { hidingUpdate } from './securityHubUpdates.js';
import { denied, failed, obj, param, principalOf, response, str } from './support.js';

/** What one automation rule's actions do to the findings it matches, or undefined. */
function hidingActions(actions: unknown): string | undefined {
  if (!Array.isArray(actions)) return undefined;
  for (const action of actions) {
    const hiding = hidingUpdate(obj(action)?.FindingFieldsUpdate);
    if (hiding !== undefined) {
      return hiding.kind === 'closed'
        ? `sets ${hiding.status}`
        : 'lowers severity to informational';
    }
  }
  return undefined;
}

/** A rule whose criteria are absent or empty matches every finding. */
function matchesEverything(rule: Record<string, unknown>): boolean {
  const criteria = obj(rule.Criteria);
  if (criteria === undefined) return true;
  const v2 = obj(criteria.OcsfFindingCriteria);
  const fields = v2 ?? criteria;
  // V1 criteria are lists of filters per field; V2 adds an operator beside its filter lists.
  return Object.values(fields).every((value) => !Array.isArray(value) || value.length === 0);
}

interface Suppressing {
  name: string;
  does: string;
  everything: boolean;
  enabled: boolean;
}

/** The automation rules the record creates or updates whose actions hide findings. */
function suppressingRules(record: CloudTrailRecord): Suppressing[] {
  const rules =
    record.eventName === 'BatchUpdateAutomationRules'
      ? (() => {
          const items = param(record, 'UpdateAutomationRulesRequestItems');
          return Array.isArray(items) ? items.map(obj) : [];
        })()
      : [obj(record.requestParameters)];
  const found: Suppressing[] = [];
  for (const rule of rules) {
    if (rule === undefined) continue;
    const does = hidingActions(rule.Actions);
    if (does === undefined) continue;
    const name =
      str(rule.RuleArn) ??
      str(rule.Identifier) ??
      str(response(record, 'RuleArn')) ??
      str(rule.RuleName) ??
      'unnamed';
    found.push({
      name,
      does,
      everything: matchesEverything(rule),
      // CreateAutomationRule defaults to ENABLED; an update without RuleStatus keeps it.
      enabled: str(rule.RuleStatus) !== 'DISABLED',
    });
  }
  return found;
}

/**
 * A Security Hub automation rule that closes findings as they arrive: its FINDING_FIELDS_UPDATE
 * action sets Workflow.Status SUPPRESSED or RESOLVED or Severity.Label INFORMATIONAL (V2 rules:
 * StatusId 3 Suppressed, 4 Resolved, 5 Archived, or SeverityId 1 Informational). Unlike a bulk
 * BatchUpdateFindings it also hides every future matching finding: a standing suppression.
 * CloudTrail records the request in Security Hub's PascalCase members (see
 * securityHubDisabled.ts). BatchUpdateAutomationRules is a partial update: an item without
 * Actions (re-enabling a rule, say) cannot be judged from the record and is not reported.
 */
export const securityHubAutomationSuppression: Rule = {
  id: 'securityhub-automation-rule-suppresses',
  title: 'Security Hub automation rule suppresses findings',
  severity: 'medium',
  mitre: { tactic: 'Defense Evasion', technique: 'T1562.001 Disable or Modify Tools' },
  description:
    'CreateAutomationRule, BatchUpdateAutomationRules, CreateAutomationRuleV2 or UpdateAutomationRuleV2 whose action suppresses or resolves matching findings or lowers them to informational: every future finding it matches is closed before anyone sees it. Medium; high when the rule has no criteria (it matches every finding); low when it is created disabled or by deploy automation. A refused attempt is low. Rules that raise severity or add notes are not reported.',
  runbook:
    'Read the rule (BatchGetAutomationRules / GetAutomationRuleV2): its criteria and who asked for it; disable or delete it if nobody approved it, and set the findings it closed back to NEW.',
  events: {
    sources: ['securityhub.amazonaws.com'],
    names: [
      'CreateAutomationRule',
      'BatchUpdateAutomationRules',
      'CreateAutomationRuleV2',
      'UpdateAutomationRuleV2',
    ],
  },
  reads: [
    'requestParameters.Actions',
    'requestParameters.Criteria',
    'requestParameters.Identifier',
    'requestParameters.RuleArn',
    'requestParameters.RuleName',
    'requestParameters.RuleStatus',
    'requestParameters.UpdateAutomationRulesRequestItems',
    'responseElements.RuleArn',
  ],
  dedup: {
    key: (r) =>
      `${r.eventName}|${suppressingRules(r)
        .map((rule) => rule.name)
        .join(',')}${failed(r) ? '|attempt' : ''}`,
    windowSeconds: 3600,
  },
  evaluate(record, context): RuleMatch | undefined {
    const attempt = denied(record);
    if (failed(record) && !attempt) return undefined;
    const rules = suppressingRules(record);
    const [first] = rules;
    if (first === undefined) return undefined;
    const everything = rules.some((rule) => rule.everything && rule.enabled);
    const enabled = rules.some((rule) => rule.enabled);
    let severity: RuleMatch['severity'] = everything ? 'high' : 'medium';
    if (attempt || !enabled || byAutomation(record, context)) severity = 'low';
    const which = rules.length === 1 ? shown(first.name) : `${rules.length} rules`;
    return {
      severity,
      summary: `${attempt ? 'refused attempt: ' : ''}Security Hub automation rule ${which} ${first.does} on ${everything ? 'every finding' : 'matching findings'}${enabled ? '' : ' (disabled)'} by ${principalOf(record)}`,
      resource: first.name,
      details: { attempt, rules: rules.length, everything },
      facts: everything ? ['criteria=none'] : [],
    };
  },
};
