/**
 * The listing client's reads (lib/tools/listingClient.ts) with the operator's credentials:
 * DescribeSecret and GetSecretValue (AWSCURRENT) on the chosen secret, its binding from the
 * state table (MAC-checked with the stage's binding key), and HTTP with no redirects, a timeout
 * and a body cap.
 */
import { noRedirects } from '../rotation/verifier.js';
import { ListingClientTokenSource } from '../tools/listingClient.js';
import { bindingStoreFromEnv } from './bindingStore.js';
import { SecretsManagerStore } from './secretsStore.js';

/** The token source for `--listing-client SECRET`; `env` names the state table and MAC keys. */
export function listingClientFromEnv(
  secretId: string,
  env: NodeJS.ProcessEnv = process.env,
): ListingClientTokenSource {
  const secrets = new SecretsManagerStore();
  const bindings = bindingStoreFromEnv(env);
  return new ListingClientTokenSource(secretId, {
    secretArn: async (id) => (await secrets.describe(id)).arn,
    currentValue: (arn) => secrets.getValue(arn, { stage: 'AWSCURRENT' }),
    binding: (arn) => bindings.binding(arn),
    fetch: noRedirects(fetch),
  });
}
