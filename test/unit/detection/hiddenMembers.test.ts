import { fixtureRecord, runCase } from './fixtureSupport.js';

/**
 * CloudTrail writes a member it hides as the string `HIDDEN_DUE_TO_SECURITY_REASONS`. A rule
 * must read that as "not known", never as a value: not a URL to judge, not a host to name.
 */
const HIDDEN = 'HIDDEN_DUE_TO_SECURITY_REASONS';

function withHidden(file: string, name: string, member: string): Record<string, unknown> {
  const record = fixtureRecord(file, name) as { requestParameters: Record<string, unknown> };
  return { ...record, requestParameters: { ...record.requestParameters, [member]: HIDDEN } };
}

describe('hidden request members are unknown, not values', () => {
  it.each([
    ['return URL added on another host', 'UpdateWorkloadIdentity'],
    ['local development callback is not reported as clear text', 'CreateWorkloadIdentity'],
  ])('workload identity (%s) with hidden return URLs: medium, no host named', async (name, op) => {
    // Prepare
    const record = withHidden(
      'workloadIdentityChanged.fixtures.json',
      name,
      'allowedResourceOauth2ReturnUrls',
    );
    // Act
    const findings = await runCase({ name, expect: true, records: [record] });
    // Assess
    expect(findings).toHaveLength(1);
    expect(findings[0]?.severity).toBe('medium');
    expect(findings[0]?.summary).toContain(op);
    expect(findings[0]?.summary).toContain('return URLs hidden');
    expect(JSON.stringify(findings[0])).not.toContain(HIDDEN);
  });
});
