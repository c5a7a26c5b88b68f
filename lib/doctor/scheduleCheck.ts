import { unverifiedReason } from './errors.js';
import type { DoctorReader, ScheduleRules, SecretInfo } from './ports.js';
import type { CheckStatus } from './types.js';

/**
 * Hours between two rotations a schedule means (`AutomaticallyAfterDays`, `rate(N days|hours)`);
 * undefined for a cron expression, whose spacing this does not judge.
 */
export function intervalHours(rules: ScheduleRules | undefined): number | undefined {
  if (rules?.automaticallyAfterDays !== undefined) return rules.automaticallyAfterDays * 24;
  const rate = /^rate\(\s*(\d+)\s+(day|days|hour|hours)\s*\)$/i.exec(
    rules?.scheduleExpression?.trim() ?? '',
  );
  if (!rate?.[1] || !rate[2]) return undefined;
  return Number(rate[1]) * (rate[2].toLowerCase().startsWith('day') ? 24 : 1);
}

function describeRules(rules: ScheduleRules): string {
  if (rules.automaticallyAfterDays !== undefined)
    return `every ${rules.automaticallyAfterDays} days`;
  return rules.scheduleExpression ?? 'no schedule';
}

const RESTORE =
  'restore it as the admin (aws secretsmanager rotate-secret --rotation-rules …) and find who changed it';

/**
 * The live rotation schedule against the one registration pinned in the binding: anyone with
 * `RotateSecret` on a secret without gatewarden's resource policy can push rotation out of sight
 * (rules 1000 days away, `RotateImmediately=false`), which no rotation failure would reveal.
 * Undefined when rotation is off or has no rules: the rotation check reports that already.
 */
export async function scheduleCheck(
  reader: DoctorReader,
  secret: SecretInfo,
): Promise<{ status: CheckStatus; message: string } | undefined> {
  const live = secret.rules;
  if (
    !secret.rotationEnabled ||
    !live ||
    (live.automaticallyAfterDays === undefined && !live.scheduleExpression)
  ) {
    return undefined;
  }
  let registered: ScheduleRules | undefined;
  try {
    registered = await reader.registeredSchedule(secret.arn);
  } catch (error) {
    return {
      status: 'unverified',
      message: `could not read its registered schedule (${unverifiedReason(error)})`,
    };
  }
  if (!registered) {
    return {
      status: 'unverified',
      message:
        'its binding holds no schedule (registered before gatewarden pinned schedules): nothing to compare with',
    };
  }
  const pinned = describeRules(registered);
  const [now, then] = [intervalHours(live), intervalHours(registered)];
  if (now !== undefined && then !== undefined) {
    if (now > then) {
      return {
        status: 'fail',
        message: `schedule lengthened: rotates ${describeRules(live)}, registered ${pinned}: ${RESTORE}`,
      };
    }
    return {
      status: 'pass',
      message:
        now === then
          ? `rotates as registered, ${pinned}`
          : `rotates ${describeRules(live)}, more often than registered (${pinned})`,
    };
  }
  if (describeRules(live) === pinned)
    return { status: 'pass', message: `rotates as registered, ${pinned}` };
  return {
    status: 'fail',
    message: `schedule changed: rotates ${describeRules(live)}, registered ${pinned} (cannot tell whether it is longer): ${RESTORE}`,
  };
}
