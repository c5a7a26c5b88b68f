import { runDoctor, type DoctorReader, type RuleInfo } from '../../../lib/doctor/index.js';
import { readDetectRoutes } from '../../../lib/deploy/detectRoutes.js';
import {
  forwardedEventsPattern,
  forwardedRoutes,
  forwarderTemplate,
} from '../../../lib/deploy/forwarder.js';

const ACCOUNT = '111122223333';
const BUS = `arn:aws:events:eu-west-1:${ACCOUNT}:event-bus/gatewarden-prod`;
const QUEUE = `arn:aws:sqs:eu-west-1:${ACCOUNT}:gatewarden-prod-detect-events`;
const ATTACKER_BUS = 'arn:aws:events:us-east-1:444455556666:event-bus/collector';

/** The stage bus's own rule handing forwarded events to detect (forwarded-events.yml). */
function receivingRule(): RuleInfo {
  return {
    name: 'gatewarden-prod-detect-forwarded',
    state: 'ENABLED',
    eventBusName: 'gatewarden-prod',
    pattern: reversedKeys(forwardedEventsPattern(ACCOUNT)) as RuleInfo['pattern'],
    targetArns: [QUEUE],
  };
}
const COMMAND = 'npx gatewarden forwarder deploy --stage prod --region eu-west-1';

/** The rules `gatewarden forwarder deploy` creates in us-east-1, as EventBridge lists them. */
function deployedForwarder(): RuleInfo[] {
  const template = forwarderTemplate(
    { stage: 'prod', region: 'eu-west-1' },
    readDetectRoutes(),
  ) as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
  return Object.values(template.Resources)
    .filter((r) => r.Type === 'AWS::Events::Rule')
    .map((r) => ({
      name: String(r.Properties.Name),
      state: String(r.Properties.State),
      eventBusName: 'default',
      // As EventBridge answers it: a JSON string parsed back, keys in another order.
      pattern: reversedKeys(r.Properties.EventPattern) as RuleInfo['pattern'],
      targetArns: [BUS],
    }));
}

/** The same JSON with every object's keys in reverse order. */
function reversedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversedKeys);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([k, v]) => [k, reversedKeys(v)]),
  );
}

/**
 * An account seen only through the rules of us-east-1 and of the stage bus; every other check
 * is not served.
 */
function readerOf(useast1: RuleInfo[], stageBus: RuleInfo[] = [receivingRule()]): DoctorReader {
  const refused = () => Promise.reject(new Error('not served here'));
  return {
    caller: async () => ({ arn: `arn:aws:iam::${ACCOUNT}:user/ops`, account: ACCOUNT }),
    simulate: refused,
    trails: refused,
    rules: async (prefix, region, bus = 'default') =>
      (region === 'us-east-1' && bus === 'default'
        ? useast1
        : region === 'eu-west-1' && bus === 'gatewarden-prod'
          ? stageBus
          : []
      ).filter((r) => r.name.startsWith(prefix)),
    ruleNamesTargeting: async (arn, region) =>
      region === 'us-east-1'
        ? useast1.filter((r) => r.targetArns.includes(arn)).map((r) => r.name)
        : [],
    secrets: async () => [],
    pinnedProvider: refused,
    registeredSchedule: refused,
    provider: refused,
  };
}

async function forwarderCheck(rules: RuleInfo[], region = 'eu-west-1', stageBus?: RuleInfo[]) {
  const report = await runDoctor(readerOf(rules, stageBus), {
    stage: 'prod',
    region,
    detectTargets: [QUEUE],
    commands: [],
  });
  const check = report.checks.find((c) => c.id === 'rules.forwarder');
  if (!check) throw new Error('no forwarder check');
  return check;
}

