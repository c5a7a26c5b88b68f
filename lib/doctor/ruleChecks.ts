import type { DoctorOptions } from './checks.js';
import { unverifiedReason } from './errors.js';
import type { DoctorReader } from './ports.js';
import { deliveryProblems, neededEvents } from './rules.js';
import type { CheckResult } from './types.js';

/** The stage's detect rules deliver every event detection needs; one line per rule at fault. */
export async function ruleChecks(
  reader: DoctorReader,
  options: DoctorOptions,
): Promise<CheckResult[]> {
  const prefix = `gatewarden-${options.stage}-detect-`;
  try {
    const rules = await reader.rules(prefix);
    if (rules.length === 0) {
      return [
        {
          id: 'rules.delivery',
          area: 'rules',
          status: 'fail',
          message: `no EventBridge rule named ${prefix}* on the default bus: is stage ${options.stage} deployed in this region?`,
        },
      ];
    }
    const needed = neededEvents();
    const problems = deliveryProblems(rules, needed, options.detectTargets);
    const results: CheckResult[] = [];
    // One line per rule at fault, so "rule X is DISABLED" is said once with what it costs.
    const byReason = new Map<string, string[]>();
    for (const problem of problems) {
      const names = byReason.get(problem.reason) ?? [];
      names.push(`${problem.event.source}:${problem.event.eventName}`);
      byReason.set(problem.reason, names);
    }
    for (const [reason, events] of byReason) {
      results.push({
        id: `rules.delivery`,
        area: 'rules',
        status: 'fail',
        message: `${reason}: detect receives none of ${events.length} event(s) it needs (${events.slice(0, 6).join(', ')}${events.length > 6 ? ', …' : ''})`,
        details: events,
      });
    }
    if (problems.length === 0) {
      results.push({
        id: 'rules.delivery',
        area: 'rules',
        status: 'pass',
        message: `${rules.length} rules deliver all ${needed.length} events detection needs to ${options.detectTargets.length > 0 ? options.detectTargets.join(', ') : 'their targets'}, read-only ones through rules in state ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS`,
      });
    }
    if (options.detectTargets.length === 0) {
      results.push({
        id: 'rules.target',
        area: 'rules',
        status: 'unverified',
        message: 'could not verify the rules target the detect function: its ARN is unknown',
      });
    }
    return results;
  } catch (error) {
    return [
      {
        id: 'rules.delivery',
        area: 'rules',
        status: 'unverified',
        message: `could not verify the EventBridge rules (${unverifiedReason(error)})`,
      },
    ];
  }
}
