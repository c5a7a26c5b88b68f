import type { Rule, RuleMatch } from '../types.js';
import {
  AGENTCORE,
  failed,
  gatewayIdOf,
  obj,
  param,
  principalOf,
  str,
  strings,
} from './support.js';

/**
 * Inbound auth weakened on a gateway: authorizer set to NONE, or a CUSTOM_JWT authorizer whose
 * configuration is missing or restricts neither clients nor audiences (any token the issuer
 * signs is then accepted).
 */
export const gatewayAuthWeakened: Rule = {
  id: 'gateway-auth-weakened',
  title: 'Gateway inbound authorization weakened',
  severity: 'critical',
  mitre: { tactic: 'Defense Evasion', technique: 'T1556 Modify Authentication Process' },
  description:
    'A gateway was created or updated so that callers are no longer authenticated, or any token from the issuer is accepted, or authorization is offloaded (AUTHENTICATE_ONLY: high on update, medium on create). A refused attempt to set the authorizer to NONE is reported at medium severity: nothing changed, but someone tried.',
  runbook:
    'Restore the CUSTOM_JWT authorizer with the approved discovery URL, allowedClients and allowedAudience; review InvokeGateway calls since the change; rotate the inbound client credentials.',
  events: { sources: [AGENTCORE], names: ['CreateGateway', 'UpdateGateway'] },
  // An attempt must not use up the window of the change that may follow it.
  reads: [
    'requestParameters.authorizerConfiguration',
    'requestParameters.authorizerType',
    'requestParameters.gatewayIdentifier',
    'responseElements.gatewayId',
  ],
  dedup: {
    key: (r) => `${gatewayIdOf(r) ?? principalOf(r)}${failed(r) ? '|attempt' : ''}`,
    windowSeconds: 3600,
  },
  evaluate(record): RuleMatch | undefined {
    const gatewayId = gatewayIdOf(record) ?? 'unknown';
    const type = str(param(record, 'authorizerType'));
    if (failed(record)) {
      // A refused call changed nothing: only an attempt to open the gateway is worth a note.
      if (type !== 'NONE') return undefined;
      return {
        severity: 'medium',
        summary: `attempt to set gateway ${gatewayId} authorizer to NONE by ${principalOf(record)} failed (${record.errorCode ?? 'error'})`,
        resource: gatewayId,
        details: { authorizerType: 'NONE', errorCode: record.errorCode ?? '', attempt: true },
      };
    }
    // Without the request (CloudTrail omitted or truncated it) nothing can be said about auth.
    if (obj(record.requestParameters) === undefined) return undefined;
    const create = record.eventName === 'CreateGateway';
    const severity = create ? 'high' : 'critical';
    if (type === 'NONE') {
      return {
        severity,
        summary: `gateway ${gatewayId} authorizer set to NONE by ${principalOf(record)}`,
        resource: gatewayId,
        details: { authorizerType: 'NONE' },
        facts: ['authorizer=NONE'],
      };
    }
    // Offloaded authorization: the token is checked, but what it may do is left to the
    // targets. Weaker than CUSTOM_JWT with clients or audiences, not as open as NONE.
    if (type === 'AUTHENTICATE_ONLY') {
      return {
        severity: create ? 'medium' : 'high',
        summary: `gateway ${gatewayId} authorizer set to AUTHENTICATE_ONLY (authorization offloaded) by ${principalOf(record)}`,
        resource: gatewayId,
        details: { authorizerType: type },
        facts: ['authorizer=AUTHENTICATE_ONLY'],
      };
    }
    if (type === undefined && !create) {
      return {
        severity,
        summary: `gateway ${gatewayId} updated without an authorizer by ${principalOf(record)}`,
        resource: gatewayId,
        details: { authorizerType: 'missing' },
        facts: ['authorizer=missing'],
      };
    }
    if (type !== 'CUSTOM_JWT') return undefined;
    const configuration = param(record, 'authorizerConfiguration');
    // CloudTrail may log a sensitive structure as a placeholder string: unknown, not removed.
    if (typeof configuration === 'string') return undefined;
    const jwt = obj(obj(configuration)?.customJWTAuthorizer);
    // CreateGateway refuses CUSTOM_JWT without its configuration: absent from the record, it was
    // left out of the log, not removed (there was nothing before a create to remove).
    if (jwt === undefined && create && configuration === undefined) return undefined;
    if (jwt === undefined) {
      return {
        severity,
        summary: `gateway ${gatewayId} CUSTOM_JWT authorizer configuration removed by ${principalOf(record)}`,
        resource: gatewayId,
        details: { authorizerType: type, authorizerConfiguration: 'missing' },
        facts: ['authorizerConfiguration=missing'],
      };
    }
    const clients = strings(jwt.allowedClients);
    const audiences = strings(jwt.allowedAudience);
    if (clients.length === 0 && audiences.length === 0) {
      return {
        severity: 'high',
        summary: `gateway ${gatewayId} accepts any token from its issuer (no allowedClients or allowedAudience), set by ${principalOf(record)}`,
        resource: gatewayId,
        details: { authorizerType: type, allowedClients: 0, allowedAudience: 0 },
        facts: ['allowed=none'],
      };
    }
    if (clients.includes('*') || audiences.includes('*')) {
      return {
        severity: 'high',
        summary: `gateway ${gatewayId} allows any client or audience ('*'), set by ${principalOf(record)}`,
        resource: gatewayId,
        facts: ['allowed=*'],
      };
    }
    return undefined;
  },
};
