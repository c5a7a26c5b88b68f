import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDetectionConfig } from '../../../lib/detection/config.js';
import { DetectionEngine } from '../../../lib/detection/engine.js';
import { memoryState } from '../../../lib/detection/memoryStores.js';
import type { DetectionState } from '../../../lib/detection/ports.js';
import { validateRecord } from '../../../lib/detection/record.js';
import type { Finding } from '../../../lib/detection/types.js';
import { RULES_DIR, fixtureRecord } from './fixtureSupport.js';

/**
 * Facts detection learns (a principal seen with attacker tooling, a role granted admin rights,
 * an instance profile's role, a function behind a gateway target) live in the state store, not
 * in one container's memory: a second engine on the same store (a cold start, or another
 * concurrent container) still knows them. The records are the rules' own fixtures.
 */

type Raw = Record<string, unknown>;

const KALI =
  'aws-cli/2.15.30 md/awscrt#0.19.19 ua/2.0 os/linux#6.6.9-amd64 md/arch#x86_64 lang/python#3.11.8 md/pyimpl#CPython cfg/retry-mode#standard md/installer#source md/distrib#kali.2024 md/prompt#off md/command#lambda.list-functions';

function engineOn(state: DetectionState): DetectionEngine {
  return new DetectionEngine({ config: parseDetectionConfig({}), state });
}

async function run(engine: DetectionEngine, raw: Raw): Promise<Finding[]> {
  const validated = validateRecord(raw);
  if (!validated.ok) throw new Error(validated.reason);
  const result = await engine.evaluate(validated.record);
  if (result.ruleErrors.length > 0) throw new Error(JSON.stringify(result.ruleErrors));
  return result.findings;
}

/** Every record of one fixture case. */
function caseRecords(file: string, name: string): Raw[] {
  const parsed = JSON.parse(readFileSync(join(RULES_DIR, file), 'utf8')) as {
    cases: { name: string; records: Raw[] }[];
  };
  const found = parsed.cases.find((c) => c.name === name)?.records;
  if (found === undefined) throw new Error(`no fixture ${name}`);
  return found;
}

const BACKDOOR =
  'invoke permission for an outside account (Stratus aws.persistence.lambda-backdoor-function: a fictitious external account)';
const GLUE =
  'Glue development endpoint given a role seen granted AdministratorAccess (Rhino Security Labs PassRole + glue:CreateDevEndpoint)';
const EC2 =
  "EC2 instance launched with an instance profile holding an admin role (RunInstances iamInstanceProfile; the profile's role learned from AddRoleToInstanceProfile)";
const GATEWAY_CODE = 'code of a gateway target function replaced (Stratus lambda-overwrite-code)';

function ruleSeverity(findings: Finding[], ruleId: string): string | undefined {
  return findings.find((f) => f.ruleId === ruleId)?.severity;
}

/** A record moved to another account (recipient and caller). */
function inAccount(raw: Raw, account: string): Raw {
  return JSON.parse(JSON.stringify(raw).replaceAll('111122223333', account)) as Raw;
}

