import { contextFromConfig, parseDetectionConfig } from '../../../lib/detection/config.js';
import {
  AGENTCORE_EVENT_SOURCE,
  CONTROL_PLANE_OUT_OF_SCOPE,
  DATA_PLANE_OUT_OF_SCOPE,
  coverageProblems,
  namedOperations,
  type CoverageInput,
} from '../../../lib/detection/coverage.js';
import { DetectionEngine } from '../../../lib/detection/engine.js';
import { learnFromRecord } from '../../../lib/detection/learn.js';
import { memoryState } from '../../../lib/detection/memoryStores.js';
import { validateRecord } from '../../../lib/detection/record.js';
import { allRules } from '../../../lib/detection/registry.js';
import { consentPortalChanged } from '../../../lib/detection/rules/consentPortalChanged.js';
import type { Rule } from '../../../lib/detection/types.js';
import { loadDetectPatterns, routedAgentcoreNames } from './detectPatterns.js';
import { instrumented, readsOnFixtures, tracking } from './fieldReads.js';
import { loadFixtures } from './fixtureSupport.js';
import {
  controlPlaneOperations,
  dataPlaneOperations,
  mutatingControlPlaneOperations,
  type ModelOperation,
} from './sdkModel.js';

/**
 * Issue 19, point 1: coverage enforced by the SDK's model. Every mutating control-plane
 * operation and every data-plane operation of the installed AgentCore SDKs is routed to detect
 * (resources/detect-patterns.yml) and named by a rule that reads its fields, or out of scope
 * with a reason (lib/detection/coverage.ts). An operation a new SDK adds fails here.
 */

const routed = routedAgentcoreNames(loadDetectPatterns());
const named = namedOperations(allRules);
const names = (ops: readonly ModelOperation[]) => ops.map((op) => op.name);
const MODEL = new Map(
  [...controlPlaneOperations, ...dataPlaneOperations].map((op) => [op.name, op] as const),
);

const control = (overrides: Partial<CoverageInput> = {}): CoverageInput => ({
  operations: names(mutatingControlPlaneOperations),
  modelOperations: names(controlPlaneOperations),
  routed,
  named,
  outOfScope: CONTROL_PLANE_OUT_OF_SCOPE,
  ...overrides,
});
const data = (overrides: Partial<CoverageInput> = {}): CoverageInput => ({
  operations: names(dataPlaneOperations),
  modelOperations: names(dataPlaneOperations),
  routed,
  named,
  outOfScope: DATA_PLANE_OUT_OF_SCOPE,
  ...overrides,
});

