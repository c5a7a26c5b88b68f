import type { StateVersion } from './ports.js';
import type { CloudTrailRecord } from './record.js';
import { hidingUpdate } from './rules/securityHubUpdates.js';
import { homeAccount, obj, param, response, str, strings } from './rules/support.js';

/**
 * Security Hub automation rules, V1 (CreateAutomationRule, BatchUpdateAutomationRules,
 * BatchDeleteAutomationRules) and V2 (Create/Update/DeleteAutomationRuleV2). Updates are
 * partial: an item without `Actions`, `Criteria` or `RuleStatus` keeps them, so re-enabling a
 * suppressing rule, or emptying its criteria, says nothing about suppression by itself. The
 * state kept here (what the rule's action does, whether it matches every finding, whether it
 * is enabled) lets the rule read such an update against what the rule was.
 */

export const AUTOMATION_RULE_KIND = 'securityhub-automation-rule';
const SECURITYHUB = 'securityhub.amazonaws.com';

/** A rule's state; a missing field is unknown. `does` is `none` when its action hides nothing. */
export interface AutomationRuleState {
  does?: string;
  everything?: boolean;
  enabled?: boolean;
}

export const HIDES_NOTHING = 'none';

/** What one automation rule's actions do to the findings it matches, or undefined. */
export function hidingActions(actions: unknown): string | undefined {
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

/** Criteria that are empty match every finding (V2 adds an operator beside its filter lists). */
function matchesEverything(criteria: Record<string, unknown>): boolean {
  const fields = obj(criteria.OcsfFindingCriteria) ?? criteria;
  return Object.values(fields).every((value) => !Array.isArray(value) || value.length === 0);
}

/** One rule a record creates or updates: its key, the request item, whether it is a creation. */
export interface RuleItem {
  key: string | undefined;
  name: string;
  item: Record<string, unknown>;
  create: boolean;
}

function keyOf(record: CloudTrailRecord, reference: string | undefined): string | undefined {
  if (reference === undefined) return undefined;
  const id = reference.slice(reference.lastIndexOf('/') + 1);
  return `${homeAccount(record) ?? 'unknown'}/${record.awsRegion ?? ''}/${id}`;
}

/** The rules a Create or Update record touches. */
export function ruleItems(record: CloudTrailRecord): RuleItem[] {
  if (record.eventSource !== SECURITYHUB) return [];
  switch (record.eventName) {
    case 'CreateAutomationRule':
    case 'CreateAutomationRuleV2': {
      const item = obj(record.requestParameters) ?? {};
      const arn = str(response(record, 'RuleArn'));
      return [
        {
          key: keyOf(record, arn),
          name: arn ?? str(item.RuleName) ?? 'unnamed',
          item,
          create: true,
        },
      ];
    }
    case 'UpdateAutomationRuleV2': {
      const item = obj(record.requestParameters) ?? {};
      const id = str(item.Identifier);
      return [{ key: keyOf(record, id), name: id ?? 'unnamed', item, create: false }];
    }
    case 'BatchUpdateAutomationRules': {
      const items = param(record, 'UpdateAutomationRulesRequestItems');
      if (!Array.isArray(items)) return [];
      return items.flatMap((raw) => {
        const item = obj(raw);
        if (item === undefined) return [];
        const arn = str(item.RuleArn);
        return [{ key: keyOf(record, arn), name: arn ?? 'unnamed', item, create: false }];
      });
    }
    default:
      return [];
  }
}

/** What a request item shows of the rule; a creation's defaults fill what it leaves out. */
export function shownState(rule: RuleItem): AutomationRuleState {
  const out: AutomationRuleState = {};
  if (Array.isArray(rule.item.Actions))
    out.does = hidingActions(rule.item.Actions) ?? HIDES_NOTHING;
  const criteria = obj(rule.item.Criteria);
  if (criteria !== undefined) out.everything = matchesEverything(criteria);
  else if (rule.create) out.everything = true;
  const status = str(rule.item.RuleStatus);
  if (status !== undefined) out.enabled = status !== 'DISABLED';
  else if (rule.create) out.enabled = true;
  return out;
}

function before(previous: StateVersion | undefined): AutomationRuleState {
  if (previous?.state === undefined || previous.state === null) return {};
  try {
    return JSON.parse(previous.state) as AutomationRuleState;
  } catch {
    return {};
  }
}

/** The automation rules a Security Hub record touches and the state it leaves them in. */
export function automationRuleTracked(record: CloudTrailRecord): {
  kind: string;
  subject: string;
  next: (previous: StateVersion | undefined) => string | null | undefined;
}[] {
  if (record.eventSource !== SECURITYHUB) return [];
  const deleted =
    record.eventName === 'BatchDeleteAutomationRules'
      ? strings(param(record, 'AutomationRulesArns'))
      : record.eventName === 'DeleteAutomationRuleV2'
        ? strings(param(record, 'Identifier'))
        : [];
  const gone = deleted.flatMap((reference) => {
    const subject = keyOf(record, reference);
    return subject === undefined ? [] : [{ kind: AUTOMATION_RULE_KIND, subject, next: () => null }];
  });
  const written = ruleItems(record).flatMap((rule) => {
    if (rule.key === undefined) return [];
    const shown = shownState(rule);
    return [
      {
        kind: AUTOMATION_RULE_KIND,
        subject: rule.key,
        next: (previous: StateVersion | undefined) =>
          JSON.stringify(rule.create ? shown : { ...before(previous), ...shown }),
      },
    ];
  });
  return [...gone, ...written];
}
