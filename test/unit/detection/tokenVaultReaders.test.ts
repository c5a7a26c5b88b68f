import { parseDetectionConfig } from '../../../lib/detection/config.js';
import { fixtureRecord, runCase } from './fixtureSupport.js';
import { ACCOUNT, asRole, createGateway } from './readerSupport.js';

/**
 * Who may read the AgentCore token vault is not decided by a role's name: anyone allowed
 * iam:CreateRole can name a role `my-gateway-x`. Expected readers are the execution roles of
 * the account's gateways (learned from CreateGateway/UpdateGateway, matched on the role ARN),
 * AgentCore itself and the principals configured in `tokenVaultReaders`.
 */
const FILE = 'tokenVaultReadUnexpected.fixtures.json';

const READS: [string, string][] = [
  ['GetResourceApiKey', 'developer reads a gateway API key from the vault (data event)'],
  [
    'GetResourceOauth2Token',
    'user key fetches an OAuth2 token (management shape, as in an AWS blog)',
  ],
  [
    'GetResourcePaymentToken',
    'payment token fetched by a developer (management shape, members from the SDK model)',
  ],
  [
    'CompleteResourceTokenAuth',
    "a user's OAuth flow completed by a developer (members from the SDK model)",
  ],
  ['GetWorkloadAccessToken', 'workload token minted for a gateway identity by a developer'],
  [
    'GetWorkloadAccessTokenForUserId',
    'workload token for a user id minted by a developer (management shape)',
  ],
];

const GATEWAY_ROLE = `arn:aws:iam::${ACCOUNT}:role/service/billing-exec`;
const LOOKALIKE = `arn:aws:iam::${ACCOUNT}:role/my-gateway-x`;
const AGENTCORE_LOOKALIKE = `arn:aws:iam::${ACCOUNT}:role/agentcore-helper`;

