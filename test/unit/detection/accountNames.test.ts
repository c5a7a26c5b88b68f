import { findingToAlert, alertToChatMessage } from '../../../lib/detection/alerts.js';
import {
  CachedAccountNames,
  displayAccountName,
  withAccountName,
  type AccountNameSource,
} from '../../../lib/detection/accountNames.js';
import type { Finding } from '../../../lib/detection/types.js';
import { defaultDeps } from '../../../functions/detect.js';

/**
 * A member account's findings name the account as well as its id. The name comes from
 * Organizations and is written by the member's own administrators: it is shown as plain,
 * short text (no markup, no line of its own in an alert), looked up once per account, and
 * decides nothing (not where an alert goes, not whether it is sent).
 */
const HOME = '999999999999';
const MEMBER = '111122223333';

const finding = (accountId: string): Finding => ({
  schemaVersion: 1,
  findingId: 'f-1',
  ruleId: 'cloudtrail-stopped',
  title: 'CloudTrail logging stopped',
  severity: 'high',
  tactic: 'Defense Evasion',
  technique: 'T1562.008',
  summary: 'StopLogging on trail main',
  runbook: 'Start logging again.',
  eventId: 'e-1',
  eventName: 'StopLogging',
  eventSource: 'cloudtrail.amazonaws.com',
  eventTime: '2026-11-20T10:00:00Z',
  accountId,
  principal: 'arn:aws:sts::111122223333:assumed-role/admin/x',
});

function source(names: Record<string, string>): AccountNameSource & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    nameOf: (id) => {
      calls.push(id);
      return Promise.resolve(names[id]);
    },
  };
}

describe('account names on findings', () => {
  it('names a member account’s finding, looking the name up once per account', async () => {
    // Prepare
    const names = source({ [MEMBER]: 'payments-prod' });
    const cached = new CachedAccountNames(names);

    // Act
    const first = await withAccountName(finding(MEMBER), cached, HOME);
    const second = await withAccountName(finding(MEMBER), cached, HOME);

    // Assess
    expect(first.accountName).toBe('payments-prod');
    expect(second.accountName).toBe('payments-prod');
    expect(names.calls).toEqual([MEMBER]);
    const alert = findingToAlert(first);
    expect(alert.body).toContain(`Account:  ${MEMBER} (payments-prod)`);
    expect(alert.detail).toMatchObject({ accountId: MEMBER, accountName: 'payments-prod' });
  });

  it('asks nothing for the home account’s findings (a single-account stage makes no call)', async () => {
    const names = source({ [HOME]: 'security' });
    const named = await withAccountName(finding(HOME), new CachedAccountNames(names), HOME);
    expect(named.accountName).toBeUndefined();
    expect(names.calls).toEqual([]);
  });

  it('alerts without the name when the look-up fails, and asks again later', async () => {
    let calls = 0;
    let now = 0;
    const failing: AccountNameSource = {
      nameOf: () => {
        calls += 1;
        return Promise.reject(new Error('AccessDeniedException'));
      },
    };
    const cached = new CachedAccountNames(failing, { now: () => now });
    expect((await withAccountName(finding(MEMBER), cached, HOME)).accountName).toBeUndefined();
    await withAccountName(finding(MEMBER), cached, HOME);
    now += 10 * 60_000;
    await withAccountName(finding(MEMBER), cached, HOME);
    expect(calls).toBe(2);
  });

  it.each([
    [
      '<!channel> *urgent* `x` <https://evil.example|click>',
      '_channel_ _urgent_ _x_ _https_evil.example_click_',
    ],
    ['prod\nRule:     fake — line', 'prod Rule_ fake _ line'],
    ['\u202Eevil\u200B', '_evil_'],
    ['a'.repeat(80), `${'a'.repeat(49)}…`],
    ['   ', undefined],
  ])('shows the hostile name %j as plain short text', async (raw, shown) => {
    // Act
    const named = await withAccountName(
      finding(MEMBER),
      new CachedAccountNames(source({ [MEMBER]: raw })),
      HOME,
    );

    // Assess
    expect(named.accountName).toBe(shown);
    const alert = findingToAlert(named);
    const chat = JSON.stringify(alertToChatMessage(alert));
    expect(chat).not.toContain('<!channel>');
    expect(chat).not.toContain('<https://evil');
    expect(alert.body.split('\n').filter((l) => l.startsWith('Rule:'))).toHaveLength(1);
    expect(alert.attributes).not.toHaveProperty('accountName');
    expect(alert.subject).not.toContain(raw);
  });

  it('keeps letters, digits and the usual separators of a name', () => {
    expect(displayAccountName('Payments Prod (EU) - v2.1_a')).toBe('Payments Prod (EU) - v2.1_a');
  });
});

describe('the detect function’s wiring', () => {
  const env = {
    AWS_REGION: 'us-east-1',
    GATEWARDEN_STATE_TABLE: 'state',
    GATEWARDEN_ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:999999999999:alerts',
    GATEWARDEN_EVENT_BUS_NAME: 'bus',
    GATEWARDEN_DLQ_URL: 'https://sqs.us-east-1.amazonaws.com/999999999999/dlq',
    GATEWARDEN_ACCOUNT_ID: HOME,
  };

  it('names members only on the central stage of an organization', () => {
    expect(defaultDeps(env).accountNames).toBeUndefined();
    expect(defaultDeps({ ...env, GATEWARDEN_ORGANIZATION_ID: '' }).accountNames).toBeUndefined();
    const central = defaultDeps({ ...env, GATEWARDEN_ORGANIZATION_ID: 'o-abcdefghij' });
    expect(central.accountNames?.homeAccountId).toBe(HOME);
    expect(central.accountNames?.source).toBeInstanceOf(CachedAccountNames);
  });
});
