/** Shared shape of the control-plane operations of the AgentCore Identity stand-in. */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { FrontRequest, StandinContext } from '../context.js';
import type { StandinResponse } from '../http.js';
import { IDENTITY_STATE, IdentityRegistry, type IdentityDirectory } from './registry.js';

export type Params = Record<string, unknown>;

/** One call: its parameters and the caller's directory (account + region). */
export interface Call {
  params: Params;
  directory: IdentityDirectory;
  region: string;
  accountId: string;
  secrets: SecretsManagerClient;
}

export type Operation = (call: Call) => Promise<StandinResponse>;

export function registryOf(context: StandinContext): IdentityRegistry {
  return context.state(IDENTITY_STATE, () => new IdentityRegistry());
}

/** The directory of the caller's account and region. */
export async function callerDirectory(
  request: FrontRequest,
  context: StandinContext,
): Promise<{ directory: IdentityDirectory; accountId: string }> {
  const accountId = await context.accountOf(request);
  return { directory: registryOf(context).directory(accountId, request.aws.region), accountId };
}

export function isTags(value: unknown): value is Record<string, string> {
  return (
    !!value &&
    typeof value === 'object' &&
    Object.values(value).every((tag) => typeof tag === 'string')
  );
}

/** Path → operation of the control plane's `/identities/` API. */
