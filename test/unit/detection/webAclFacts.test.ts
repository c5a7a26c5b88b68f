import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDetectionConfig } from '../../../lib/detection/config.js';
import { DetectionEngine } from '../../../lib/detection/engine.js';
import { FACTS } from '../../../lib/detection/learnedFacts.js';
import { memoryState } from '../../../lib/detection/memoryStores.js';
import type { DetectionState, LastStateStore } from '../../../lib/detection/ports.js';
import { MAX_STATE_CHARS } from '../../../lib/detection/ports.js';
import { validateRecord } from '../../../lib/detection/record.js';
import type { Finding } from '../../../lib/detection/types.js';
import { RULES_DIR } from './fixtureSupport.js';

/**
 * The `web-acl` fact in the state store: a fact written by the version before rule prints
 * (rule name → enforce/count, Allow rules read as enforce) must neither crash nor silence
 * gateway-web-acl-weakened, and the fact stays small (hashes, not statements) and never grows
 * past what the store keeps (a fact too large is kept as "unknown" and would forget the ACL's
 * gateways).
 */
type Raw = Record<string, unknown>;
const RULE = 'gateway-web-acl-weakened';

function caseRecords(name: string): Raw[] {
  const parsed = JSON.parse(
    readFileSync(join(RULES_DIR, 'gatewayWebAclWeakened.fixtures.json'), 'utf8'),
  ) as { cases: { name: string; records: Raw[] }[] };
  const found = parsed.cases.find((c) => c.name === name)?.records;
  if (found === undefined) throw new Error(`no fixture ${name}`);
  return structuredClone(found);
}

/** The shape the previous version wrote: modes only, `allow` read as `enforce`, no prints. */
function previousShape(text: string): string {
  const { r, ...fact } = JSON.parse(text) as { r?: Record<string, string> };
  if (r === undefined) return JSON.stringify(fact);
  const rules = Object.fromEntries(
    Object.entries(r).map(([k, v]) => [k, v.startsWith('count|') ? 'count' : 'enforce']),
  );
  return JSON.stringify({ ...fact, rules });
}

/** A state store whose `web-acl` writes pass through `rewrite`, and the last one written. */
function storeRewriting(rewrite: (text: string) => string): {
  state: DetectionState;
  written: () => string | undefined;
} {
  const inner = memoryState();
  let last: string | undefined;
  const lastStates: LastStateStore = {
    record: (kind, subject, atMs, eventId, next) =>
      inner.lastStates.record(kind, subject, atMs, eventId, (previous) => {
        const out = next(previous);
        if (kind !== FACTS.webAcl || typeof out !== 'string') return out;
        last = rewrite(out);
        return last;
      }),
  };
  return { state: { ...inner, lastStates }, written: () => last };
}

/** Each record in a fresh engine on one store (a cold start per record); the last findings. */
async function coldRun(state: DetectionState, records: Raw[]): Promise<Finding[]> {
  let out: Finding[] = [];
  for (const raw of records) {
    const validated = validateRecord(raw);
    if (!validated.ok) throw new Error(validated.reason);
    const engine = new DetectionEngine({ config: parseDetectionConfig({}), state });
    const result = await engine.evaluate(validated.record);
    if (result.ruleErrors.length > 0) throw new Error(JSON.stringify(result.ruleErrors));
    out = result.findings;
  }
  return out;
}

const severity = (findings: Finding[]) => findings.find((f) => f.ruleId === RULE)?.severity;

/** The records of a case, the last one judged against a fact in the previous version's shape. */
async function judgedAgainstPreviousFact(name: string): Promise<Finding[]> {
  const records = caseRecords(name);
  const last = records.pop() as Raw;
  const { state } = storeRewriting(previousShape);
  await coldRun(state, records);
  return coldRun(state, [last]);
}

