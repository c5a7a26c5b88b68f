import {
  FINDING_DETAIL_TYPE,
  alertToChatMessage,
  findingToAlert,
} from '../../../lib/detection/alerts.js';
import { finding } from './deployedFixtures.js';

describe('findingToAlert', () => {
  it('says what happened, who, from where, when, which resource, the rule and its runbook', () => {
    // Act
    const alert = findingToAlert(finding());
    // Assess
    expect(alert.detailType).toBe(FINDING_DETAIL_TYPE);
    expect(alert.subject).toBe(
      '[gatewarden CRITICAL] Gateway inbound authorization weakened by assumed-role/PlatformAdmin/alice',
    );
    for (const fact of [
      'gateway gw-abc123 authorizer set to NONE',
      'arn:aws:sts::123456789012:assumed-role/PlatformAdmin/alice (AssumedRole)',
      '203.0.113.10',
      '2026-11-20T10:15:00Z',
      'Resource: gw-abc123',
      'gateway-auth-weakened',
      'Runbook:  Restore CUSTOM_JWT',
      'T1556',
    ]) {
      expect(alert.body).toContain(fact);
    }
    expect(alert.attributes).toEqual({
      ruleId: 'gateway-auth-weakened',
      tactic: 'Defense Evasion',
      technique: 'T1556 Modify Authentication Process',
    });
    expect(alert.detail).toMatchObject({ schemaVersion: 1, ruleId: 'gateway-auth-weakened' });
  });

  it('never carries a secret value, even one that slipped into a finding', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjYW5hcnkifQ.c2lnbmF0dXJlY2FuYXJ5';
    const alert = findingToAlert(
      finding({
        summary: `token ${jwt} seen`,
        details: { clientSecret: 'canary-secret-value', note: `Bearer canarybearer123456` },
      }),
    );
    const everything = JSON.stringify(alert) + JSON.stringify(alertToChatMessage(alert));
    expect(everything).not.toContain('canary-secret-value');
    expect(everything).not.toContain(jwt);
    expect(everything).not.toContain('canarybearer123456');
  });
});

describe('SNS message attributes', () => {
  it('leaves out empty values, which SNS would reject', () => {
    const alert = findingToAlert(finding({ tactic: '', technique: ' ' }));
    expect(alert.attributes).toEqual({ ruleId: 'gateway-auth-weakened' });
  });
});

describe('alertToChatMessage', () => {
  it('is a Slack-style payload with a text fallback', () => {
    const message = alertToChatMessage(findingToAlert(finding()));
    expect(message.text).toContain('Gateway inbound authorization weakened');
    expect(message.blocks).toHaveLength(2);
  });
});