describe('AgentCore coverage by the SDK model', () => {
  it('reads the operations from the installed SDKs', () => {
    // 171 and 67 operations in the reviewed versions; more is fine (they must be decided).
    expect(controlPlaneOperations.length).toBeGreaterThanOrEqual(171);
    expect(mutatingControlPlaneOperations.length).toBeGreaterThanOrEqual(96);
    expect(dataPlaneOperations.length).toBeGreaterThanOrEqual(67);
    expect(names(mutatingControlPlaneOperations)).toEqual(
      expect.arrayContaining(['UpdateGateway', 'RotatePaymentConnectorCredentials']),
    );
  });

  it('every mutating control-plane operation is routed and named by a rule, or out of scope', () => {
    expect(coverageProblems(control())).toEqual([]);
  });

  it('every data-plane operation is routed and named by a rule, or out of scope', () => {
    expect(coverageProblems(data())).toEqual([]);
  });

  it('routes no AgentCore operation that the SDK model does not have (InvokeGateway aside)', () => {
    const known = new Set([...names(controlPlaneOperations), ...names(dataPlaneOperations)]);
    // InvokeGateway is the gateway's own MCP endpoint, not an SDK operation.
    expect([...routed].filter((name) => !known.has(name) && name !== 'InvokeGateway')).toEqual([]);
  });

  // Issue 21, point 6: InvokeGateway (the gateway's MCP endpoint, a data event) is in scope,
  // routed whatever its outcome (the tool-call rules learn from accepted calls) and read by the
  // tool-call rules.
  it('routes every InvokeGateway to detect, not only refused ones, and the tool rules read it', () => {
    const invoke = Object.values(loadDetectPatterns()).filter((p) =>
      (p.pattern.detail?.eventName ?? []).includes('InvokeGateway'),
    );
    expect(invoke.map((p) => Object.keys(p.pattern.detail ?? {}).sort())).toEqual([
      ['eventName', 'eventSource'],
    ]);
    expect(named.get('InvokeGateway')).toEqual(
      expect.arrayContaining([
        'gateway-tool-first-call',
        'gateway-tool-calls-refused',
        'gateway-new-jwt-client',
      ]),
    );
    expect(Object.keys(DATA_PLANE_OUT_OF_SCOPE)).not.toContain('InvokeGateway');
  });

  const decided = [...routed].filter((name) => MODEL.has(name));
  it.each(decided.sort())('fails when %s is taken out of the routing', (operation) => {
    const without = new Set([...routed].filter((name) => name !== operation));
    const problems = [
      ...coverageProblems(control({ routed: without })),
      ...coverageProblems(data({ routed: without })),
    ];
    expect(problems.map((p) => p.operation)).toContain(operation);
  });

  it('fails on an operation a new SDK version adds, until it is decided', () => {
    const added = control({
      operations: [...names(mutatingControlPlaneOperations), 'CreateGatewayInterceptor'],
      modelOperations: [...names(controlPlaneOperations), 'CreateGatewayInterceptor'],
    });
    expect(coverageProblems(added)).toContainEqual({
      operation: 'CreateGatewayInterceptor',
      problem: 'neither routed to detect nor out of scope',
    });
  });

  it('fails on an out-of-scope entry the SDK no longer has, or one without a reason', () => {
    const problems = coverageProblems(
      control({
        outOfScope: { ...CONTROL_PLANE_OUT_OF_SCOPE, RemovedOperation: 'gone', CreateMemory: '' },
      }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        {
          operation: 'RemovedOperation',
          problem: 'out of scope, but the SDK model has no such operation',
        },
        { operation: 'CreateMemory', problem: 'out of scope without a reason' },
      ]),
    );
  });

  it('fails when an operation is both out of scope and routed', () => {
    const problems = coverageProblems(
      control({
        outOfScope: {
          ...CONTROL_PLANE_OUT_OF_SCOPE,
          UpdateGateway: 'a reason long enough to pass',
        },
      }),
    );
    expect(problems).toContainEqual({
      operation: 'UpdateGateway',
      problem: 'out of scope, yet routed or named by a rule',
    });
  });
});

/** A CloudTrail record of the operation by an ordinary developer, fields to be looked up. */
function synthetic(operation: string): unknown {
  return {
    eventVersion: '1.11',
    eventID: `00000000-0000-4000-8000-${String(operation.length).padStart(12, '0')}`,
    eventTime: '2026-11-20T10:15:00Z',
    eventSource: 'bedrock-agentcore.amazonaws.com',
    eventName: operation,
    awsRegion: 'us-east-1',
    sourceIPAddress: '203.0.113.24',
    userAgent: 'aws-cli/2.22.35',
    userIdentity: {
      type: 'AssumedRole',
      principalId: 'AROAEXAMPLEID01200:bob@example.com',
      arn: 'arn:aws:sts::111122223333:assumed-role/developer/bob@example.com',
      accountId: '111122223333',
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          arn: 'arn:aws:iam::111122223333:role/developer',
          accountId: '111122223333',
          userName: 'developer',
        },
      },
    },
    requestParameters: {},
    responseElements: {},
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: '111122223333',
  };
}

const fixtures = loadFixtures();

/**
 * What the rules naming the operation read of its records: on their fixtures of that operation
 * (with the history those set up) and on a bare record of it by a developer.
 */
async function readsOf(
  operation: string,
  rules: readonly Rule[] = allRules.filter((rule) =>
    (named.get(operation) ?? []).includes(rule.id),
  ),
): Promise<Set<string>> {
  const log = new Set<string>();
  const isOperation = (record: { eventName: string }) => record.eventName === operation;
  for (const rule of rules) {
    const cases = fixtures.filter((f) => f.ruleId === rule.id).flatMap((f) => f.cases);
    for (const path of await readsOnFixtures(rule, cases, isOperation)) log.add(path);
  }
  const engine = new DetectionEngine({
    config: parseDetectionConfig({}),
    state: memoryState(),
    rules: rules.map((rule) => instrumented(rule, log)),
  });
  const validated = validateRecord(synthetic(operation));
  if (!validated.ok) throw new Error(validated.reason);
  await engine.evaluate(validated.record);
  return log;
}

/**
 * What the engine's learning reads of a record of the operation (the state some rules judge a
 * change against, e.g. rate limits as they are created), on the rules' fixtures of it.
 */
