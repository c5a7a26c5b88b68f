import { excusedByPropagation, PROPAGATION_ALLOWANCE } from '../propagation.js';
import type { Rule } from '../types.js';
import { principalOf, viaAwsService } from './support.js';

const DENIED =
  /^(AccessDenied|Client\.UnauthorizedOperation|UnauthorizedOperation|Client\.AccessDenied|AccessDeniedException|UnauthorizedException|AuthorizationError)/;

/** Many access-denied errors from one principal in a window (windowed counter). */
export const accessDeniedBurst: Rule = {
  id: 'access-denied-burst',
  title: 'Burst of access-denied errors',
  severity: 'medium',
  mitre: { tactic: 'Discovery', technique: 'T1580 Cloud Infrastructure Discovery' },
  description: `One principal got at least 10 access-denied errors within 10 minutes: permission probing with stolen credentials, or a broken deployment. The first ${PROPAGATION_ALLOWANCE} denials within a minute of the caller’s (or the target’s, a role named by a denied AssumeRole included) creation or policy grant are IAM eventual consistency and do not count; more are counted.`,
  runbook:
    'List the denied calls (CloudTrail, same principal); if they probe IAM, secrets or gateways, disable the credentials and investigate where they were used from.',
  threshold: { key: (r) => principalOf(r), threshold: 10, windowSeconds: 600 },
  reads: ['requestParameters.roleName', 'requestParameters.userName', 'resources', 'errorMessage'],
  dedup: { key: (r) => principalOf(r), windowSeconds: 3600 },
  evaluate(record, context) {
    const code = record.errorCode;
    if (code === undefined || !DENIED.test(code)) return undefined;
    // Calls an AWS service makes on a principal's behalf fail for configuration reasons, not
    // because someone is probing.
    if (viaAwsService(record)) return undefined;
    if (excusedByPropagation(record, context)) return undefined;
    return {
      summary: `${principalOf(record)} received a burst of access-denied errors (last: ${record.eventSource} ${record.eventName})`,
      details: { lastErrorCode: code },
    };
  },
};