describe('learned facts survive a cold start (shared state store)', () => {
  it('a principal seen with Kali by one container is raised in another', async () => {
    // Prepare: container A sees the Kali read; container B starts cold on the same store
    const state = memoryState();
    const backdoor = { ...fixtureRecord('lambdaFunctionExposed.fixtures.json', BACKDOOR) };
    const kali = {
      ...backdoor,
      eventName: 'ListFunctions20150331',
      requestParameters: null,
      responseElements: null,
      readOnly: true,
      userAgent: KALI,
      eventTime: '2026-11-20T09:50:00Z',
      eventID: 'kali-read',
    };
    await run(engineOn(state), kali);
    // Act
    const findings = await run(engineOn(state), {
      ...backdoor,
      eventTime: '2026-11-20T10:15:00Z',
      eventID: 'backdoor-after-kali',
    });
    const dayLater = await run(engineOn(state), {
      ...backdoor,
      eventTime: '2026-11-21T10:15:00Z',
      eventID: 'backdoor-a-day-later',
    });
    // Assess
    const exposed = findings.find((f) => f.ruleId === 'lambda-function-exposed');
    expect(exposed?.severity).toBe('critical');
    expect(exposed?.details).toMatchObject({ attackerTool: 'Kali Linux' });
    expect(ruleSeverity(dayLater, 'lambda-function-exposed')).toBe('high');
  });

  it('a tool used on every call is written once an hour, not once a call', async () => {
    // Prepare
    const state = memoryState();
    const writes: string[] = [];
    const store = state.lastStates;
    const spy: DetectionState = {
      ...state,
      lastStates: {
        record: (kind, subject, atMs, eventId, next) =>
          store.record(kind, subject, atMs, eventId, (previous) => {
            const out = next(previous);
            if (out !== undefined && kind === 'tooling') writes.push(eventId);
            return out;
          }),
      },
    };
    const engine = engineOn(spy);
    const base = fixtureRecord('lambdaFunctionExposed.fixtures.json', BACKDOOR);
    // Act: 30 Kali reads a minute apart, then one two hours later
    for (let i = 0; i < 30; i++) {
      await run(engine, {
        ...base,
        eventName: 'ListFunctions20150331',
        requestParameters: null,
        responseElements: null,
        readOnly: true,
        userAgent: KALI,
        eventTime: new Date(Date.parse('2026-11-20T09:00:00Z') + i * 60_000).toISOString(),
        eventID: `kali-${i}`,
      });
    }
    await run(engine, {
      ...base,
      eventName: 'ListFunctions20150331',
      requestParameters: null,
      responseElements: null,
      readOnly: true,
      userAgent: KALI,
      eventTime: '2026-11-20T11:30:00Z',
      eventID: 'kali-later',
    });
    // Assess
    expect(writes).toEqual(['kali-0', 'kali-later']);
  });

  it('a role seen granted AdministratorAccess by one container is privileged in another', async () => {
    // Prepare
    const state = memoryState();
    const [attach, pass] = caseRecords('iamPassRoleToCompute.fixtures.json', GLUE) as [Raw, Raw];
    await run(engineOn(state), attach);
    // Act
    const findings = await run(engineOn(state), pass);
    // Assess
    expect(ruleSeverity(findings, 'iam-passrole-to-compute')).toBe('high');
  });

  it('an instance profile’s admin role, learned by one container, is known to another', async () => {
    // Prepare: the attach and the profile in one container each, the launch in a third
    const state = memoryState();
    const [attach, add, launch] = caseRecords('iamPassRoleToCompute.fixtures.json', EC2) as [
      Raw,
      Raw,
      Raw,
    ];
    await run(engineOn(state), attach);
    await run(engineOn(state), add);
    // Act
    const findings = await run(engineOn(state), launch);
    // Assess
    expect(ruleSeverity(findings, 'iam-passrole-to-compute')).toBe('high');
  });

  it('admin rights detached are no longer privilege (negative: an ordinary clean-up)', async () => {
    // Prepare: the admin policy attached, then detached by the same admin an hour later
    const state = memoryState();
    const [attach, pass] = caseRecords('iamPassRoleToCompute.fixtures.json', GLUE) as [Raw, Raw];
    const detach = {
      ...attach,
      eventName: 'DetachRolePolicy',
      eventTime: new Date(Date.parse(String(attach.eventTime)) + 3_600_000).toISOString(),
      eventID: 'detach-admin',
    };
    await run(engineOn(state), attach);
    await run(engineOn(state), detach);
    // Act
    const findings = await run(engineOn(state), pass);
    // Assess: a role gatewarden does not know as privileged is low
    expect(ruleSeverity(findings, 'iam-passrole-to-compute')).toBe('low');
  });

  it('a function behind a gateway target, learned by one container, is known to another', async () => {
    // Prepare
    const state = memoryState();
    const [target, update] = caseRecords(
      'gatewayTargetFunctionModified.fixtures.json',
      GATEWAY_CODE,
    ) as [Raw, Raw];
    await run(engineOn(state), target);
    // Act
    const findings = await run(engineOn(state), update);
    // Assess: the finding names the gateway
    const modified = findings.find((f) => f.ruleId === 'gateway-target-function-modified');
    expect(modified?.severity).toBe('high');
    expect(modified?.summary).toContain('billing-gateway-7x1k2');
  });

  it('keeps facts per account: a function of the same name in another account is not a target', async () => {
    // Prepare: the target in one account, the same function name updated in another
    const state = memoryState();
    const [target, update] = caseRecords(
      'gatewayTargetFunctionModified.fixtures.json',
      GATEWAY_CODE,
    ) as [Raw, Raw];
    const engine = new DetectionEngine({
      config: parseDetectionConfig({}),
      state,
      homeAccountId: '111122223333',
    });
    await run(engine, target);
    // Act
    const other = await run(
      new DetectionEngine({
        config: parseDetectionConfig({}),
        state,
        homeAccountId: '111122223333',
      }),
      inAccount(update, '444455556666'),
    );
    // Assess
    expect(other.map((f) => f.ruleId)).not.toContain('gateway-target-function-modified');
  });
});

/** Each record of a fixture case in a fresh engine of its own, all on one state store. */
async function coldRun(state: DetectionState, records: Raw[]): Promise<Finding[]> {
  let last: Finding[] = [];
  for (const record of records) last = await run(engineOn(state), record);
  return last;
}

