import { MemoryDedupStore } from '../../../lib/detection/memoryStores.js';
import { decide, globMatch, type NoiseConfig } from '../../../lib/detection/noise.js';
import { finding, updateGatewayRecord } from './deployedFixtures.js';

const NOW = Date.parse('2026-11-20T12:00:00Z');
const base: NoiseConfig = { suppressions: [], dryRunRules: [], disabledRules: [] };
const suppression = (s: Partial<NoiseConfig['suppressions'][number]>) => ({
  expires: '2026-12-01T00:00:00Z',
  reason: 'change ticket CHG-42',
  ...s,
});

describe('decide', () => {
  it.each([
    ['a matching role-name pattern', suppression({ principal: 'Platform*' }), 'suppressed'],
    [
      'a matching role ARN pattern',
      suppression({ principal: 'arn:aws:iam::*:role/PlatformAdmin' }),
      'suppressed',
    ],
    ['a matching action', suppression({ action: 'bedrock-agentcore:Update*' }), 'suppressed'],
    ['a matching resource', suppression({ resource: 'gw-abc*' }), 'suppressed'],
    [
      'all fields matching',
      suppression({ ruleId: 'gateway-*', principal: '*alice', action: 'UpdateGateway' }),
      'suppressed',
    ],
    [
      'an expired suppression',
      suppression({ principal: 'Platform*', expires: '2026-11-20T11:59:59Z' }),
      'alert',
    ],
    ['another principal', suppression({ principal: 'CiDeployer' }), 'alert'],
    [
      'one field not matching',
      suppression({ principal: 'Platform*', action: 'DeleteGateway' }),
      'alert',
    ],
  ])('with %s the outcome is %s', async (_label, s, outcome) => {
    const config: NoiseConfig = { ...base, suppressions: [s] };
    const decision = await decide(
      finding(),
      updateGatewayRecord(),
      config,
      new MemoryDedupStore(),
      undefined,
      NOW,
    );
    expect(decision.outcome).toBe(outcome);
  });

  it('alerts once per dedup window and again after it', async () => {
    const dedup = new MemoryDedupStore();
    const window = { key: 'gw-abc123', windowSeconds: 3600 };
    const first = await decide(finding(), undefined, base, dedup, window, NOW);
    const second = await decide(finding({ findingId: 'f-2' }), undefined, base, dedup, window, NOW);
    const later = await decide(
      finding({ eventTime: '2026-11-20T11:15:01Z' }),
      undefined,
      base,
      dedup,
      window,
      NOW,
    );
    expect([first.outcome, second.outcome, later.outcome]).toEqual(['alert', 'duplicate', 'alert']);
  });

  it('counts dry-run rules without alerting, in a window of their own', async () => {
    const dedup = new MemoryDedupStore();
    const window = { key: 'k', windowSeconds: 3600 };
    const dry = await decide(
      finding(),
      undefined,
      { ...base, dryRunRules: ['gateway-*'] },
      dedup,
      window,
      NOW,
    );
    const live = await decide(finding(), undefined, base, dedup, window, NOW);
    expect(dry.outcome).toBe('dry-run');
    expect(live.outcome).toBe('alert');
  });

  it('drops disabled rules', async () => {
    const decision = await decide(
      finding(),
      undefined,
      { ...base, disabledRules: ['gateway-auth-weakened'] },
      new MemoryDedupStore(),
      undefined,
      NOW,
    );
    expect(decision.outcome).toBe('disabled');
  });
});

describe('globMatch', () => {
  it.each([
    ['arn:aws:iam::1:role/A', 'arn:aws:iam::*:role/a', true],
    ['UpdateGateway', 'Update?ateway', true],
    ['UpdateGateway', 'Update', false],
    ['a.b', 'a?b', true],
    ['axb', 'a.b', false],
  ])('%s ~ %s = %s', (value, pattern, expected) => {
    expect(globMatch(value, pattern)).toBe(expected);
  });
});
