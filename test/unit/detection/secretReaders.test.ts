import { parseDetectionConfig } from '../../../lib/detection/config.js';
import { fixtureRecord, runCase } from './fixtureSupport.js';
import { ACCOUNT, asRole, createGateway, deleteGateway, updateGateway } from './readerSupport.js';

/**
 * Who may read a gateway secret is not decided by a role's name: anyone allowed iam:CreateRole
 * can name a role `my-gateway-x`, `agentcore-helper` or `gatewarden-x-rotator`. Expected readers
 * are AgentCore itself (its service-linked role by its reserved path), the execution roles of
 * the account's gateways (learned from CreateGateway/UpdateGateway, by role ARN), the deployed
 * rotator roles and the principals configured in `secretReaders` (ARNs).
 */
const FILE = 'secretReadUnexpected.fixtures.json';
const RULE = 'secret-read-by-unexpected-principal';
const CASE = 'developer reads a gatewarden secret';
const GATEWAY_ROLE = `arn:aws:iam::${ACCOUNT}:role/service/billing-exec`;
const ROTATOR = `arn:aws:iam::${ACCOUNT}:role/gatewarden-prod-us-east-1-rotate`;

function read(roleArn: string, suffix: string): Record<string, unknown> {
  return asRole(fixtureRecord(FILE, CASE), roleArn, suffix);
}

