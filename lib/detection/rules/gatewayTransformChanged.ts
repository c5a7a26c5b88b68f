import { NONE } from '../stateTrackers.js';
import type { Rule, RuleMatch } from '../types.js';
import { changed, gatewayChange } from './lastState.js';
import { AGENTCORE, failed, gatewayIdOf, principalOf } from './support.js';

/**
 * Model: UpdateGateway `customTransformConfiguration { lambda { arn } }` and CreateGateway /
 * UpdateGateway `protocolConfiguration { mcp { supportedVersions, instructions, searchType,
 * sessionConfiguration, streamingConfiguration, disableMcpListToolsPagination } }`.
 *
 * Medium at most: a transform Lambda rewrites payloads (it could tamper with tool results) but
 * is given neither the callers' headers nor the outbound credentials, and the gateway role must
 * be allowed to invoke it (an IAM change other rules watch); protocol settings change how MCP
 * is spoken (versions, search, sessions, streaming), not who may call or what a call may reach.
 */

/** The gateway fields this rule compares. */
const KEYS = ['customTransform', 'protocol'] as const;

export const gatewayTransformChanged: Rule = {
  id: 'gateway-transform-changed',
  title: 'Gateway transform or protocol configuration changed',
  severity: 'medium',
  mitre: { tactic: 'Impact', technique: 'T1565 Data Manipulation' },
  description:
    'A gateway’s customTransformConfiguration (a Lambda that rewrites requests and responses: medium when added or changed, low when removed) or protocolConfiguration (MCP versions, instructions, search, session and streaming settings: low) changed against its last known configuration. Medium at most: neither gives access to callers’ headers or credentials.',
  runbook:
    'Confirm the change with the gateway owner; for a transform Lambda, check its owner and code, and the gateway role’s lambda:InvokeFunction grants.',
  events: { sources: [AGENTCORE], names: ['UpdateGateway'] },
  lastState: true,
  reads: [
    'requestParameters.gatewayIdentifier',
    'requestParameters.authorizerType',
    'requestParameters.roleArn',
    'requestParameters.customTransformConfiguration',
    'requestParameters.protocolConfiguration',
    'responseElements.customTransformConfiguration',
    'responseElements.protocolConfiguration',
  ],
  dedup: { key: (r) => gatewayIdOf(r) ?? '', windowSeconds: 3600 },
  evaluate(record, context): RuleMatch | undefined {
    if (failed(record)) return undefined;
    const change = gatewayChange(record, context, KEYS);
    if (change === undefined || change.previous === undefined) return undefined;
    const { previous, current } = change;
    const transform = changed(previous, current, 'customTransform');
    const protocol = changed(previous, current, 'protocol');
    if (!transform && !protocol) return undefined;
    const gatewayId = gatewayIdOf(record) ?? 'unknown';
    const transformAdded = transform && current.customTransform !== NONE;
    const what = [transform ? 'custom transform' : '', protocol ? 'protocol configuration' : '']
      .filter(Boolean)
      .join(' and ');
    return {
      severity: transformAdded ? 'medium' : 'low',
      summary: `gateway ${gatewayId} ${what} ${transform && !transformAdded ? 'removed' : 'changed'} by ${principalOf(record)}`,
      resource: gatewayId,
      details: { customTransform: transform, protocolConfiguration: protocol },
      facts: [transform ? 'transform=changed' : 'protocol=changed'],
    };
  },
};
