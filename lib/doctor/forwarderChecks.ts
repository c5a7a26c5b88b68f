import { readDetectRoutes } from '../deploy/detectRoutes.js';
import {
  forwardedEventsPattern,
  forwardedEventsRuleName,
  forwardedRoutes,
  forwarderCommand,
  forwarderRuleName,
  forwarderRulePrefix,
  stageBusArn,
  type ForwardedRoute,
} from '../deploy/forwarder.js';
import { GLOBAL_EVENTS_REGION } from '../detection/sources.js';
import { unverifiedReason } from './errors.js';
import type { DoctorReader, RuleInfo } from './ports.js';
import type { CheckResult } from './types.js';

/**
 * Does the stage see global-service events? Outside us-east-1 only through its forwarder
 * (lib/deploy/forwarder.ts): every forwarded route's rule must exist on us-east-1's default bus,
 * be in the route's state, carry the route's pattern as detect-patterns.yml has it now, and
 * target this stage's bus and nothing else (a second target copies every IAM, STS and sign-in
 * record elsewhere); and no other rule there may target the bus (each event it matches would
 * reach detect twice). On the stage's bus, the rule taking forwarded events must be enabled,
 * keep its pattern (this account's AWS CloudTrail events) and deliver to the detect queue
 * alone: disabled, narrowed or retargeted, it drops every global-service event as surely as a
 * missing forwarder. In us-east-1 nothing is forwarded, and a rule forwarding to the stage's bus
 * is a mistake to remove.
 */
export async function forwarderChecks(
  reader: DoctorReader,
  stage: string,
  region: string | undefined,
  account: string,
  partition: string,
  /** The detect queue the stage bus rule must deliver to; empty = not checked. */
  detectTargets: readonly string[] = [],
  routes: readonly ForwardedRoute[] = forwardedRoutes(readDetectRoutes()),
): Promise<CheckResult[]> {
  const id = 'rules.forwarder';
  if (!region || !account) {
    return [
      {
        id,
        area: 'rules',
        status: 'unverified',
        message: `could not verify the global-events forwarder: ${region ? 'the account' : 'the region'} is unknown`,
      },
    ];
  }
  const target = { stage, region };
  const busArn = stageBusArn(target, account, partition);
  try {
    const targeting = await reader.ruleNamesTargeting(busArn, GLOBAL_EVENTS_REGION);
    if (region === GLOBAL_EVENTS_REGION) {
      return [
        targeting.length === 0
          ? {
              id,
              area: 'rules',
              status: 'pass',
              message: `stage ${stage} is in ${GLOBAL_EVENTS_REGION}, where global-service events arrive: no forwarder needed, none forwards to it`,
            }
          : {
              id,
              area: 'rules',
              status: 'fail',
              message: `rule(s) ${targeting.join(', ')} forward events to ${busArn}, but stage ${stage} is in ${GLOBAL_EVENTS_REGION} and receives global-service events itself: remove them (a forwarder stack gatewarden-${stage}-forwarder-* there is a mistake)`,
              details: targeting,
            },
      ];
    }
    const rules = await reader.rules(forwarderRulePrefix(target), GLOBAL_EVENTS_REGION);
    const command = forwarderCommand(target);
    if (rules.length === 0) {
      return [
        {
          id,
          area: 'rules',
          status: 'fail',
          message: `no forwarder in ${GLOBAL_EVENTS_REGION} for stage ${stage}: IAM, STS, console sign-in, Organizations and Account events reach EventBridge only there, so detect never sees them. Run: ${command}`,
          details: [
            `missing: ${forwarderRulePrefix(target)}* on the default bus of ${GLOBAL_EVENTS_REGION}`,
          ],
        },
      ];
    }
    const problems = routes.flatMap((route) => routeProblems(route, rules, target, busArn));
    problems.push(...(await receivingProblems(reader, stage, region, account, detectTargets)));
    const expected = new Set(routes.map((route) => forwarderRuleName(target, route.key)));
    const doubled = targeting.filter((name) => !expected.has(name));
    if (doubled.length > 0) {
      problems.push(
        `rule(s) ${doubled.join(', ')} in ${GLOBAL_EVENTS_REGION} also forward to ${busArn}: each event they match reaches detect twice; remove them`,
      );
    }
    if (problems.length > 0) {
      return [
        {
          id,
          area: 'rules',
          status: 'fail',
          message: `the global-events forwarder of stage ${stage} in ${GLOBAL_EVENTS_REGION} is wrong (${problems.length} problem(s): ${problems[0]}${problems.length > 1 ? '; …' : ''}). Run: ${command}`,
          details: problems,
        },
      ];
    }
    return [
      {
        id,
        area: 'rules',
        status: 'pass',
        message: `${routes.length} forwarder rules in ${GLOBAL_EVENTS_REGION} deliver global-service events to ${busArn}`,
      },
    ];
  } catch (error) {
    return [
      {
        id,
        area: 'rules',
        status: 'unverified',
        message: `could not verify the global-events forwarder in ${GLOBAL_EVENTS_REGION} (${unverifiedReason(error)})`,
      },
    ];
  }
}

function routeProblems(
  route: ForwardedRoute,
  rules: readonly RuleInfo[],
  target: { stage: string; region: string },
  busArn: string,
): string[] {
  const name = forwarderRuleName(target, route.key);
  const rule = rules.find((r) => r.name === name);
  if (!rule) return [`rule ${name} is missing`];
  const problems: string[] = [];
  if (rule.state !== route.state)
    problems.push(`rule ${name} is ${rule.state}, not ${route.state}`);
  if (!rule.targetArns.includes(busArn)) {
    problems.push(
      `rule ${name} targets ${rule.targetArns.join(', ') || 'nothing'}, not this stage's bus ${busArn}`,
    );
  } else if (rule.targetArns.some((arn) => arn !== busArn)) {
    problems.push(
      `rule ${name} targets ${rule.targetArns.join(', ')}, not only this stage's bus ${busArn}: remove the others`,
    );
  }
  if (canonical(rule.pattern) !== canonical(route.pattern)) {
    problems.push(`rule ${name} forwards another pattern than detect route ${route.key} needs`);
  }
  return problems;
}

/** What is wrong with the stage bus rule that hands forwarded events to the detect queue. */
async function receivingProblems(
  reader: DoctorReader,
  stage: string,
  region: string,
  account: string,
  detectTargets: readonly string[],
): Promise<string[]> {
  const name = forwardedEventsRuleName(stage);
  const bus = `gatewarden-${stage}`;
  const rule = (await reader.rules(name, region, bus)).find((r) => r.name === name);
  if (!rule)
    return [`rule ${name} is missing from bus ${bus} in ${region}: forwarded events reach no one`];
  const problems: string[] = [];
  if (rule.state !== 'ENABLED') problems.push(`rule ${name} is ${rule.state}, not ENABLED`);
  if (canonical(rule.pattern) !== canonical(forwardedEventsPattern(account))) {
    problems.push(
      `rule ${name} takes another pattern than this account's AWS CloudTrail events (resources/forwarded-events.yml)`,
    );
  }
  const wrong =
    rule.targetArns.length === 0 ||
    (detectTargets.length > 0 && rule.targetArns.some((arn) => !detectTargets.includes(arn)));
  if (wrong) {
    problems.push(
      `rule ${name} targets ${rule.targetArns.join(', ') || 'nothing'}, not only the detect queue${detectTargets.length > 0 ? ` ${detectTargets.join(', ')}` : ''}`,
    );
  }
  return problems;
}

/** JSON with object keys sorted: equal for equal patterns, whatever order EventBridge keeps. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  );
}
