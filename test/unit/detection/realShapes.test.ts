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

/**
 * The field-level change rules read the model's member names in the request and the response
 * (fixtures name their sources); several rules may fire on one gateway update, so each is
 * checked on its own finding.
 */
const GW = 'orders-gw-a1b2c3d4e5';
const PROVIDER =
  'arn:aws:bedrock-agentcore:us-east-1:111122223333:token-vault/default/oauth2credentialprovider/orders-oauth';

describe('field-level change rules read the model’s member names', () => {
  it.each([
    [
      'gatewayInterceptorChanged.fixtures.json',
      'interceptor added with passRequestHeaders on',
      'gateway-interceptor-changed',
      GW,
      /interceptor arn:aws:lambda:us-east-1:111122223333:function:orders-interceptor added \(REQUEST, request headers passed, outside deploy automation\) by /,
    ],
    [
      'gatewayWafWeakened.fixtures.json',
      'WAF failure mode switched to FAIL_OPEN',
      'gateway-waf-weakened',
      GW,
      /WAF failure mode set to FAIL_OPEN by /,
    ],
    [
      'gatewayKmsKeyChanged.fixtures.json',
      'KMS key changed to a key of another account',
      'gateway-kms-key-changed',
      GW,
      /KMS key changed from arn:aws:kms:us-east-1:111122223333:key\/1234abcd-\S+ to arn:aws:kms:us-east-1:444455556666:key\/5555aaaa-\S+ \(another account\)/,
    ],
    [
      'gatewayExceptionLevelRaised.fixtures.json',
      'UpdateGateway sets exceptionLevel DEBUG',
      'gateway-exception-level-raised',
      GW,
      /exception level set to DEBUG by /,
    ],
    [
      'gatewayTransformChanged.fixtures.json',
      'custom transform Lambda added',
      'gateway-transform-changed',
      GW,
      /custom transform changed by /,
    ],
    [
      'gatewayPolicyWeakened.fixtures.json',
      'permit principal widened to any principal',
      'gateway-policy-weakened',
      'orders-pe-q7w8e9r0t1/pol-permit01',
      /permit principal scope widened \(permit principal any, action == AgentCore::Action::"orders___getOrder", resource == AgentCore::Gateway::/,
    ],
    [
      'gatewayPolicyWeakened.fixtures.json',
      'forbid policy deleted (the response carries its definition)',
      'gateway-policy-weakened',
      'orders-pe-q7w8e9r0t1/pol-forbid01',
      /^forbid policy orders-pe-q7w8e9r0t1\/pol-forbid01 deleted by /,
    ],
    [
      'gatewayRuleLoosened.fixtures.json',
      'rule routed to another target',
      'gateway-rule-loosened',
      `${GW}/rule-0001`,
      /actions changed \(to exfil-target\) by /,
    ],
    [
      'rotationTagWidened.fixtures.json',
      'gatewarden:rotated added to a provider outside a registration',
      'rotation-tag-widened',
      PROVIDER,
      /tag gatewarden:rotated added to arn:aws:bedrock-agentcore:\S+ outside a gatewarden registration by /,
    ],
    [
      'gatewayTargetExternal.fixtures.json',
      'MCP server target moved to plain http on a known host',
      'gateway-target-external',
      GW,
      /target endpoint mcp\.orders\.example\.com over plain http:/,
    ],
  ])('%s / %s', async (file, name, ruleId, resource, summary) => {
    // Prepare
    const fixture = fixtureCase(file, name);
    // Act
    const findings = (await runCase(fixture)).filter((f) => f.ruleId === ruleId);
    // Assess
    expect(findings).toHaveLength(1);
    expect(findings[0]?.resource).toBe(resource);
    expect(findings[0]?.summary).toMatch(summary);
  });
});
