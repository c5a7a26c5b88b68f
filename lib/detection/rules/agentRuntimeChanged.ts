import type { CloudTrailRecord } from '../record.js';
import type { Rule } from '../types.js';
import {
  AGENTCORE,
  failed,
  isGatewayRoleName,
  param,
  principalOf,
  str,
  strings,
} from './support.js';

const NAMES = ['CreateAgentRuntime', 'UpdateAgentRuntime', 'UpdateAgentRuntimeEndpoint'];

function runtimeOf(record: CloudTrailRecord): string {
  return (
    str(param(record, 'agentRuntimeId')) ??
    str(param(record, 'agentRuntimeName')) ??
    'unknown runtime'
  );
}

/**
 * Agent runtimes behind gateways: an MCP server target of a gateway can be a runtime, which then
 * receives the calls (and the outbound credential) the gateway sends it. A new artifact or
 * endpoint version swaps the code that receives them, like a Lambda target's code update; a
 * header allowlist naming `Authorization` hands the runtime the callers' bearer tokens; a
 * gateway role passed to a runtime gives that code the gateway's permissions.
 */
export const agentRuntimeChanged: Rule = {
  id: 'agent-runtime-changed',
  title: 'Agent runtime code, role or forwarded headers changed',
  severity: 'low',
  mitre: { tactic: 'Persistence', technique: 'T1525 Implant Internal Image' },
  description:
    'An AgentCore agent runtime was created or updated, or an endpoint moved to another version: the code behind a gateway MCP target. High when the runtime is given a gateway execution role (its code then reads what the gateway reads), medium when it receives the Authorization header of its callers.',
  runbook:
    'Check the runtime’s artifact and version against what was released; if unplanned, roll the endpoint back to the last approved version, remove Authorization from the header allowlist and give the runtime its own role.',
  events: { sources: [AGENTCORE], names: NAMES },
  reads: [
    'requestParameters.agentRuntimeId',
    'requestParameters.agentRuntimeName',
    'requestParameters.roleArn',
    'requestParameters.requestHeaderConfiguration',
    'requestParameters.agentRuntimeArtifact',
    'requestParameters.agentRuntimeVersion',
  ],
  dedup: { key: (r) => `${principalOf(r)}|${runtimeOf(r)}`, windowSeconds: 3600 },
  evaluate(record, context) {
    // Never exempt the rotator: it makes none of these calls, and its name pattern is one
    // anyone allowed to create a role can match.
    if (failed(record)) return undefined;
    const runtime = runtimeOf(record);
    const role = str(param(record, 'roleArn'));
    const gatewayRole = role !== undefined && isGatewayRoleName(role, context);
    const headers = strings(
      param(record, 'requestHeaderConfiguration', 'requestHeaderAllowlist'),
    ).map((h) => h.toLowerCase());
    const bearer = headers.includes('authorization');
    const image = str(
      param(record, 'agentRuntimeArtifact', 'containerConfiguration', 'containerUri'),
    );
    const version = str(param(record, 'agentRuntimeVersion'));
    const why = [
      ...(gatewayRole ? [`gateway role ${role}`] : []),
      ...(bearer ? ['callers’ Authorization header forwarded'] : []),
      ...(image ? [`image ${image}`] : []),
      ...(version ? [`version ${version}`] : []),
    ];
    return {
      // A gateway role runs the runtime's code with the gateway's permissions (its secrets):
      // PassedToService is bedrock-agentcore for runtimes and gateways alike, so no SCP can
      // keep a gateway role to gateways, and this is where it shows.
      severity: gatewayRole ? 'high' : bearer ? 'medium' : 'low',
      summary: `${record.eventName} on ${runtime} by ${principalOf(record)}${why.length > 0 ? ` (${why.join('; ')})` : ''}`,
      resource: runtime,
      details: {
        operation: record.eventName,
        ...(role ? { role } : {}),
        authorizationForwarded: bearer,
      },
      facts: [
        ...(gatewayRole && role ? [`role=${role}`] : []),
        ...(bearer ? ['header=Authorization'] : []),
        ...(image ? [`image=${image}`] : []),
      ],
    };
  },
};
