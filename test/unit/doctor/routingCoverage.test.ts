import { namedOperations } from '../../../lib/detection/coverage.js';
import { allRules } from '../../../lib/detection/registry.js';
import { deliveryProblems, neededEvents, type RuleInfo } from '../../../lib/doctor/index.js';
import {
  loadDetectPatterns,
  routedAgentcoreNames,
  type DetectPattern,
} from '../detection/detectPatterns.js';

/**
 * Issue 19, point 5: doctor's routing check covers every AgentCore operation the deployment
 * routes. Both it and the model-coverage test take what detection needs from the rules'
 * `events.names`, and that test makes every routed AgentCore operation one a rule names; here
 * the deployed rules are resources/detect-patterns.yml itself, as the template deploys them.
 */
const DETECT = 'arn:aws:sqs:us-east-1:111122223333:gatewarden-prod-detect-events';
const patterns = loadDetectPatterns();
// The deployment picks one of the two GetSecretValue routes; the narrowed one by default.
const deployed = Object.entries(patterns).filter(([key]) => key !== 'allSecretReads');

function asDeployed(entries: [string, DetectPattern][]): RuleInfo[] {
  return entries.map(([key, { state, pattern }]) => ({
    name: `gatewarden-prod-detect-${key}`,
    state,
    eventBusName: 'default',
    pattern: pattern as RuleInfo['pattern'],
    targetArns: [DETECT],
  }));
}

const routed = [...routedAgentcoreNames(patterns)];

describe('doctor routing check and the AgentCore coverage', () => {
  it('finds nothing missing in the rules as detect-patterns.yml deploys them', () => {
    expect(deliveryProblems(asDeployed(deployed), neededEvents(), [DETECT])).toEqual([]);
  });

  it('checks every AgentCore operation a rule names, which is every routed one', () => {
    const checked = new Set(
      neededEvents()
        .filter((e) => e.source === 'aws.bedrock-agentcore')
        .map((e) => e.eventName),
    );
    expect(routed.filter((name) => !checked.has(name))).toEqual([]);
    expect([...namedOperations(allRules).keys()].filter((name) => !checked.has(name))).toEqual([]);
  });

  it.each(routed.sort())(
    'reports %s when the deployed pattern no longer routes it',
    (operation) => {
      const without = deployed.map(([key, entry]): [string, DetectPattern] => {
        const names = entry.pattern.detail?.eventName;
        if (!names?.includes(operation) || !entry.pattern.source?.includes('aws.bedrock-agentcore'))
          return [key, entry];
        return [
          key,
          {
            ...entry,
            pattern: {
              ...entry.pattern,
              detail: { ...entry.pattern.detail, eventName: names.filter((n) => n !== operation) },
            },
          },
        ];
      });
      const problems = deliveryProblems(asDeployed(without), neededEvents(), [DETECT]);
      expect(problems.map((p) => `${p.event.source} ${p.event.eventName}: ${p.reason}`)).toContain(
        `aws.bedrock-agentcore ${operation}: no rule matches it`,
      );
    },
  );
});
