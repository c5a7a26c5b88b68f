import { loadFixtures, runCase, type FixtureCase } from './fixtureSupport.js';

/**
 * The fixture table checks that a rule fires and how severely; this checks that it read the
 * right fields of records in the shape AWS writes them (each fixture file names its source in
 * `_source`): a rule reading `standardsSubscriptionArns` where CloudTrail writes
 * `StandardsSubscriptionArns` still fires, but names no standard and no resource.
 */
function fixtureCase(file: string, name: string): FixtureCase {
  const found = loadFixtures()
    .find((f) => f.file === file)
    ?.cases.find((c) => c.name === name);
  if (found === undefined) throw new Error(`no case "${name}" in ${file}`);
  return found;
}

const SUB =
  'arn:aws:securityhub:us-east-1:111122223333:subscription/aws-foundational-security-best-practices/v/1.0.0';

describe('rules read the fields of real CloudTrail shapes', () => {
  it.each([
    [
      'securityHubDisabled.fixtures.json',
      'two standards disabled (PascalCase body, as CloudTrail records Security Hub)',
      SUB,
      /^2 Security Hub standards disabled by /,
    ],
    [
      'securityHubDisabled.fixtures.json',
      'Security Hub v2 disabled',
      'securityhub:us-east-1',
      /^Security Hub disabled by arn:aws:sts::111122223333:assumed-role\/developer\//,
    ],
    [
      'guardDutyDisabled.fixtures.json',
      'detector deleted by an IAM user with the CLI (shape of the real CreateSampleFindings event)',
      'e8b2d11eace51dd009880267917bb379',
      /detector deleted \(detector e8b2d11eace51dd009880267917bb379\) by arn:aws:iam::111122223333:user\/alice$/,
    ],
    [
      'kmsKeyMaterialImported.fixtures.json',
      'expiring material imported by key ARN (2025 shape: importType, keyMaterialDescription)',
      '1234abcd-12ab-34cd-56ef-1234567890ab',
      /^key material imported into key 1234abcd-12ab-34cd-56ef-1234567890ab by /,
    ],
    [
      'kmsKeyLoss.fixtures.json',
      'multi-Region primary scheduled for deletion (PendingReplicaDeletion, no deletionDate)',
      'arn:aws:kms:us-east-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab',
      /scheduled for deletion by arn:aws:iam::111122223333:user\/alice$/,
    ],
    [
      'kmsKeyPolicyOpened.fixtures.json',
      'pretty-printed policy adding a role of another account',
      '1234abcd-12ab-34cd-56ef-1234567890ab',
      /opened to arn:aws:iam::444455556666:role\/partner by /,
    ],
    // AgentCore operations routed for issue 19: members as the SDK model names them.
    [
      'paymentCredentialChanged.fixtures.json',
      'payment connector switched to another provider',
      'pcon-7d21e0aa44',
      /^UpdatePaymentConnector on pcon-7d21e0aa44 by arn:aws:sts::111122223333:assumed-role\/developer\//,
    ],
    [
      'consentPortalChanged.fixtures.json',
      'consent portal pointed at another identity provider',
      'portal-1a2b3c4d5e',
      /\(identity provider arn:aws:bedrock-agentcore:us-east-1:111122223333:token-vault\/default\/oauth2credentialprovider\/lookalike-idp\)$/,
    ],
    [
      'workloadIdentityChanged.fixtures.json',
      'return URL added on another host',
      'orders-gw-identity',
      /\(OAuth return hosts agents\.example\.com, collector\.example\.net\)$/,
    ],
    [
      'agentRuntimeChanged.fixtures.json',
      'runtime receives callers Authorization header',
      'orders_mcp-Xk2p9QeLmN',
      /callers’ Authorization header forwarded; image 111122223333\.dkr\.ecr/,
    ],
    [
      'tokenVaultReadUnexpected.fixtures.json',
      "a user's OAuth flow completed by a developer (members from the SDK model)",
      'user-4471',
      /called CompleteResourceTokenAuth for user-4471$/,
    ],
  ])('%s / %s', async (file, name, resource, summary) => {
    // Prepare
    const fixture = fixtureCase(file, name);
    // Act
    const findings = await runCase(fixture);
    // Assess
    expect(findings).toHaveLength(1);
    expect(findings[0]?.resource).toBe(resource);
    expect(findings[0]?.summary).toMatch(summary);
  });
});
