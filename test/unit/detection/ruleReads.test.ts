import { allRules } from '../../../lib/detection/registry.js';
import type { Rule } from '../../../lib/detection/types.js';
import { readsOnFixtures, undeclaredReads, unreadDeclarations } from './fieldReads.js';
import { loadFixtures } from './fixtureSupport.js';

/**
 * Each rule's `reads` (the fields the rule table shows) is what the rule really reads: run on
 * its own fixtures through the engine, with a record that logs every field read, every
 * declared field is read and every field read is declared (issue 19, point 5).
 */
const fixtures = loadFixtures();
const casesOf = (rule: Rule) =>
  fixtures.filter((file) => file.ruleId === rule.id).flatMap((file) => file.cases);

describe('rule field declarations', () => {
  it('every rule declares the fields it reads (`reads`; [] when only who and when)', () => {
    expect(allRules.filter((rule) => rule.reads === undefined).map((rule) => rule.id)).toEqual([]);
  });

  it.each(
    allRules.filter((rule) => rule.reads !== undefined).map((rule) => [rule.id, rule] as const),
  )('%s reads what it declares and declares what it reads', async (id, rule) => {
    const log = await readsOnFixtures(rule, casesOf(rule));
    const declared = rule.reads ?? [];
    expect({ id, unread: unreadDeclarations(declared, log) }).toEqual({ id, unread: [] });
    expect({ id, undeclared: undeclaredReads(declared, log) }).toEqual({ id, undeclared: [] });
  });

  // The check itself can fail: a declaration naming a field the rule never reads, or leaving
  // out one it does, is caught.
  it('catches a declared field the rule does not read, and a read field it does not declare', async () => {
    const rule = allRules.find((r) => r.id === 'workload-identity-changed');
    if (!rule) throw new Error('rule missing');
    const log = await readsOnFixtures(rule, casesOf(rule));
    expect(unreadDeclarations([...(rule.reads ?? []), 'requestParameters.kmsKeyArn'], log)).toEqual(
      ['requestParameters.kmsKeyArn'],
    );
    expect(undeclaredReads(['requestParameters.name'], log)).toEqual([
      'requestParameters.allowedResourceOauth2ReturnUrls[]',
    ]);
  });
});
