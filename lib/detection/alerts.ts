import type { Alert } from '../alerts/alert.js';
import { redact, redactText } from '../shared/redact.js';
import type { Finding } from './types.js';

/** EventBridge detail-type of a finding on the gatewarden bus. */
export const FINDING_DETAIL_TYPE = 'Gateway Finding';

/** Version of the finding schema on the bus (docs/finding-schema.md). Bump on breaking change. */
export const FINDING_SCHEMA_VERSION = 1;

/**
 * Renders a finding for every channel: a subject and body for people (SNS e-mail, chat) that
 * say what happened, who, from where, when, to which resource, the rule and its runbook; the
 * finding itself as the machine-readable detail; and SNS message attributes (severity, ruleId,
 * tactic) for subscription filter policies. Everything passes through the redaction helper.
 */
export function findingToAlert(finding: Finding): Alert {
  const safeFinding = redact(finding);
  const lines = [
    `What:     ${safeFinding.summary}`,
    `Who:      ${safeFinding.principal}${safeFinding.principalType ? ` (${safeFinding.principalType})` : ''}`,
    `From:     ${safeFinding.sourceIp ?? 'unknown'}${safeFinding.userAgent ? ` — ${safeFinding.userAgent}` : ''}`,
    `When:     ${safeFinding.eventTime}`,
    `Resource: ${safeFinding.resource ?? 'n/a'}`,
    `Event:    ${safeFinding.eventSource} ${safeFinding.eventName} (eventID ${safeFinding.eventId})`,
    `Account:  ${safeFinding.accountId ?? 'unknown'}${safeFinding.awsRegion ? ` / ${safeFinding.awsRegion}` : ''}`,
    `Rule:     ${safeFinding.ruleId} — ${safeFinding.title} [${safeFinding.severity}]`,
    `MITRE:    ${safeFinding.tactic} / ${safeFinding.technique}`,
    `Runbook:  ${safeFinding.runbook}`,
  ];
  const details = Object.entries(safeFinding.details ?? {});
  if (details.length > 0) {
    lines.push('', 'Details:');
    for (const [key, value] of details) lines.push(`  ${key}: ${String(value)}`);
  }
  lines.push('', `Finding ${safeFinding.findingId} (schemaVersion ${safeFinding.schemaVersion})`);
  return {
    detailType: FINDING_DETAIL_TYPE,
    severity: finding.severity,
    subject: `[gatewarden ${finding.severity.toUpperCase()}] ${safeFinding.title} by ${shortPrincipal(safeFinding.principal)}`,
    body: lines.join('\n'),
    detail: { ...safeFinding },
    attributes: {
      ruleId: finding.ruleId,
      tactic: finding.tactic,
      technique: finding.technique,
    },
  };
}

/** The last segment of an ARN (role/session or user name) keeps subjects short. */
function shortPrincipal(principal: string): string {
  const afterColon = principal.split(':').pop() ?? principal;
  return afterColon.length > 0 ? afterColon : principal;
}

/**
 * A Slack-style incoming-webhook payload (also accepted by Mattermost, Rocket.Chat, Teams
 * workflows with a Slack-compatible schema): a plain `text` fallback plus one section block.
 */
export function alertToChatMessage(alert: Alert): { text: string; blocks: unknown[] } {
  const subject = redactText(alert.subject);
  const body = redactText(alert.body);
  return {
    text: subject,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: subject.slice(0, 150) } },
      { type: 'section', text: { type: 'mrkdwn', text: '```' + body.slice(0, 2900) + '```' } },
    ],
  };
}