describe('gateway keys, gateway policies and trail buckets survive a cold start', () => {
  it.each([
    [
      'kmsKeyLoss.fixtures.json',
      'token vault key scheduled for deletion',
      'kms-key-loss',
      'critical',
    ],
    [
      'kmsKeyMaterialImported.fixtures.json',
      'material deleted from the token vault key',
      'kms-key-material-imported',
      'high',
    ],
    [
      'kmsKeyPolicyOpened.fixtures.json',
      'token vault key opened to everyone',
      'kms-key-policy-opened',
      'critical',
    ],
    [
      'iamGatewayPolicyVersion.fixtures.json',
      'new default version of a policy attached to a gateway role',
      'iam-gateway-policy-version',
      'high',
    ],
    [
      'cloudtrailBucketLifecycle.fixtures.json',
      'lifecycle on a bucket learned from UpdateTrail',
      'cloudtrail-bucket-lifecycle',
      'high',
    ],
    [
      'trailBucketRemoved.fixtures.json',
      'learned trail bucket deleted',
      'trail-bucket-deleted-or-unversioned',
      'high',
    ],
    [
      'trailBucketRemoved.fixtures.json',
      'learned trail bucket versioning suspended',
      'trail-bucket-deleted-or-unversioned',
      'high',
    ],
    [
      'trailBucketRemoved.fixtures.json',
      'refused deletion of the trail bucket',
      'trail-bucket-deleted-or-unversioned',
      'medium',
    ],
  ])(
    '%s / %s: learned in one container, known in another',
    async (file, name, ruleId, severity) => {
      // Prepare
      const state = memoryState();
      const records = caseRecords(file, name);
      // Act
      const findings = await coldRun(state, records);
      // Assess
      expect(ruleSeverity(findings, ruleId)).toBe(severity);
    },
  );

  it('a gateway key learned in one account is not one in another (same key id)', async () => {
    // Prepare
    const state = memoryState();
    const [learn, loss] = caseRecords(
      'kmsKeyLoss.fixtures.json',
      'token vault key scheduled for deletion',
    ) as [Raw, Raw];
    const home = () =>
      new DetectionEngine({
        config: parseDetectionConfig({}),
        state,
        homeAccountId: '111122223333',
      });
    await run(home(), learn);
    // Act
    const other = await run(home(), inAccount(loss, '444455556666'));
    // Assess
    expect(ruleSeverity(other, 'kms-key-loss')).toBe('medium');
  });

  it('a replay in event-time order answers as the live stream: a key learned later does not raise an earlier deletion', async () => {
    // Prepare: the deletion arrives first, the key is learned (later in event time) after it
    const state = memoryState();
    const [learn, loss] = caseRecords(
      'kmsKeyLoss.fixtures.json',
      'token vault key scheduled for deletion',
    ) as [Raw, Raw];
    const lateLearn = {
      ...learn,
      eventTime: new Date(Date.parse(String(loss.eventTime)) + 60_000).toISOString(),
      eventID: 'learn-after',
    };
    await run(engineOn(state), lateLearn);
    // Act
    const findings = await run(engineOn(state), loss);
    // Assess
    expect(ruleSeverity(findings, 'kms-key-loss')).toBe('medium');
  });
});

describe('recently created principals survive a cold start', () => {
  const LAMBDA_ROLE =
    'a new Lambda role denied for seconds right after CloudFormation creates it (IAM eventual consistency)';
  const PROBE =
    'a role created seconds before probes 13 services in its first minute: only 3 denials are excused, the burst is seen';
  const burst = (findings: Finding[][]) =>
    findings.flat().filter((f) => f.ruleId === 'access-denied-burst');

  it('a user created in one container and signing in without MFA in another is high', async () => {
    // Prepare
    const state = memoryState();
    const records = caseRecords(
      'consoleLoginWithoutMfa.fixtures.json',
      'user created two days earlier signs in without MFA',
    );
    // Act
    const findings = await coldRun(state, records);
    // Assess
    expect(ruleSeverity(findings, 'console-login-without-mfa')).toBe('high');
  });

  it('denials of a role created by another container seconds before are IAM propagation', async () => {
    // Prepare
    const state = memoryState();
    const records = caseRecords('accessDeniedBurst.fixtures.json', LAMBDA_ROLE);
    // Act: every record in a container of its own
    const findings: Finding[][] = [];
    for (const record of records) findings.push(await run(engineOn(state), record));
    // Assess
    expect(burst(findings)).toEqual([]);
  });

  it('the allowance is shared: a new role probing across containers is still seen', async () => {
    // Prepare
    const state = memoryState();
    const records = caseRecords('accessDeniedBurst.fixtures.json', PROBE);
    // Act
    const findings: Finding[][] = [];
    for (const record of records) findings.push(await run(engineOn(state), record));
    // Assess
    expect(burst(findings)).toHaveLength(1);
  });
});

