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

  it('keeps text from the record (a User-Agent any caller sets) out of Slack markup', () => {
    // Prepare: a caller of a watched API sets its User-Agent to close the code block, ping the
    // channel and show a link under gatewarden's name.
    const hostile =
      'aws-cli/2 ```\n<!channel> rotation compromised: run <https://evil.example/fix|gatewarden doctor --fix> & <@U0ADMIN> ```';
    const message = alertToChatMessage(
      findingToAlert(finding({ userAgent: hostile, resource: '<!here>' })),
    );
    // Assess: the body stays one code block, and no mention or link markup is left raw.
    const section = message.blocks[1] as { text: { text: string } };
    const mrkdwn = section.text.text;
    expect(mrkdwn.startsWith('```')).toBe(true);
    expect(mrkdwn.endsWith('```')).toBe(true);
    expect(mrkdwn.slice(3, -3)).not.toContain('```');
    for (const text of [mrkdwn, message.text]) {
      expect(text).not.toMatch(/<[!@#]|<https?:/);
    }
    expect(mrkdwn).toContain('&lt;!channel&gt;');
    expect(mrkdwn).toContain('evil.example');
  });
});