describe('token vault reads: a name does not make a reader expected', () => {
  it.each(READS)('%s by a role merely named like a gateway is reported', async (op, name) => {
    // Prepare
    const read = asRole(fixtureRecord(FILE, name), LOOKALIKE, 'lookalike');
    expect(read.eventName).toBe(op);
    // Act
    const findings = await runCase({ name, expect: true, records: [read] });
    // Assess
    expect(findings.map((f) => f.ruleId)).toEqual(['token-vault-read-unexpected']);
  });

  it.each(READS)('%s by a role named like AgentCore is reported', async (_op, name) => {
    const read = asRole(fixtureRecord(FILE, name), AGENTCORE_LOOKALIKE, 'agentcore-lookalike');
    const findings = await runCase({ name, expect: true, records: [read] });
    expect(findings.map((f) => f.ruleId)).toEqual(['token-vault-read-unexpected']);
  });

  it.each(READS)(
    '%s by a gateway execution role (learned, any name) is expected',
    async (_op, name) => {
      const read = asRole(fixtureRecord(FILE, name), GATEWAY_ROLE, 'gateway-role');
      const findings = await runCase({
        name,
        expect: false,
        records: [createGateway(GATEWAY_ROLE, '2026-11-01T00:00:00Z'), read],
      });
      expect(findings).toEqual([]);
    },
  );

  it('a gateway role named like a gateway but of no gateway is reported even after a gateway is learned', async () => {
    const name = READS[0]?.[1] ?? '';
    const read = asRole(fixtureRecord(FILE, name), LOOKALIKE, 'lookalike-2');
    const findings = await runCase({
      name,
      expect: true,
      records: [createGateway(GATEWAY_ROLE, '2026-11-01T00:00:00Z'), read],
    });
    expect(findings.map((f) => f.ruleId)).toEqual(['token-vault-read-unexpected']);
  });

  it('the role ARN decides, not the name: a same-named role on another path or account is reported', async () => {
    const name = READS[0]?.[1] ?? '';
    const otherPath = asRole(
      fixtureRecord(FILE, name),
      `arn:aws:iam::${ACCOUNT}:role/billing-exec`,
      'other-path',
    );
    const findings = await runCase({
      name,
      expect: true,
      records: [createGateway(GATEWAY_ROLE, '2026-11-01T00:00:00Z'), otherPath],
    });
    expect(findings.map((f) => f.ruleId)).toEqual(['token-vault-read-unexpected']);
  });

  it('a read before the gateway was created is reported (the role was nobody’s then)', async () => {
    const name = READS[0]?.[1] ?? '';
    const read = asRole(fixtureRecord(FILE, name), GATEWAY_ROLE, 'too-early');
    const findings = await runCase({
      name,
      expect: true,
      // The read's fixture time is 2026-11-20; the gateway is created after it.
      records: [createGateway(GATEWAY_ROLE, '2026-11-25T00:00:00Z'), read],
    });
    expect(findings.map((f) => f.ruleId)).toEqual(['token-vault-read-unexpected']);
  });

  it('a failed CreateGateway teaches nothing', async () => {
    const name = READS[0]?.[1] ?? '';
    const read = asRole(fixtureRecord(FILE, name), GATEWAY_ROLE, 'after-failed');
    const failedCreate = {
      ...createGateway(GATEWAY_ROLE, '2026-11-01T00:00:00Z'),
      errorCode: 'AccessDenied',
      responseElements: null,
    };
    const findings = await runCase({ name, expect: true, records: [failedCreate, read] });
    expect(findings.map((f) => f.ruleId)).toEqual(['token-vault-read-unexpected']);
  });

  it('a principal configured in tokenVaultReaders (ARN glob) is expected; a look-alike name is not', async () => {
    const name = READS[0]?.[1] ?? '';
    const config = { tokenVaultReaders: [`arn:aws:iam::${ACCOUNT}:role/runtime/*`] };
    const runtime = asRole(
      fixtureRecord(FILE, name),
      `arn:aws:iam::${ACCOUNT}:role/runtime/agent-a`,
      'runtime',
    );
    const lookalike = asRole(
      fixtureRecord(FILE, name),
      `arn:aws:iam::${ACCOUNT}:role/runtime-agent-a`,
      'runtime-lookalike',
    );
    expect(await runCase({ name, expect: false, config, records: [runtime] })).toEqual([]);
    const findings = await runCase({ name, expect: true, config, records: [lookalike] });
    expect(findings.map((f) => f.ruleId)).toEqual(['token-vault-read-unexpected']);
  });

  it('the rotator pattern does not exempt a reader (the rotate role holds no vault read)', async () => {
    const name = READS[0]?.[1] ?? '';
    const read = asRole(
      fixtureRecord(FILE, name),
      `arn:aws:iam::${ACCOUNT}:role/gatewarden-prod-rotate-role`,
      'rotator-name',
    );
    const findings = await runCase({ name, expect: true, records: [read] });
    expect(findings.map((f) => f.ruleId)).toEqual(['token-vault-read-unexpected']);
  });

  it('a role merely named like AgentCore’s service-linked role (outside /aws-service-role/) is reported', async () => {
    const name = READS[0]?.[1] ?? '';
    const read = asRole(
      fixtureRecord(FILE, name),
      `arn:aws:iam::${ACCOUNT}:role/AWSServiceRoleForBedrockAgentCoreHelper`,
      'slr-lookalike',
    );
    const findings = await runCase({ name, expect: true, records: [read] });
    expect(findings.map((f) => f.ruleId)).toEqual(['token-vault-read-unexpected']);
  });

  it('AgentCore’s own service-linked role (under /aws-service-role/) is expected', async () => {
    const name = READS[0]?.[1] ?? '';
    const read = asRole(
      fixtureRecord(FILE, name),
      `arn:aws:iam::${ACCOUNT}:role/aws-service-role/network.bedrock-agentcore.amazonaws.com/AWSServiceRoleForBedrockAgentCoreNetwork`,
      'slr',
    );
    expect(await runCase({ name, expect: false, records: [read] })).toEqual([]);
  });

  it('tokenVaultReaders takes ARNs only: a name pattern is refused', () => {
    expect(() => parseDetectionConfig({ tokenVaultReaders: ['*gateway*'] })).toThrow(
      /tokenVaultReaders/,
    );
    expect(() => parseDetectionConfig({ tokenVaultReaders: ['my-runtime-role'] })).toThrow();
  });
});
