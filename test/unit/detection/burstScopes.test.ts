import { parseDetectionConfig } from '../../../lib/detection/config.js';
import { DetectionEngine } from '../../../lib/detection/engine.js';
import { memoryState } from '../../../lib/detection/memoryStores.js';
import { validateRecord } from '../../../lib/detection/record.js';
import type { Finding } from '../../../lib/detection/types.js';
import { loadFixtures } from './fixtureSupport.js';

/**
 * Whose burst a record counts in: a session's own (not the sum of a CI role's parallel jobs),
 * a role's as a whole (distinct denied calls, a higher bar), a service's reads on a principal's
 * behalf apart from the principal's own. Every finding of the whole stream is counted, not
 * only the last record's: a burst crossed midway would otherwise go unseen.
 */

async function allFindings(ruleId: string, caseName: string): Promise<Finding[]> {
  const records = loadFixtures()
    .find((f) => f.ruleId === ruleId)
    ?.cases.find((c) => c.name === caseName)?.records;
  if (records === undefined) throw new Error(`no fixture ${caseName}`);
  const engine = new DetectionEngine({ config: parseDetectionConfig({}), state: memoryState() });
  const out: Finding[] = [];
  for (const raw of records) {
    const validated = validateRecord(raw);
    if (!validated.ok) throw new Error(validated.reason);
    out.push(...(await engine.evaluate(validated.record)).findings);
  }
  return out.filter((f) => f.ruleId === ruleId);
}

describe('access-denied-burst per session, and per role above a higher bar', () => {
  it('20 parallel CI jobs of one role denied the same calls raise nothing', async () => {
    const findings = await allFindings(
      'access-denied-burst',
      "a CI role's 20 parallel jobs (one session name, a key each) are each denied the same two calls 3 times: 60 denials of the role, no session's burst",
    );
    expect(findings).toEqual([]);
  });

  it('probing spread over 15 fresh sessions of one role is one finding', async () => {
    const findings = await allFindings(
      'access-denied-burst',
      "one role's 15 fresh sessions are each denied one different call from one address (probing spread across sessions): the role's burst",
    );
    expect(findings.map((f) => f.eventId)).toHaveLength(1);
    expect(findings[0]?.eventName).toBe('DescribeDBInstances');
  });

  it('one session denied ten times is still one finding', async () => {
    const findings = await allFindings(
      'access-denied-burst',
      'ten denied calls within five minutes',
    );
    expect(findings).toHaveLength(1);
  });
});

describe('secret-bulk-read: a service reading on a principal’s behalf', () => {
  it('a stack deploy resolving 30 secrets is not the deploy role’s burst', async () => {
    const findings = await allFindings(
      'secret-bulk-read',
      "CloudFormation stack deploy resolves 30 secrets through forward access sessions (dynamic references; source cloudformation.amazonaws.com): not the deploy role's own burst",
    );
    expect(findings).toEqual([]);
  });

  it('the same role looping over 10 secrets from an address is caught, at its own tenth read', async () => {
    const findings = await allFindings(
      'secret-bulk-read',
      "an attacker with the deploy role's keys loops GetSecretValue over 10 secrets from an address, after the stack's 30 service reads",
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: 'high', sourceIp: '198.51.100.23' });
  });

  it('a service driven to read 50 secrets on a developer’s behalf is reported, medium', async () => {
    const findings = await allFindings(
      'secret-bulk-read',
      "50 secrets resolved through CloudFormation on a developer's behalf within 10 minutes (a stack used to harvest): medium",
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]?.severity).toBe('medium');
    expect(findings[0]?.details).toMatchObject({ via: 'cloudformation.amazonaws.com' });
  });
});
