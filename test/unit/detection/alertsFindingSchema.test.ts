import { readFileSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { findingDetailSchema, findingToAlert } from '../../../lib/detection/alerts.js';
import { DetectionEngine } from '../../../lib/detection/engine.js';
import { memoryState } from '../../../lib/detection/memoryStores.js';
import { secretReadRecord, updateGatewayRecord } from './deployedFixtures.js';

const SCHEMA_FILE = 'docs/finding-schema.json';

describe('the Gateway Finding schema', () => {
  it('is documented: docs/finding-schema.json is generated from the zod schema', () => {
    // Regenerate after a deliberate change: UPDATE_FINDING_SCHEMA=1 npm test -- alertsFindingSchema
    const generated = z.toJSONSchema(findingDetailSchema);
    if (process.env.UPDATE_FINDING_SCHEMA === '1') {
      writeFileSync(SCHEMA_FILE, `${JSON.stringify(generated, null, 2)}\n`);
    }
    // Compared as data: the file is formatted by prettier.
    expect(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8'))).toEqual(generated);
  });

  it('describes what the engine really publishes on the bus', async () => {
    const engine = new DetectionEngine({ state: memoryState() });
    const findings = [
      ...(await engine.evaluate(updateGatewayRecord())).findings,
      ...(await engine.evaluate(secretReadRecord())).findings,
    ];
    expect(findings.length).toBeGreaterThanOrEqual(2);
    for (const finding of findings) {
      const detail = findingToAlert(finding).detail;
      expect(findingDetailSchema.strict().parse(detail)).toEqual(detail);
    }
  });
});
