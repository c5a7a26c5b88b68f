import {
  exposedSecret,
  idempotencyKeyFor,
  remediate,
  type RemediationConfig,
  type RotationTrigger,
} from '../../../lib/detection/remediation.js';
import { finding } from './deployedFixtures.js';

class FakeRotationTrigger implements RotationTrigger {
  readonly calls: Array<{ secretId: string; key: string }> = [];
  constructor(private readonly fail = false) {}
  async rotate(secretId: string, key: string): Promise<{ versionId?: string }> {
    this.calls.push({ secretId, key });
    if (this.fail) throw new Error('rotation already in progress');
    return { versionId: 'v-2' };
  }
}

const SECRET_ARN =
  'arn:aws:secretsmanager:us-east-1:123456789012:secret:gatewarden/gw-abc123/apiKey/weather-AbCdEf';
const config: RemediationConfig = {
  enabled: true,
  rules: ['secret-read-by-unexpected-principal'],
  minSeverity: 'high',
};
const exposure = finding({
  ruleId: 'secret-read-by-unexpected-principal',
  severity: 'high',
  resource: SECRET_ARN,
  eventName: 'GetSecretValue',
});

describe('remediate', () => {
  it('rotates the exposed gatewarden secret once, with an idempotency key from the finding', async () => {
    const trigger = new FakeRotationTrigger();
    const outcome = await remediate(exposure, config, trigger);
    expect(outcome).toEqual({ action: 'rotated', secretId: SECRET_ARN, versionId: 'v-2' });
    expect(trigger.calls).toEqual([{ secretId: SECRET_ARN, key: idempotencyKeyFor('f-0001') }]);
    expect(trigger.calls[0]?.key.length).toBeGreaterThanOrEqual(32);
  });

  it.each([
    ['remediation disabled', { ...config, enabled: false }, exposure],
    ['rule in dry-run', config, { ...exposure, dryRun: true }],
    ['rule not configured for remediation', config, { ...exposure, ruleId: 'gateway-modified' }],
    ['severity below high', config, { ...exposure, severity: 'medium' as const }],
    [
      'no gatewarden secret in the finding',
      config,
      { ...exposure, resource: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-XyZ' },
    ],
  ])('does nothing when %s', async (reason, cfg, f) => {
    const trigger = new FakeRotationTrigger();
    await expect(remediate(f, cfg, trigger)).resolves.toEqual({ action: 'none', reason });
    expect(trigger.calls).toHaveLength(0);
  });

  it('reports a failed rotation instead of throwing', async () => {
    const outcome = await remediate(exposure, config, new FakeRotationTrigger(true));
    expect(outcome).toEqual({
      action: 'failed',
      secretId: SECRET_ARN,
      reason: 'Error',
    });
  });

  it('puts no text of a foreign error into the finding (only its class and system code)', async () => {
    // Prepare: an SDK error echoing a value, as AWS errors may ("… secret canary-… is …")
    const canary = 'canary-remediation-7f3e91';
    const trigger: RotationTrigger = {
      rotate: async () => {
        throw Object.assign(new Error(`secret value ${canary} rejected`), {
          name: 'InvalidRequestException',
          code: 'INVALID_REQUEST',
          cause: new Error(`nested ${canary}`),
        });
      },
    };

    // Act
    const outcome = await remediate(exposure, config, trigger);

    // Assess
    expect(outcome).toEqual({
      action: 'failed',
      secretId: SECRET_ARN,
      reason: 'InvalidRequestException INVALID_REQUEST',
    });
    expect(JSON.stringify(outcome)).not.toContain(canary);
  });
});

describe('exposedSecret', () => {
  it.each([
    ['gatewarden/gw-1/inboundClient/app', 'gatewarden/gw-1/inboundClient/app'],
    ['gatewarden-admin/gw-1/registration-token', undefined],
    [SECRET_ARN, SECRET_ARN],
    ['bedrock-agentcore-identity!default/apikey/weather-abc', undefined],
    ['gatewarden/chat-webhook', undefined],
    [
      'arn:aws:secretsmanager:us-east-1:123456789012:secret:gatewarden/chat-webhook-AbCdEf',
      undefined,
    ],
  ])('%s → %s', (resource, expected) => {
    expect(exposedSecret(finding({ resource, details: {} }))).toBe(expected);
  });
});
