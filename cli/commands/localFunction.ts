import { withClientCredentials } from '../../lib/aws/clients.js';
import { functionRoleSession } from '../../local/functionRole.js';
import { endpointIsLocal } from './rotate.js';

/**
 * Makes `make`'s AWS clients sign as a function of the local stage (`gatewarden-local-<fn>`)
 * when the endpoint is the local stack: what runs in Lambda on AWS runs here as its role. Off
 * the local stack, or when the stack issues no role session (stage not deployed, IAM off), the
 * clients keep the caller's credentials, and stderr says so.
 */
export async function asLocalFunction<T>(
  env: NodeJS.ProcessEnv,
  fn: 'rotate' | 'rotateNow',
  make: () => T,
): Promise<T> {
  const endpoint = env.AWS_ENDPOINT_URL;
  if (!endpoint || !endpointIsLocal(env)) return make();
  const name = `gatewarden-local-${fn}`;
  const session = await functionRoleSession(endpoint, name, env).catch((error: unknown) => {
    process.stderr.write(
      `gatewarden: running the ${fn} steps with your credentials, not as ${name}'s role (${error instanceof Error ? error.message : String(error)})\n`,
    );
    return undefined;
  });
  if (!session) return make();
  return withClientCredentials(
    {
      accessKeyId: session.accessKeyId,
      secretAccessKey: session.secretAccessKey,
      sessionToken: session.sessionToken,
    },
    make,
  );
}
