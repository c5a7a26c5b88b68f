import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { Guardrail } from '../../../lib/guardrails/index.js';

/**
 * One call decided as AWS decides it under the organization's guardrails, with
 * @cloud-copilot/iam-simulate (the local stack's IAM gate evaluator): a principal holding
 * AdministratorAccess, the generated SCPs on the members' OU under FullAWSAccess when the
 * principal is a member's, the generated RCPs on the resource's account.
 */
export const MEMBER = '444455556666';
export const ADMIN = `arn:aws:iam::${MEMBER}:role/AWSReservedSSO_AdministratorAccess_0123456789abcdef`;
const ALLOW_ALL = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
};

const byKind = (kind: Guardrail['kind'], set: readonly Guardrail[]) =>
  set.filter((g) => g.kind === kind).map((g) => ({ name: g.name, policy: g.document }));

export interface Call {
  set: readonly Guardrail[];
  action: string;
  resource: string;
  /** The caller (default: the member's administrator). */
  principal?: string;
  /** The caller's account (default: the member; another account is outside the organization). */
  principalAccount?: string;
  /** A service principal's call (`principal` is then the service, e.g. `appflow.amazonaws.com`). */
  service?: boolean;
  context?: Record<string, string | string[]>;
  resourcePolicy?: unknown;
}

export async function decide(call: Call): Promise<string> {
  const principal = call.principal ?? ADMIN;
  const account = call.principalAccount ?? MEMBER;
  const member = call.service !== true && account === MEMBER;
  const result = await runSimulation(
    {
      request: {
        principal,
        action: call.action,
        resource: { resource: call.resource, accountId: MEMBER },
        contextVariables: {
          ...(call.service === true
            ? { 'aws:PrincipalIsAWSService': 'true', 'aws:PrincipalServiceName': principal }
            : { 'aws:PrincipalArn': principal, 'aws:PrincipalAccount': account }),
          'aws:ResourceAccount': MEMBER,
          ...(member ? { 'aws:PrincipalOrgID': 'o-exampleorg1' } : {}),
          ...call.context,
        },
      },
      identityPolicies:
        call.service === true ? [] : [{ name: 'AdministratorAccess', policy: ALLOW_ALL }],
      serviceControlPolicies: member
        ? [
            { orgIdentifier: 'r-root', policies: [{ name: 'FullAWSAccess', policy: ALLOW_ALL }] },
            {
              orgIdentifier: 'ou-root-members',
              policies: [
                { name: 'FullAWSAccess', policy: ALLOW_ALL },
                ...byKind('SERVICE_CONTROL_POLICY', call.set),
              ],
            },
          ]
        : [],
      resourceControlPolicies: [
        {
          orgIdentifier: 'ou-root-members',
          policies: byKind('RESOURCE_CONTROL_POLICY', call.set),
        },
      ],
      ...(call.resourcePolicy === undefined ? {} : { resourcePolicy: call.resourcePolicy }),
    },
    {},
  );
  if (result.resultType === 'error') throw new Error(JSON.stringify(result.errors));
  return result.overallResult;
}
