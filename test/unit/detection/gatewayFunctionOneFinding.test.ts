import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDetectionConfig } from '../../../lib/detection/config.js';
import { DetectionEngine } from '../../../lib/detection/engine.js';
import { memoryState } from '../../../lib/detection/memoryStores.js';
import { validateRecord } from '../../../lib/detection/record.js';
import type { Finding } from '../../../lib/detection/types.js';
import { RULES_DIR } from './fixtureSupport.js';

/**
 * One change, one finding: an update or invoke permission on a function behind a gateway
 * target is gateway-target-function-modified's alone (naming the gateway); the generic Lambda
 * rules stay silent for it and still fire for a function no target invokes.
 */

type Raw = Record<string, unknown>;

function caseRecords(name: string): [Raw, Raw] {
  const parsed = JSON.parse(
    readFileSync(join(RULES_DIR, 'gatewayTargetFunctionModified.fixtures.json'), 'utf8'),
  ) as { cases: { name: string; records: Raw[] }[] };
  const found = parsed.cases.find((c) => c.name === name)?.records;
  if (found === undefined || found.length !== 2) throw new Error(`no fixture ${name}`);
  return found as [Raw, Raw];
}

async function findingsOf(records: Raw[]): Promise<Finding[]> {
  const engine = new DetectionEngine({ config: parseDetectionConfig({}), state: memoryState() });
  let last: Finding[] = [];
  for (const raw of records) {
    const validated = validateRecord(raw);
    if (!validated.ok) throw new Error(validated.reason);
    last = (await engine.evaluate(validated.record)).findings;
  }
  return last;
}

/** The same change on a function no gateway target invokes. */
function onOtherFunction(record: Raw): Raw {
  return JSON.parse(JSON.stringify(record).replaceAll('billing-tools', 'reports-export')) as Raw;
}

const CODE = 'code of a gateway target function replaced (Stratus lambda-overwrite-code)';
const OPEN = 'gateway target function opened to every principal';
const LAYER =
  'a layer from another account added to a gateway target function (Stratus aws.persistence.lambda-layer-extension): critical, the one finding';

describe('a change of a function behind a gateway target is one finding', () => {
  it.each([
    [CODE, 'high'],
    [OPEN, 'critical'],
    [LAYER, 'critical'],
  ])('%s: exactly one alert, the gateway rule’s, naming the gateway', async (name, severity) => {
    // Prepare
    const [target, change] = caseRecords(name);
    // Act
    const findings = await findingsOf([target, change]);
    // Assess
    expect(findings.map((f) => [f.ruleId, f.severity])).toEqual([
      ['gateway-target-function-modified', severity],
    ]);
    expect(findings[0]?.summary).toContain('gateway billing-gateway-7x1k2');
  });

  // (A role's first change of a function it never changed is baseline learning, not a finding:
  // the code case is the gateway rule's only.)
  it.each([
    [OPEN, 'lambda-function-exposed'],
    [LAYER, 'lambda-function-changed'],
  ])('%s on a function no target invokes: %s fires', async (name, ruleId) => {
    // Prepare
    const [target, change] = caseRecords(name);
    // Act
    const findings = await findingsOf([target, onOtherFunction(change)]);
    // Assess
    expect(findings.map((f) => f.ruleId)).toEqual([ruleId]);
  });
});
