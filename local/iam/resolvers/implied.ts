/**
 * Authorizations a call implies beyond its own action, shared by several services: handing a
 * role to a service (`iam:PassRole`, `iam:PassedToService`) and a KMS key a service uses for the
 * caller (`kms:ViaService`, `kms:CallerAccount`).
 * TEST/DEMO COMPONENT — local stack only.
 */
import {
  type Authorization,
  type CallInfo,
  type ContextValues,
  type ResourceLookups,
} from '../authorizationTypes.js';
import { arnParts, str } from '../requestValues.js';

export function roleArnsIn(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return (value as Array<Record<string, unknown>>)
    .map((target) => str(target.RoleArn))
    .filter((arn): arn is string => arn !== undefined);
}

export async function passRoles(
  call: CallInfo,
  _lookups: ResourceLookups,
  roles: string[],
  service?: string,
): Promise<Authorization[]> {
  return roles.map((role) => ({
    action: 'iam:PassRole',
    resource: role,
    resourceAccount: arnParts(role).account || call.account,
    context: (service ? { 'iam:PassedToService': service } : {}) as ContextValues,
  }));
}

/** A KMS key a service uses for the caller (`kms:ViaService`, `kms:CallerAccount`). */
export async function keyUseVia(
  call: CallInfo,
  lookups: ResourceLookups,
  keyId: string,
  service: string,
  actions: string[],
  extra: ContextValues,
): Promise<Authorization[]> {
  const keyArn = (await lookups.keyArn(keyId, call.region)) ?? keyId;
  const context: ContextValues = {
    'kms:ViaService': `${service}.${call.region}.amazonaws.com`,
    'kms:CallerAccount': call.account,
    ...extra,
  };
  return actions.map((action) => ({
    action,
    resource: keyArn,
    resourceAccount: arnParts(keyArn).account || call.account,
    context,
  }));
}
