import type { Rule, RuleMatch } from '../types.js';
import {
  SECRETS,
  denied,
  failed,
  isGatewaySecret,
  obj,
  param,
  principalOf,
  secretIdOf,
  str,
} from './support.js';

/** Longer than this between rotations is high: Security Hub's default for SecretsManager.4. */
export const LONGEST_ROTATION_DAYS = 90;

/** Days between rotations a schedule in a request means; undefined for cron or none. */
function intervalDays(rules: Record<string, unknown> | undefined): number | undefined {
  const days = rules?.automaticallyAfterDays;
  if (typeof days === 'number') return days;
  const rate = /^rate\(\s*(\d+)\s+(day|days|hour|hours)\s*\)$/i.exec(
    str(rules?.scheduleExpression)?.trim() ?? '',
  );
  if (!rate?.[1] || !rate[2]) return undefined;
  return Number(rate[1]) / (rate[2].toLowerCase().startsWith('day') ? 1 : 24);
}

function scheduleOf(rules: Record<string, unknown> | undefined): string {
  const days = rules?.automaticallyAfterDays;
  if (typeof days === 'number') return `every ${days} days`;
  return str(rules?.scheduleExpression) ?? 'unchanged';
}

/**
 * The rotation schedule of a gateway secret changed: `RotateSecret` with rotation rules, or
 * with `RotateImmediately=false` (nothing rotates now). Whoever may call `RotateSecret` on a
 * secret gatewarden's policy does not protect can push rotation out of sight (rules 1000 days
 * away) with no failure to alert on. The detect function does not see the registered schedule
 * (`gatewarden doctor` compares with it): a schedule longer than {@link LONGEST_ROTATION_DAYS}
 * days is high, any other change medium (registration sets one too), a refused attempt medium.
 * A cancellation is `secret-rotation-problem`'s.
 */
export const secretRotationScheduleChanged: Rule = {
  id: 'secret-rotation-schedule-changed',
  title: 'Rotation schedule of a gateway secret changed',
  severity: 'medium',
  mitre: { tactic: 'Defense Evasion', technique: 'T1562 Impair Defenses' },
  description:
    'RotateSecret set new rotation rules or RotateImmediately=false on a gateway credential secret: a schedule pushed far out stops rotation without any failure. High when the new schedule is longer than 90 days; a refused attempt is medium.',
  runbook:
    'Right after `gatewarden register` this is the registration. Otherwise run `gatewarden doctor`, which compares each schedule with the registered one, restore it as the admin, and find out who changed it and why.',
  events: { sources: [SECRETS], names: ['RotateSecret'] },
  reads: [
    'requestParameters.rotateImmediately',
    'requestParameters.rotationRules',
    'requestParameters.secretId',
  ],
  dedup: {
    key: (r) => {
      const rules = obj(param(r, 'rotationRules'));
      return `${secretIdOf(r) ?? ''}|${scheduleOf(rules)}|${failed(r) ? 'attempt' : 'done'}`;
    },
    windowSeconds: 3600,
  },
  evaluate(record): RuleMatch | undefined {
    const secretId = secretIdOf(record);
    if (secretId === undefined || !isGatewaySecret(secretId)) return undefined;
    const rules = obj(param(record, 'rotationRules'));
    const deferred = param(record, 'rotateImmediately') === false;
    if (rules === undefined && !deferred) return undefined; // a rotation started, nothing else
    const schedule = scheduleOf(rules);
    const facts = [`schedule=${schedule}`, `rotateImmediately=${String(!deferred)}`];
    if (failed(record)) {
      if (!denied(record)) return undefined;
      return {
        severity: 'medium',
        summary: `refused attempt by ${principalOf(record)} to change the rotation schedule of secret ${secretId} (${schedule}, ${record.errorCode ?? 'denied'})`,
        resource: secretId,
        details: { attempt: true, schedule },
        facts,
      };
    }
    const days = intervalDays(rules);
    const long = days !== undefined && days > LONGEST_ROTATION_DAYS;
    return {
      severity: long ? 'high' : 'medium',
      summary: `rotation schedule of secret ${secretId} set to ${schedule}${deferred ? ' with RotateImmediately=false' : ''} by ${principalOf(record)}`,
      resource: secretId,
      details: { schedule, rotateImmediately: !deferred, ...(days !== undefined ? { days } : {}) },
      facts,
    };
  },
};
