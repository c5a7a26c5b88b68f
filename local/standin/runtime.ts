/** Builds the {@link StandinContext} the routes share: moto clients, caller identities, state. */
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { DEFAULT_REGION } from './awsRequest.js';
import { IdentityCache } from './cloudtrail/identity.js';
import type { FrontRequest, SdkClientConstructor, ServiceCall, StandinContext } from './context.js';
import { StandinError } from './http.js';

/** moto maps unknown access keys to its default account. */
export const DEFAULT_ACCOUNT = '123456789012';
const DEFAULT_ACCESS_KEY = 'testing';

/** The IAM gate's answer to a service call: a refusal's message, or undefined when allowed. */
export type ServiceCallAuthorizer = (call: ServiceCall) => Promise<string | undefined>;

export interface StandinRuntime {
  context: StandinContext;
  identities: IdentityCache;
  /** Set once the IAM gate exists (the gate needs the runtime's identities first). */
  authorizeServiceCallsWith(authorizer: ServiceCallAuthorizer): void;
}

export function createStandinRuntime(options: {
  motoUrl: string;
  oidcIssuer: string;
}): StandinRuntime {
  const clients = new Map<string, unknown>();
  const state = new Map<string, unknown>();
  let serviceCalls: ServiceCallAuthorizer | undefined;

  const motoClientFor = <C>(
    ctor: SdkClientConstructor<C>,
    accessKeyId: string,
    region: string,
  ): C => {
    const key = `${ctor.name}|${accessKeyId}|${region}`;
    let client = clients.get(key) as C | undefined;
    if (!client) {
      client = new ctor({
        endpoint: options.motoUrl,
        region,
        // moto does not verify signatures; the key id alone selects the account.
        credentials: { accessKeyId, secretAccessKey: 'gatewarden-local-standin' },
        maxAttempts: 1,
        forcePathStyle: true,
      });
      clients.set(key, client);
    }
    return client;
  };

  const identities = new IdentityCache(async (accessKeyId) => {
    const sts = motoClientFor(STSClient, accessKeyId, DEFAULT_REGION);
    return sts.send(new GetCallerIdentityCommand({}));
  });

  const context: StandinContext = {
    motoUrl: options.motoUrl,
    oidcIssuer: options.oidcIssuer,
    motoClient: <C>(ctor: SdkClientConstructor<C>, request: FrontRequest) =>
      motoClientFor(ctor, request.aws.accessKeyId ?? DEFAULT_ACCESS_KEY, request.aws.region),
    accountOf: async (request) =>
      (await identities.resolve(request.aws.accessKeyId ?? DEFAULT_ACCESS_KEY)).accountId ??
      DEFAULT_ACCOUNT,
    authorizeServiceCall: async (call) => {
      const refused = await serviceCalls?.(call);
      if (refused !== undefined) throw new StandinError(403, 'AccessDeniedException', refused);
    },
    state: <T>(key: string, create: () => T): T => {
      if (!state.has(key)) state.set(key, create());
      return state.get(key) as T;
    },
  };
  return {
    context,
    identities,
    authorizeServiceCallsWith: (authorizer) => {
      serviceCalls = authorizer;
    },
  };
}
