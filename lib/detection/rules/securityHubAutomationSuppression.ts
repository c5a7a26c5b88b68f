import {
  AUTOMATION_RULE_KIND,
  HIDES_NOTHING,
  ruleItems,
  shownState,
  type AutomationRuleState,
} from '../automationRuleState.js';
import type { CloudTrailRecord } from '../record.js';
import type { DetectionContext, Rule, RuleMatch } from '../types.js';
import { byAutomation, shown } from './lastState.js';
import { denied, failed, principalOf } from './support.js';

interface Suppressing {
  name: string;
  does: string;
  everything: boolean;
  enabled: boolean;
}

/** A rule's last known state before this record (only the record's own comparison counts). */
function previousOf(
  record: CloudTrailRecord,
  context: DetectionContext,
  key: string | undefined,
): AutomationRuleState | undefined {
  const changes = context.stateChanges;
  if (key === undefined || changes === undefined || changes.eventId !== record.eventID) {
    return undefined;
  }
  const change = changes.changes.find((c) => c.kind === AUTOMATION_RULE_KIND && c.subject === key);
  return (change?.previous ?? undefined) as AutomationRuleState | undefined;
}

/**
 * The automation rules the record leaves suppressing findings because of what it changed: an
 * action that hides findings, or (partial updates) a known suppressing rule re-enabled or given
 * new criteria.
 */
function suppressingRules(record: CloudTrailRecord, context: DetectionContext): Suppressing[] {
  const found: Suppressing[] = [];
  for (const rule of ruleItems(record)) {
    const now = shownState(rule);
    const previous = rule.create ? undefined : previousOf(record, context, rule.key);
    const after: AutomationRuleState = { ...previous, ...now };
    if (after.does === undefined || after.does === HIDES_NOTHING) continue;
    const reenabled = now.enabled === true && previous?.enabled === false;
    const newCriteria = now.everything !== undefined;
    let does = after.does;
    if (now.does === undefined) {
      if (reenabled) does = `re-enabled (${after.does})`;
      else if (newCriteria) does = `given new criteria (${after.does})`;
      else continue;
    }
    found.push({
      name: rule.name,
      does,
      everything: after.everything === true,
      enabled: after.enabled !== false,
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
 * securityHubDisabled.ts). BatchUpdateAutomationRules and UpdateAutomationRuleV2 are partial
 * updates: an item without Actions is read against the rule's last known state
 * (automationRuleState.ts), so re-enabling a suppressing rule or changing its criteria counts;
 * a rule first seen in such an update cannot be judged and is not reported.
 */
export const securityHubAutomationSuppression: Rule = {
  id: 'securityhub-automation-rule-suppresses',
  title: 'Security Hub automation rule suppresses findings',
  severity: 'medium',
  mitre: { tactic: 'Defense Evasion', technique: 'T1562.001 Disable or Modify Tools' },
  description:
    'CreateAutomationRule, BatchUpdateAutomationRules, CreateAutomationRuleV2 or UpdateAutomationRuleV2 whose action suppresses or resolves matching findings or lowers them to informational, or that re-enables such a rule or changes its criteria (partial updates, read against the rule’s last known state): every future finding it matches is closed before anyone sees it. Medium; high when the rule has no criteria (it matches every finding); low when it is created disabled or by deploy automation. A refused attempt is low. Rules that raise severity or add notes are not reported.',
  runbook:
    'Read the rule (BatchGetAutomationRules / GetAutomationRuleV2): its criteria and who asked for it; disable or delete it if nobody approved it, and set the findings it closed back to NEW.',
  events: {
    sources: ['securityhub.amazonaws.com'],
    names: [
      'CreateAutomationRule',
      'BatchUpdateAutomationRules',
      'CreateAutomationRuleV2',
      'UpdateAutomationRuleV2',
      // Not reported: they only keep the rules' last known state current.
      'BatchDeleteAutomationRules',
      'DeleteAutomationRuleV2',
    ],
  },
  lastState: true,
  reads: [
    'requestParameters.Actions',
    'requestParameters.Criteria',
    'requestParameters.Identifier',
    'requestParameters.RuleName',
    'requestParameters.RuleStatus',
    'requestParameters.UpdateAutomationRulesRequestItems',
    'responseElements.RuleArn',
  ],
  dedup: {
    key: (r) =>
      `${r.eventName}|${ruleItems(r)
        .map((rule) => rule.name)
        .join(',')}${failed(r) ? '|attempt' : ''}`,
    windowSeconds: 3600,
  },
  evaluate(record, context): RuleMatch | undefined {
    const attempt = denied(record);
    if (failed(record) && !attempt) return undefined;
    const rules = suppressingRules(record, context);
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
