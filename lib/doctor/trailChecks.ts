import type { DoctorOptions } from './checks.js';
import { unverifiedReason } from './errors.js';
import type { DoctorReader, TrailInfo } from './ports.js';
import type { CheckResult } from './types.js';

const GATEWAY_DATA_TYPE = 'AWS::BedrockAgentCore::Gateway';

function logsManagement(trail: TrailInfo): boolean {
  return trail.logging && trail.managementEvents !== undefined;
}

/** A trail logging all management events (and gateway data events when asked). */
export async function trailChecks(
  reader: DoctorReader,
  options: DoctorOptions,
): Promise<CheckResult[]> {
  let trails: TrailInfo[];
  try {
    trails = await reader.trails();
  } catch (error) {
    return [
      {
        id: 'trail',
        area: 'trail',
        status: 'unverified',
        message: `could not verify CloudTrail (${unverifiedReason(error)})`,
      },
    ];
  }
  const results: CheckResult[] = [];
  const logging = trails.filter(logsManagement);
  const complete = logging.filter((t) => t.managementEvents === 'All');
  if (trails.length === 0) {
    results.push({
      id: 'trail',
      area: 'trail',
      status: 'fail',
      message:
        'no CloudTrail trail: EventBridge still receives management events, but reports have no log files to read past 90 days and tampering leaves no record',
    });
  } else if (logging.length === 0) {
    results.push({
      id: 'trail',
      area: 'trail',
      status: 'fail',
      message: `no trail logs management events (${trails.map((t) => `${t.name}: ${t.logging ? 'no management events selected' : 'logging stopped'}`).join('; ')})`,
    });
  } else if (complete.length === 0) {
    results.push({
      id: 'trail',
      area: 'trail',
      status: 'fail',
      message: `trail ${logging.map((t) => t.name).join(', ')} logs ${logging[0]?.managementEvents ?? '?'} management events only: read-only calls (secret reads, token-vault reads) or writes go unrecorded`,
    });
  } else {
    results.push({
      id: 'trail',
      area: 'trail',
      status: 'pass',
      message: `trail ${complete.map((t) => t.name).join(', ')} is logging all management events`,
    });
  }
  const gatewayData = logging.filter((t) => t.dataEventTypes.includes(GATEWAY_DATA_TYPE));
  if (gatewayData.length > 0) {
    results.push({
      id: 'trail.gateway-data-events',
      area: 'trail',
      status: 'pass',
      message: `trail ${gatewayData.map((t) => t.name).join(', ')} logs gateway invocations (${GATEWAY_DATA_TYPE} data events)`,
    });
  } else if (options.gatewayDataEvents) {
    results.push({
      id: 'trail.gateway-data-events',
      area: 'trail',
      status: 'fail',
      message: `no logging trail selects ${GATEWAY_DATA_TYPE} data events: refused gateway invocations (gateway-invoke-auth-failures) cannot be detected`,
    });
  }
  return results;
}
