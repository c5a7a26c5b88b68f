import { runDoctor, type DoctorReader, type RuleInfo } from '../../../lib/doctor/index.js';
import { readDetectRoutes } from '../../../lib/deploy/detectRoutes.js';
import { forwardedRoutes, forwarderTemplate } from '../../../lib/deploy/forwarder.js';

const ACCOUNT = '111122223333';
const BUS = `arn:aws:events:eu-west-1:${ACCOUNT}:event-bus/gatewarden-prod`;
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

/** An account seen only through the rules of us-east-1; every other check is not served. */
function readerOf(useast1: RuleInfo[]): DoctorReader {
  const refused = () => Promise.reject(new Error('not served here'));
  return {
    caller: async () => ({ arn: `arn:aws:iam::${ACCOUNT}:user/ops`, account: ACCOUNT }),
    simulate: refused,
    trails: refused,
    rules: async (prefix, region) =>
      region === 'us-east-1' ? useast1.filter((r) => r.name.startsWith(prefix)) : [],
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

async function forwarderCheck(rules: RuleInfo[], region = 'eu-west-1') {
  const report = await runDoctor(readerOf(rules), {
    stage: 'prod',
    region,
    detectTargets: [],
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