describe('doctor: the global-events forwarder', () => {
  it('fails when it is missing, and says what to run', async () => {
    const check = await forwarderCheck([]);

    expect(check.status).toBe('fail');
    expect(check.message).toContain(`Run: ${COMMAND}`);
  });

  it('passes when every forwarded route has its rule, enabled, aimed at this stage', async () => {
    const check = await forwarderCheck(deployedForwarder());

    expect(check).toMatchObject({ status: 'pass' });
    expect(check.message).toContain(
      `${forwardedRoutes(readDetectRoutes()).length} forwarder rules`,
    );
  });

  it.each<[string, (rules: RuleInfo[]) => RuleInfo[], RegExp]>([
    [
      'disabled',
      (rules) => rules.map((r) => (r.name.endsWith('-fwd-iam') ? { ...r, state: 'DISABLED' } : r)),
      /fwd-iam is DISABLED/,
    ],
    [
      'pointing elsewhere',
      (rules) =>
        rules.map((r) =>
          r.name.endsWith('-fwd-root')
            ? { ...r, targetArns: [BUS.replace('gatewarden-prod', 'gatewarden-dev')] }
            : r,
        ),
      /fwd-root targets .*gatewarden-dev, not this stage's bus/,
    ],
    [
      // events:PutTargets alone: every IAM, STS and sign-in record also goes to another account.
      'copied to another target as well',
      (rules) =>
        rules.map((r) =>
          r.name.endsWith('-fwd-iam') ? { ...r, targetArns: [BUS, ATTACKER_BUS] } : r,
        ),
      /fwd-iam targets .*collector, not only this stage's bus/,
    ],
    [
      'missing a rule',
      (rules) => rules.filter((r) => !r.name.endsWith('-fwd-consoleSignIn')),
      /fwd-consoleSignIn is missing/,
    ],
    [
      'behind the detect routes (an older pattern)',
      (rules) =>
        rules.map((r) =>
          r.name.endsWith('-fwd-iam')
            ? { ...r, pattern: { ...r.pattern, detail: { eventName: ['CreateRole'] } } }
            : r,
        ),
      /fwd-iam forwards another pattern/,
    ],
    [
      'doubled by another rule aimed at the stage bus',
      (rules) => [
        ...rules,
        { name: 'my-iam-forwarding', state: 'ENABLED', eventBusName: 'default', targetArns: [BUS] },
      ],
      /my-iam-forwarding .* reaches detect twice/,
    ],
  ])('fails when the forwarder is %s', async (_label, broken, detail) => {
    const check = await forwarderCheck(broken(deployedForwarder()));

    expect(check.status).toBe('fail');
    expect(check.message).toContain(`Run: ${COMMAND}`);
    expect(check.details?.join('\n')).toMatch(detail);
  });

  // The other half of the path: on the stage's bus, one rule hands what arrives to the detect
  // queue. Whoever may disable, narrow or retarget it (events:DisableRule, PutRule or
  // RemoveTargets on the stage bus) stops every global-service event silently.
  it.each<[string, (rule: RuleInfo) => RuleInfo | undefined, RegExp]>([
    ['missing', () => undefined, /gatewarden-prod-detect-forwarded is missing/],
    [
      'disabled',
      (rule) => ({ ...rule, state: 'DISABLED' }),
      /detect-forwarded is DISABLED, not ENABLED/,
    ],
    [
      'narrowed to nothing detect needs',
      (rule) => ({ ...rule, pattern: { ...rule.pattern, source: ['aws.nothing'] } }),
      /detect-forwarded takes another pattern/,
    ],
    [
      'opened to other accounts',
      (rule) => ({ ...rule, pattern: { ...rule.pattern, account: undefined } }),
      /detect-forwarded takes another pattern/,
    ],
    [
      'aimed elsewhere than the detect queue',
      (rule) => ({ ...rule, targetArns: [QUEUE.replace('detect-events', 'parking')] }),
      /detect-forwarded targets .*parking, not only the detect queue/,
    ],
  ])('fails when the stage bus rule taking forwarded events is %s', async (_l, broken, detail) => {
    const rule = broken(receivingRule());

    const check = await forwarderCheck(deployedForwarder(), 'eu-west-1', rule ? [rule] : []);

    expect(check.status).toBe('fail');
    expect(check.details?.join('\n')).toMatch(detail);
  });

  it('skips a stage in us-east-1, but fails when something forwards to it there', async () => {
    const useast1Bus = BUS.replace('eu-west-1', 'us-east-1');

    const alone = await forwarderCheck([], 'us-east-1');
    const forwarded = await forwarderCheck(
      [{ name: 'x-fwd', state: 'ENABLED', eventBusName: 'default', targetArns: [useast1Bus] }],
      'us-east-1',
    );

    expect(alone.status).toBe('pass');
    expect(alone.message).toContain('no forwarder needed');
    expect(forwarded.status).toBe('fail');
    expect(forwarded.message).toContain('x-fwd');
  });
});