describe('gateway-web-acl-weakened: a fact written before rule prints', () => {
  it.each([
    ['the web ACL on a gateway emptied by a full replace (no rules, default Allow)', 'high'],
    ["one rule removed from a gateway's web ACL", 'medium'],
    ["a gateway web ACL's managed rule group set to count", 'medium'],
    [
      "an Allow rule matching every request (a negated rare match) put ahead of a gateway web ACL's enforcing rules",
      'high',
    ],
    [
      "a gateway web ACL's only enforcing rules switched to Allow and count (default Allow)",
      'high',
    ],
  ])('%s: still alerted (%s)', async (name, expected) => {
    // Act
    const findings = await judgedAgainstPreviousFact(name);
    // Assess
    expect(severity(findings)).toBe(expected);
  });

  it.each([
    "a block rule added behind a gateway web ACL's existing IP-set allow-list",
    'two block rules of a gateway web ACL re-ordered',
    "a gateway web ACL's metric names renamed",
  ])(
    '%s: quiet (an old `enforce` may be an Allow rule: not read as one turned Allow)',
    async (name) => {
      // Act
      const findings = await judgedAgainstPreviousFact(name);
      // Assess
      expect(severity(findings)).toBeUndefined();
    },
  );

  it('a stored rule entry that is not one is left out; the others are still compared', async () => {
    // Prepare: one entry replaced by junk, one by a number, the rate-limit rule's kept
    const records = caseRecords("a gateway web ACL's rate-limit rule switched from Block to Allow");
    const last = records.pop() as Raw;
    const { state } = storeRewriting((text) => {
      const fact = JSON.parse(text) as { r?: Record<string, unknown> };
      if (fact.r === undefined) return text;
      return JSON.stringify({ ...fact, r: { ...fact.r, 'aws-common': 'x|y', other: 7 } });
    });
    await coldRun(state, records);
    // Act
    const findings = await coldRun(state, [last]);
    // Assess: Block → Allow on the rule whose entry is intact
    expect(severity(findings)).toBe('medium');
    expect(findings.find((f) => f.ruleId === RULE)?.summary).toContain(
      'rules set to allow: rate-limit',
    );
  });
});

describe('gateway-web-acl-weakened: the fact stays small', () => {
  it('keeps hashes of the rules, not their statements', async () => {
    // Prepare
    const { state, written } = storeRewriting((text) => text);
    // Act
    await coldRun(
      state,
      caseRecords(
        "an Allow rule matching every request (a negated rare match) put ahead of a gateway web ACL's enforcing rules",
      ),
    );
    // Assess
    const fact = written() ?? '';
    expect(fact).toContain('health-check');
    expect(fact).not.toContain('never-present-9f2c');
    expect(fact).not.toContain('AWSManagedRulesCommonRuleSet');
    expect(fact.length).toBeLessThan(600);
  });

  it('an ACL padded with many long-named rules still is known to protect its gateway', async () => {
    // Prepare: after the association, an update to 100 rules of 128-character names, then
    // the emptying update
    const [create, associate, empty] = caseRecords(
      'the web ACL on a gateway emptied by a full replace (no rules, default Allow)',
    ) as [Raw, Raw, Raw];
    const template = (create.requestParameters as { rules: Raw[] }).rules[0] as Raw;
    const pad = structuredClone(empty);
    pad.eventID = 'pad-update';
    pad.eventTime = '2026-11-20T10:00:00Z';
    // Each rule with the longest print: a far priority and eight limits.
    const limits = {
      orStatement: {
        statements: Array.from({ length: 8 }, () => ({
          sizeConstraintStatement: {
            fieldToMatch: { body: {} },
            comparisonOperator: 'GT',
            size: 21_474_836_480,
            textTransformations: [{ priority: 0, type: 'NONE' }],
          },
        })),
      },
    };
    (pad.requestParameters as { rules: Raw[] }).rules = Array.from({ length: 100 }, (_, i) => ({
      ...template,
      name: `r${String(i).padStart(3, '0')}`.padEnd(128, 'x'),
      priority: 1_000_000_000 + i,
      statement: limits,
    }));
    const { state, written } = storeRewriting((text) => text);
    await coldRun(state, [create, associate, pad]);
    const padded = written() ?? '';
    // Act
    const findings = await coldRun(state, [empty]);
    // Assess
    expect(padded.length).toBeLessThanOrEqual(MAX_STATE_CHARS);
    expect(padded).toContain('orders-gw-a1b2c3d4e5');
    expect(severity(findings)).toBe('high');
    // And its rules' modes are still exact: a padded rule turned from Block to Allow is seen
    const allow = structuredClone(pad);
    allow.eventID = 'pad-allow';
    allow.eventTime = '2026-11-20T10:05:00Z';
    const rules = (allow.requestParameters as { rules: Raw[] }).rules;
    rules[0] = { ...rules[0], action: { allow: {} } };
    const { state: second } = storeRewriting((text) => text);
    await coldRun(second, [create, associate, pad]);
    const turned = await coldRun(second, [allow]);
    expect(severity(turned)).toBe('medium');
  });
});