describe('gateway secret reads: a name does not make a reader expected', () => {
  it.each([
    ['like a gateway', `arn:aws:iam::${ACCOUNT}:role/my-gateway-x`],
    [
      'like a gateway execution role',
      `arn:aws:iam::${ACCOUNT}:role/AgentCoreGatewayExecutionRole-x`,
    ],
    ['like AgentCore', `arn:aws:iam::${ACCOUNT}:role/agentcore-helper`],
    ['like the rotator', `arn:aws:iam::${ACCOUNT}:role/gatewarden-evil-rotator`],
    [
      'like AgentCore’s service-linked role (outside /aws-service-role/)',
      `arn:aws:iam::${ACCOUNT}:role/AWSServiceRoleForBedrockAgentCoreHelper`,
    ],
  ])('a role merely named %s reading a gatewarden secret is reported', async (_label, arn) => {
    // Prepare
    const record = read(arn, 'lookalike');
    // Act
    const findings = await runCase({ name: CASE, expect: true, records: [record] });
    // Assess
    expect(findings.map((f) => f.ruleId)).toEqual([RULE]);
  });

  it('a gateway execution role learned from CreateGateway (any name) is expected', async () => {
    const findings = await runCase({
      name: CASE,
      expect: false,
      records: [createGateway(GATEWAY_ROLE, '2026-11-01T00:00:00Z'), read(GATEWAY_ROLE, 'gw')],
    });
    expect(findings).toEqual([]);
  });

  it('a same-named role on another path is not the learned gateway role', async () => {
    const findings = await runCase({
      name: CASE,
      expect: true,
      records: [
        createGateway(GATEWAY_ROLE, '2026-11-01T00:00:00Z'),
        read(`arn:aws:iam::${ACCOUNT}:role/billing-exec`, 'other-path'),
      ],
    });
    expect(findings.map((f) => f.ruleId)).toEqual([RULE]);
  });

  it('a read before the gateway was created is reported', async () => {
    const findings = await runCase({
      name: CASE,
      expect: true,
      // The read's fixture time is 2026-11-20; the gateway is created after it.
      records: [createGateway(GATEWAY_ROLE, '2026-11-25T00:00:00Z'), read(GATEWAY_ROLE, 'early')],
    });
    expect(findings.map((f) => f.ruleId)).toEqual([RULE]);
  });

  it('the configured rotator ARN is expected; a role named like it is not', async () => {
    const config = { secretReaders: [ROTATOR] };
    expect(
      await runCase({ name: CASE, expect: false, config, records: [read(ROTATOR, 'rot')] }),
    ).toEqual([]);
    const findings = await runCase({
      name: CASE,
      expect: true,
      config,
      records: [read(`arn:aws:iam::${ACCOUNT}:role/gatewarden-prod-us-east-1-rotate-2`, 'rot2')],
    });
    expect(findings.map((f) => f.ruleId)).toEqual([RULE]);
  });

  it('a rotatorPrincipals ARN counts; a name pattern there is refused', async () => {
    const byArn = { rotatorPrincipals: [ROTATOR] };
    expect(
      await runCase({ name: CASE, expect: false, config: byArn, records: [read(ROTATOR, 'rp')] }),
    ).toEqual([]);
    await expect(
      runCase({
        name: CASE,
        expect: true,
        config: { rotatorPrincipals: ['*rotate*'] },
        records: [read(ROTATOR, 'rp-name')],
      }),
    ).rejects.toThrow(/role or user ARN/);
  });

  it('the deployed rotate and rotateNow role ARNs from the environment are expected readers', async () => {
    const { deployedRotators } = await import('../../../lib/detection/config.js');
    const sweeper = `arn:aws:iam::${ACCOUNT}:role/gatewarden-prod-us-east-1-rotateNow`;
    const readers = deployedRotators({
      GATEWARDEN_ROTATOR_ROLE_ARN: ROTATOR,
      GATEWARDEN_SWEEPER_ROLE_ARN: sweeper,
    });
    expect(readers).toEqual([ROTATOR, sweeper]);
    expect(deployedRotators({ GATEWARDEN_ROTATOR_ROLE_ARN: '*rotat*' })).toEqual([]);
    const config = { secretReaders: readers };
    expect(
      await runCase({ name: CASE, expect: false, config, records: [read(sweeper, 'sw')] }),
    ).toEqual([]);
  });

  it('AgentCore’s own service-linked role (under /aws-service-role/) is expected', async () => {
    const slr = `arn:aws:iam::${ACCOUNT}:role/aws-service-role/network.bedrock-agentcore.amazonaws.com/AWSServiceRoleForBedrockAgentCoreNetwork`;
    expect(await runCase({ name: CASE, expect: false, records: [read(slr, 'slr')] })).toEqual([]);
  });

  it('secretReaders takes ARNs only: a name pattern is refused', () => {
    expect(() => parseDetectionConfig({ secretReaders: ['*gateway*'] })).toThrow(/secretReaders/);
    expect(() => parseDetectionConfig({ secretReaders: ['gatewarden-rotate'] })).toThrow();
  });

  describe('a role a gateway no longer uses is no longer an expected reader', () => {
    const NEW_ROLE = `arn:aws:iam::${ACCOUNT}:role/service/billing-exec-v2`;
    // The read's fixture time is 2026-11-20.
    it('swapped out by UpdateGateway: its later reads are reported, the new role’s are not', async () => {
      const history = [
        createGateway(GATEWAY_ROLE, '2026-11-01T00:00:00Z'),
        updateGateway(NEW_ROLE, '2026-11-10T00:00:00Z'),
      ];
      const old = await runCase({
        name: CASE,
        expect: true,
        records: [...history, read(GATEWAY_ROLE, 'swapped-out')],
      });
      expect(old.map((f) => f.ruleId)).toEqual([RULE]);
      const current = await runCase({
        name: CASE,
        expect: false,
        records: [...history, read(NEW_ROLE, 'swapped-in')],
      });
      expect(current).toEqual([]);
    });

    it('a role two gateways share stays expected while one of them still uses it', async () => {
      const findings = await runCase({
        name: CASE,
        expect: false,
        records: [
          createGateway(GATEWAY_ROLE, '2026-11-01T00:00:00Z', 'gw-billing-0001'),
          createGateway(GATEWAY_ROLE, '2026-11-02T00:00:00Z', 'gw-orders-0002'),
          updateGateway(NEW_ROLE, '2026-11-10T00:00:00Z', 'gw-billing-0001'),
          read(GATEWAY_ROLE, 'shared'),
        ],
      });
      expect(findings).toEqual([]);
    });

    it('the role of a deleted gateway is reported when it reads later', async () => {
      const findings = await runCase({
        name: CASE,
        expect: true,
        records: [
          createGateway(GATEWAY_ROLE, '2026-11-01T00:00:00Z'),
          deleteGateway('2026-11-10T00:00:00Z'),
          read(GATEWAY_ROLE, 'deleted'),
        ],
      });
      expect(findings.map((f) => f.ruleId)).toEqual([RULE]);
    });

    it('a read before the swap is still expected (the order of arrival does not matter)', async () => {
      const findings = await runCase({
        name: CASE,
        expect: false,
        records: [
          createGateway(GATEWAY_ROLE, '2026-11-01T00:00:00Z'),
          updateGateway(NEW_ROLE, '2026-11-25T00:00:00Z'),
          read(GATEWAY_ROLE, 'before-swap'),
        ],
      });
      expect(findings).toEqual([]);
    });
  });
});
