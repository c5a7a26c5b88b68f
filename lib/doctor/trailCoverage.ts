import type { TrailInfo } from './ports.js';
import type { CheckResult } from './types.js';

/**
 * `doctor --org`: whether a member account is logged by a trail gatewarden can use. The report
 * reads usage from the trail's log files and detect's evidence outlives EventBridge only there,
 * so an account needs either the organization trail or a trail of its own that is logging, in
 * every region, with global-service events (IAM, STS, sign-in are logged in us-east-1 only) and
 * all management events (reads and writes, no event source filtered or excluded), whose log files
 * arrive (no delivery error; none in 24 hours is a warning). Gateway data events (`InvokeGateway`) feed the tool-access report:
 * their absence is a warning, not a failure.
 */

export const GATEWAY_DATA_TYPE = 'AWS::BedrockAgentCore::Gateway';

/** Why a trail does not cover its account for gatewarden; empty when it does. */
export function trailGaps(trail: TrailInfo): string[] {
  const gaps: string[] = [];
  if (!trail.logging) gaps.push('not logging');
  if (!trail.multiRegion) gaps.push('single-region');
  if (trail.globalServiceEvents === false) gaps.push('global service events excluded');
  if (trail.managementEvents === undefined) gaps.push('management events excluded');
  else if (trail.managementEvents !== 'All')
    gaps.push(`${trail.managementEvents} management events only`);
  if (trail.managementSourcesFiltered) gaps.push('management events filtered by event source');
  for (const source of trail.excludedManagementSources ?? [])
    gaps.push(`management events of ${SOURCE.test(source) ? source : 'an event source'} excluded`);
  if (trail.deliveryError !== undefined)
    gaps.push(
      `log file delivery failing (${ERROR_CODE.test(trail.deliveryError) ? trail.deliveryError : 'unrecognized error'})`,
    );
  return gaps;
}

/** An AWS event source as AWS spells one; anything else is not quoted. */
const SOURCE = /^[a-z0-9.-]{1,128}$/;
/** A delivery error is AWS text: only a bare error code (`AccessDenied`, `NoSuchBucket`) is quoted. */
const ERROR_CODE = /^[A-Za-z0-9]{1,64}$/;
/** A logging trail whose last log file arrived longer ago than this is stale. */
export const STALE_DELIVERY_MS = 24 * 60 * 60 * 1000;

const covers = (trail: TrailInfo): boolean => trailGaps(trail).length === 0;

/** What the member's read role could tell: its trails, or why they could not be read. */
export type MemberTrails = { trails: TrailInfo[] } | { error: string };

/**
 * The coverage lines of one account: `organization.trail:<id>` (pass, fail or unverified) and,
 * when covered but no covering trail selects gateway data events, `organization.trailData:<id>`
 * as a warning. Trail names are the member's: quoted as read, escaped by the doctor's printer.
 */
export function trailCoverageChecks(
  account: { id: string; label: string },
  organizationTrails: readonly TrailInfo[],
  member: MemberTrails | undefined,
  now: Date = new Date(),
): CheckResult[] {
  const id = `organization.trail:${account.id}`;
  const seen = [
    ...organizationTrails,
    ...(member && 'trails' in member
      ? member.trails.filter((t) => !organizationTrails.some((o) => o.arn === t.arn))
      : []),
  ];
  const covering = seen.filter(covers);
  const unread = seen.filter((t) => t.unread === true);
  if (covering.length === 0 && unread.length > 0)
    return [
      {
        id,
        area: 'organization',
        status: 'unverified',
        message: `${account.label}: logged by organization trail ${unread.map((t) => t.name).join(', ')}? its status and selectors could not be read from the central account`,
      },
    ];
  if (covering.length === 0) {
    if (member === undefined || 'error' in member)
      return [
        {
          id,
          area: 'organization',
          status: 'unverified',
          message: `${account.label}: trail coverage not checked (${member ? member.error : 'the read role is not assumable'}) and no organization trail covers it`,
        },
      ];
    return [
      {
        id,
        area: 'organization',
        status: 'fail',
        message:
          seen.length === 0
            ? `${account.label}: no trail logs this account (no organization trail, no trail of its own)`
            : `${account.label}: no trail logs this account's management events in every region`,
        ...(seen.length > 0
          ? {
              details: seen.map(
                (t) =>
                  `${t.organization ? 'organization trail ' : ''}${t.name}: ${trailGaps(t).join(', ')}`,
              ),
            }
          : {}),
      },
    ];
  }
  const names = covering.map((t) => `${t.organization ? 'organization trail ' : ''}${t.name}`);
  const results: CheckResult[] = [
    {
      id,
      area: 'organization',
      status: 'pass',
      message: `${account.label}: logged by ${names.join(', ')} (all management events, every region)`,
    },
  ];
  if (!covering.some((t) => t.dataEventTypes.includes(GATEWAY_DATA_TYPE)))
    results.push({
      id: `organization.trailData:${account.id}`,
      area: 'organization',
      status: 'warn',
      message: `${account.label}: no trail logging it selects ${GATEWAY_DATA_TYPE} data events: the tool-access report has no gateway invocations for this account`,
    });
  const stale = covering.filter(
    (t) =>
      t.latestDeliveryAt !== undefined &&
      now.getTime() - Date.parse(t.latestDeliveryAt) > STALE_DELIVERY_MS,
  );
  if (stale.length === covering.length && stale.length > 0)
    results.push({
      id: `organization.trailDelivery:${account.id}`,
      area: 'organization',
      status: 'warn',
      message: `${account.label}: no log file delivered in 24 hours by ${stale.map((t) => `${t.name} (last ${t.latestDeliveryAt})`).join(', ')}: the report and detect's evidence may be missing recent events`,
    });
  return results;
}
