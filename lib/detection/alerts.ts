import { z } from 'zod';
import type { Alert } from '../alerts/alert.js';
import { redact, redactText } from '../shared/redact.js';
import { severities, type Finding } from './types.js';

/** EventBridge detail-type of a finding on the gatewarden bus. */
export const FINDING_DETAIL_TYPE = 'Gateway Finding';

/** Version of the finding schema on the bus (docs/finding-schema.md). Bump on breaking change. */
export const FINDING_SCHEMA_VERSION = 1;

/**
 * The `detail` of a `Gateway Finding` event on the gatewarden bus: the stable, documented
 * contract for machines (docs/finding-schema.md, docs/finding-schema.json is generated from
 * this). Additive changes keep `schemaVersion` 1; removing or retyping a field bumps it.
 */
export const findingDetailSchema = z
  .object({
    schemaVersion: z.literal(FINDING_SCHEMA_VERSION).describe('Version of this schema.'),
    findingId: z
      .string()
      .describe('Stable id: the same rule and CloudTrail event give the same id.'),
    ruleId: z.string().describe('Detection rule id, e.g. gateway-auth-weakened.'),
    title: z.string().describe('Rule title.'),
    severity: z.enum(severities).describe('info | low | medium | high | critical.'),
    tactic: z.string().describe('MITRE ATT&CK tactic.'),
    technique: z.string().describe('MITRE ATT&CK technique id and name.'),
    summary: z.string().describe('One sentence: what happened. Identifiers only, never secrets.'),
    runbook: z.string().describe('What to do first.'),
    eventId: z.string().describe('CloudTrail eventID of the record that raised the finding.'),
    eventName: z.string().describe('CloudTrail eventName.'),
    eventSource: z
      .string()
      .describe('CloudTrail eventSource, e.g. bedrock-agentcore.amazonaws.com.'),
    eventTime: z.string().describe('CloudTrail eventTime (ISO 8601, UTC).'),
    awsRegion: z.string().optional().describe('Region of the call.'),
    accountId: z.string().optional().describe('Account the call happened in.'),
    accountName: z
      .string()
      .optional()
      .describe(
        "The account's name in the organization (members only): display text written by the member, at most 50 characters of letters, digits, spaces and . _ - ( ); never an identifier.",
      ),
    principal: z
      .string()
      .describe('Who: assumed-role session, user or role ARN, root, or service.'),
    principalType: z.string().optional().describe('CloudTrail userIdentity.type.'),
    sourceIp: z.string().optional().describe('From where: sourceIPAddress (or the AWS service).'),
    userAgent: z.string().optional().describe('Client user agent (at most 256 characters).'),
    resource: z
      .string()
      .optional()
      .describe('Resource the finding is about: gateway id, ARN, secret.'),
    details: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
      .optional()
      .describe('Rule-specific facts, identifiers only.'),
    group: z
      .object({
        count: z.number().describe('Findings in the burst, this one included.'),
        resources: z.array(z.string()).describe('The first few resources of the burst.'),
        lastEventTime: z.string().describe('eventTime of the burst’s last finding.'),
        windowSeconds: z.number().describe('The group window.'),
        firstFindingId: z
          .string()
          .optional()
          .describe('Live burst summaries: findingId of the burst’s first alert, sent earlier.'),
      })
      .optional()
      .describe(
        'A burst of this rule by this principal folded into one finding (replay: the burst’s one finding; live: a follow-up burst summary sent once the window closed, with the final count).',
      ),
    dryRun: z
      .boolean()
      .optional()
      .describe('Never true on the bus: dry-run findings are not sent.'),
  })
  .describe('gatewarden Gateway Finding (EventBridge source "gatewarden").');

// Compile-time guard: the schema and the Finding type cannot drift apart.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const findingSchemaMatchesType: Same<z.infer<typeof findingDetailSchema>, Finding> = true;
void findingSchemaMatchesType;

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
    `Account:  ${safeFinding.accountId ?? 'unknown'}${safeFinding.accountName ? ` (${safeFinding.accountName})` : ''}${safeFinding.awsRegion ? ` / ${safeFinding.awsRegion}` : ''}`,
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
    subject: `[gatewarden ${finding.severity.toUpperCase()}] ${safeFinding.title} by ${shortPrincipal(safeFinding.principal)}${finding.group === undefined ? '' : ` (burst: ${finding.group.count} within ${finding.group.windowSeconds} s)`}`,
    body: lines.join('\n'),
    detail: { ...safeFinding },
    // SNS rejects empty attribute values: leave out what a rule did not fill.
    attributes: Object.fromEntries(
      Object.entries({
        ruleId: finding.ruleId,
        tactic: finding.tactic,
        technique: finding.technique,
      }).filter(([, value]) => value.trim() !== ''),
    ),
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
    text: asMrkdwnText(subject),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: subject.slice(0, 150) } },
      {
        type: 'section',
        text: { type: 'mrkdwn', text: '```' + asMrkdwnText(body).slice(0, 2900) + '```' },
      },
    ],
  };
}

/**
 * Text from records (a User-Agent any caller sets, names, tag values) as Slack shows it, not as
 * markup: `&`, `<` and `>` escaped as Slack documents, so `<!channel>`, `<@U…>` and
 * `<https://…|label>` stay text; a backtick becomes U+02CB, so nothing closes the code block.
 */
function asMrkdwnText(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/`/g, '\u02CB');
}
