import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDetectionConfig } from '../../../lib/detection/config.js';
import { DetectionEngine } from '../../../lib/detection/engine.js';
import { memoryState } from '../../../lib/detection/memoryStores.js';
import { validateRecord } from '../../../lib/detection/record.js';
import type { Finding } from '../../../lib/detection/types.js';

export const RULES_DIR = join(
  dirname(fileURLToPath(import.meta.url)),
  '../../../lib/detection/rules',
);

export interface FixtureCase {
  name: string;
  expect: boolean;
  severity?: string;
  config?: unknown;
  records: unknown[];
}

export interface FixtureFile {
  file: string;
  ruleId: string;
  cases: FixtureCase[];
}

/** Every `rules/<rule>.fixtures.json`, parsed. */
export function loadFixtures(): FixtureFile[] {
  return readdirSync(RULES_DIR)
    .filter((name) => name.endsWith('.fixtures.json'))
    .map((name) => {
      const parsed = JSON.parse(readFileSync(join(RULES_DIR, name), 'utf8')) as Omit<
        FixtureFile,
        'file'
      >;
      return { file: name, ...parsed };
    });
}

/** The last record of the named case in `rules/<file>` (a rule's positive event, typically). */
export function fixtureRecord(file: string, caseName: string): Record<string, unknown> {
  const parsed = JSON.parse(readFileSync(join(RULES_DIR, file), 'utf8')) as {
    cases: { name: string; records: Record<string, unknown>[] }[];
  };
  const found = parsed.cases.find((c) => c.name === caseName)?.records.at(-1);
  if (found === undefined) throw new Error(`no fixture ${caseName}`);
  return found;
}

/**
 * Runs a case through a fresh engine (real rules, in-memory state): every record in order,
 * returning the findings the last record produced.
 */
export async function runCase(fixture: FixtureCase): Promise<Finding[]> {
  const engine = new DetectionEngine({
    config: parseDetectionConfig(fixture.config ?? {}),
    state: memoryState(),
  });
  let last: Finding[] = [];
  for (const raw of fixture.records) {
    const validated = validateRecord(raw);
    if (!validated.ok) throw new Error(`fixture record invalid: ${validated.reason}`);
    const result = await engine.evaluate(validated.record);
    if (result.ruleErrors.length > 0) {
      throw new Error(`rule error: ${JSON.stringify(result.ruleErrors)}`);
    }
    last = result.findings;
  }
  return last;
}