describe('gateway rate limits survive a cold start', () => {
  const RULE = 'gateway-rate-limit-weakened';
  /** The case's records in one engine (one warm container): the fixture's own verdict. */
  async function warmRun(records: Raw[]): Promise<Finding[]> {
    const engine = engineOn(memoryState());
    let last: Finding[] = [];
    for (const record of records) last = await run(engine, record);
    return last;
  }

  it.each([
    'batch put whose resulting set lacks a limit the gateway had (removed)',
    'update raising a rate',
    'update unblocking a caller held at rate 0',
    'batch put dropping an entry (per-caller block gone)',
    'batch put logged without response: a limit not in the request is only possibly removed',
  ])('%s: limits learned in one container are known to another', async (name) => {
    // Prepare
    const records = caseRecords('gatewayRateLimitWeakened.fixtures.json', name);
    const warm = ruleSeverity(await warmRun(records), RULE);
    // Act
    const cold = ruleSeverity(await coldRun(memoryState(), records), RULE);
    // Assess
    expect(warm).toBeDefined();
    expect(cold).toBe(warm);
  });

  it.each([
    'tightening rates',
    'batch put upserting one limit, the resulting set keeps the other (no removal)',
  ])('%s in another container is not a weakening (negative)', async (name) => {
    // Prepare
    const records = caseRecords('gatewayRateLimitWeakened.fixtures.json', name);
    // Act
    const findings = await coldRun(memoryState(), records);
    // Assess
    expect(ruleSeverity(findings, RULE)).toBeUndefined();
  });
});

describe('the web ACLs of gateways survive a cold start', () => {
  const RULE = 'gateway-web-acl-weakened';

  it.each([
    ['the web ACL on a gateway emptied by a full replace (no rules, default Allow)', 'high'],
    ["one rule removed from a gateway's web ACL", 'medium'],
    ["a gateway web ACL's managed rule group set to count", 'medium'],
    [
      "an Allow rule matching every request (a negated rare match) put ahead of a gateway web ACL's enforcing rules",
      'high',
    ],
    ["a gateway web ACL's rate-limit rule switched from Block to Allow", 'medium'],
    [
      "every rule of a gateway web ACL's managed group overridden to count (ruleActionOverrides), override none",
      'medium',
    ],
  ])(
    '%s: the association and rules learned in one container are known to another',
    async (name, severity) => {
      // Prepare: each record in a fresh engine, one state store
      const records = caseRecords('gatewayWebAclWeakened.fixtures.json', name);
      // Act
      const findings = await coldRun(memoryState(), records);
      // Assess
      expect(ruleSeverity(findings, RULE)).toBe(severity);
    },
  );

  it.each([
    'two block rules of a gateway web ACL re-ordered',
    "a gateway web ACL's body size limit and rate limit lowered (stricter)",
    "a block rule added behind a gateway web ACL's existing IP-set allow-list",
  ])('%s in another container is not a weakening (negative)', async (name) => {
    // Prepare
    const records = caseRecords('gatewayWebAclWeakened.fixtures.json', name);
    // Act
    const findings = await coldRun(memoryState(), records);
    // Assess
    expect(ruleSeverity(findings, RULE)).toBeUndefined();
  });

  it('a web ACL associated with a gateway in one account is not in another (same id)', async () => {
    // Prepare: the association in one account, the emptying update in another
    const state = memoryState();
    const [create, associate, update] = caseRecords(
      'gatewayWebAclWeakened.fixtures.json',
      'the web ACL on a gateway emptied by a full replace (no rules, default Allow)',
    ) as [Raw, Raw, Raw];
    const engine = () =>
      new DetectionEngine({
        config: parseDetectionConfig({}),
        state,
        homeAccountId: '111122223333',
      });
    await run(engine(), create);
    await run(engine(), associate);
    // Act
    const other = await run(engine(), inAccount(update, '444455556666'));
    // Assess
    expect(other.map((f) => f.ruleId)).not.toContain(RULE);
  });

  it('a password given to a dormant user in one container makes its sign-in in another high', async () => {
    const records = caseRecords(
      'consoleLoginWithoutMfa.fixtures.json',
      'a long-dormant user given a password (CreateLoginProfile) two days earlier signs in without MFA',
    );
    expect(ruleSeverity(await coldRun(memoryState(), records), 'console-login-without-mfa')).toBe(
      'high',
    );
  });
});