function learnedFrom(operation: string): Set<string> {
  const log = new Set<string>();
  const ids = named.get(operation) ?? [];
  for (const file of fixtures.filter((f) => ids.includes(f.ruleId))) {
    for (const fixture of file.cases) {
      const context = contextFromConfig(parseDetectionConfig(fixture.config ?? {}));
      for (const raw of fixture.records) {
        const validated = validateRecord(raw);
        if (!validated.ok || validated.record.eventName !== operation) continue;
        learnFromRecord(tracking(validated.record, log), context);
      }
    }
  }
  return log;
}

/** The read paths that are members of the operation's request or response in the SDK model. */
function modelMembers(operation: string, read: ReadonlySet<string>): string[] {
  const op = MODEL.get(operation) as ModelOperation;
  return [...read].filter((path) => {
    const [root, member = ''] = path.split(/[.[]/);
    return (
      (root === 'requestParameters' && op.input.includes(member)) ||
      (root === 'responseElements' && op.output.includes(member))
    );
  });
}

describe('the rules that name an AgentCore operation read its fields', () => {
  it('fails a rule that names an operation but reads none of its fields, or the wrong ones', async () => {
    const namesOnly: Rule = {
      ...consentPortalChanged,
      id: 'names-only',
      evaluate: (record) => ({ summary: `${record.eventName} seen` }),
    };
    expect(
      modelMembers('DeleteConsentPortal', await readsOf('DeleteConsentPortal', [namesOnly])),
    ).toEqual([]);
    const wrongField: Rule = {
      ...namesOnly,
      evaluate: (record) => ({ summary: String(record.requestParameters?.consentPortalId) }),
    };
    expect(
      modelMembers('DeleteConsentPortal', await readsOf('DeleteConsentPortal', [wrongField])),
    ).toEqual([]);
    expect(
      modelMembers(
        'DeleteConsentPortal',
        await readsOf('DeleteConsentPortal', [consentPortalChanged]),
      ),
    ).toEqual(['requestParameters.consentPortalIdentifier']);
  });

  const covered = [...named.keys()].filter((name) => MODEL.has(name)).sort();

  it.each(covered)(
    '%s: a rule naming it reads a member of its request or response',
    async (operation) => {
      // The rules' own reads, or (for an operation that only teaches state) the learning's.
      const byRules = await readsOf(operation);
      const read = [...byRules].some((p) => /^(requestParameters|responseElements)[.[]/.test(p))
        ? byRules
        : learnedFrom(operation);
      expect({ operation, readsModelMembers: modelMembers(operation, read).length > 0 }).toEqual({
        operation,
        readsModelMembers: true,
      });
    },
  );
});

/**
 * Declared fields of an AgentCore rule that are members of none of the operations it names;
 * undefined when it names an operation outside the SDK (InvokeGateway, the MCP endpoint).
 */
function foreignFields(rule: Rule): string[] | undefined {
  const names = rule.events?.names ?? [];
  const ops = names.flatMap((name) => MODEL.get(name) ?? []);
  if (ops.length < names.length) return undefined;
  const input = new Set(ops.flatMap((op) => op.input));
  const output = new Set(ops.flatMap((op) => op.output));
  return (rule.reads ?? []).filter((field) => {
    const [root, member = ''] = field.split(/[.[]/);
    if (root === 'requestParameters') return !input.has(member);
    if (root === 'responseElements') return !output.has(member);
    return false;
  });
}

describe('the fields AgentCore rules read are the SDK model’s', () => {
  // A rule reading `policyEngineArn` where the model (and CloudTrail) say `arn` would still
  // fire on its own fixtures; held against the model, the name is caught.
  const agentcoreRules = allRules.filter(
    (rule) =>
      rule.events?.sources.includes(AGENTCORE_EVENT_SOURCE) && rule.events.names !== undefined,
  );

  it.each(agentcoreRules.map((rule) => [rule.id, rule] as const))(
    '%s declares only members of the operations it names',
    (id, rule) => {
      expect({ id, foreign: foreignFields(rule) ?? [] }).toEqual({ id, foreign: [] });
    },
  );

  it('catches a field the model does not have', () => {
    const misnamed: Rule = {
      ...consentPortalChanged,
      reads: [...(consentPortalChanged.reads ?? []), 'requestParameters.consentPortalArn'],
    };
    expect(foreignFields(misnamed)).toEqual(['requestParameters.consentPortalArn']);
  });
});
