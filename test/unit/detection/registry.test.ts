import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RULES_DOC, renderRulesDoc } from '../../../scripts/rulesDoc.js';
import { allRules, ruleEventNeeds } from '../../../lib/detection/registry.js';
import { severities } from '../../../lib/detection/types.js';
import { RULES_DIR, loadFixtures, runCase } from './fixtureSupport.js';

const fixtures = loadFixtures();
const cases = fixtures.flatMap((file) =>
  file.cases.map((c) => ({ ruleId: file.ruleId, file: file.file, fixture: c })),
);

describe('rule registry', () => {
  it('has unique rule ids', () => {
    const ids = allRules.map((rule) => rule.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it.each(allRules.map((rule) => [rule.id, rule] as const))(
    '%s has complete metadata',
    (_id, rule) => {
      expect(rule.title.length).toBeGreaterThan(5);
      expect(severities).toContain(rule.severity);
      expect(rule.mitre.tactic).toMatch(/\w/);
      expect(rule.mitre.technique).toMatch(/^T\d{4}/);
      expect(rule.description.length).toBeGreaterThan(20);
      expect(rule.runbook.length).toBeGreaterThan(20);
      expect(rule.dedup.windowSeconds).toBeGreaterThan(0);
    },
  );

  it.each(allRules.map((rule) => [rule.id] as const))(
    '%s has positive and negative fixtures beside it',
    (id) => {
      const mine = fixtures.filter((file) => file.ruleId === id);
      expect(mine).toHaveLength(1);
      const [file] = mine;
      if (file === undefined) return;
      // Beside the rule: <rule>.fixtures.json next to <rule>.ts.
      expect(existsSync(join(RULES_DIR, file.file.replace('.fixtures.json', '.ts')))).toBe(true);
      expect(file.cases.some((c) => c.expect)).toBe(true);
      expect(file.cases.some((c) => !c.expect)).toBe(true);
    },
  );

  it('has no fixture file for an unknown rule', () => {
    const known = new Set(allRules.map((rule) => rule.id));
    expect(fixtures.map((f) => f.ruleId).filter((id) => !known.has(id))).toEqual([]);
  });
});

describe('docs/rules.md', () => {
  it('is what `npm run docs:rules` writes from the registry', () => {
    expect(readFileSync(RULES_DOC, 'utf8')).toBe(renderRulesDoc());
  });

  it('lists every rule once, with its severity and tactic', () => {
    const rows = [...renderRulesDoc().matchAll(/^\| `([\w-]+)` \| (\w+) \| ([^|]+) \|/gm)];
    expect(rows.map((m) => m[1]).sort()).toEqual(allRules.map((rule) => rule.id).sort());
    for (const rule of allRules) {
      const row = rows.find((m) => m[1] === rule.id);
      expect({ id: rule.id, severity: row?.[2], tactic: row?.[3]?.trim() }).toEqual({
        id: rule.id,
        severity: rule.severity,
        tactic: rule.mitre.tactic,
      });
    }
  });
});

describe('rule fixtures', () => {
  it.each(cases.map((c) => [c.ruleId, c.fixture.name, c] as const))(
    '%s: %s',
    async (ruleId, _name, { fixture }) => {
      const findings = await runCase(fixture);
      const mine = findings.filter((finding) => finding.ruleId === ruleId);
      expect(mine.length > 0).toBe(fixture.expect);
      if (fixture.expect && fixture.severity !== undefined) {
        expect(mine[0]?.severity).toBe(fixture.severity);
      }
    },
  );
});

describe('ruleEventNeeds', () => {
  it('lists the sources and event names the rules need, for EventBridge patterns', () => {
    const { sources, everywhere } = ruleEventNeeds();
    const trail = sources.get('cloudtrail.amazonaws.com');
    expect(trail).toBeInstanceOf(Set);
    expect([...(trail as Set<string>)].sort()).toEqual(
      [
        'CreateTrail',
        'DeleteTrail',
        'PutEventSelectors',
        'PutInsightSelectors',
        'StopLogging',
        'UpdateTrail',
      ].sort(),
    );
    // The call-rate and baseline rules count every call of the gateway surface.
    expect(sources.get('secretsmanager.amazonaws.com')).toBe('all');
    expect(sources.get('bedrock-agentcore.amazonaws.com')).toBe('all');
    expect(everywhere).toEqual(expect.arrayContaining(['root-activity', 'access-denied-burst']));
  });
});
