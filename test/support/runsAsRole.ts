/**
 * Who the product's code under test signs as. Integration tests run gatewarden's code as the
 * deployed function's role (issue 16); this finds every AWS client reachable from a set of
 * engine ports (SDK clients, and client configs an adapter keeps to make clients later), asks
 * the local stack whose credentials each one signs with (sts:GetCallerIdentity, which needs no
 * permission), and refuses a run whose clients are not that role's. The stack's admin is
 * refused unless the ports were explicitly handed over with a stated reason
 * ({@link adminBecause}): an admin run is then a decision in the test, never a default.
 *
 * What it cannot see: credentials captured in a closure (an issuer's `readSecret`). Ports made
 * by the product's own wiring (`awsRotationDeps`) inside a role's scope sign as that role
 * throughout, closures included; test/unit/support/rotationRoleGuard.test.ts keeps the rotation
 * integration tests on the checked entry points.
 */
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { ClientCredentials } from '../../lib/aws/clients.js';
import { deployedFunction, type LocalFunctionName } from './functionRoles.js';
import { localStack } from './localStack.js';

const ADMIN_BECAUSE = Symbol('gatewarden.test.adminBecause');

/**
 * The ports, marked as run by the stack's admin on purpose: `because` says why no deployed role
 * runs this code (at least a sentence; an empty reason is refused).
 */
export function adminBecause<T extends object>(because: string, ports: T): T {
  if (because.trim().length < 20)
    throw new Error('adminBecause: say why this code runs as the admin, not as its role');
  return Object.assign(ports, { [ADMIN_BECAUSE]: because });
}

/** Why these ports run as the admin, when a test said so. */
export function adminReason(ports: object): string | undefined {
  return (ports as { [ADMIN_BECAUSE]?: string })[ADMIN_BECAUSE];
}

/** A credentials source: a provider function (SDK clients) or the credentials themselves. */
type CredentialSource = (() => Promise<ClientCredentials>) | ClientCredentials | undefined;

interface Signer {
  /** Where in the ports: `store.client`, `issuers.issuers[cognito].baseConfig`. */
  path: string;
  source: CredentialSource;
}

function isSdkClient(value: object): value is { config: { credentials?: unknown } } {
  const candidate = value as { send?: unknown; config?: unknown; middlewareStack?: unknown };
  return (
    typeof candidate.send === 'function' &&
    typeof candidate.config === 'object' &&
    candidate.config !== null &&
    typeof candidate.middlewareStack === 'object'
  );
}

/** What `clientConfig()` returns (lib/aws/clients.ts): kept to make clients later. */
function isClientConfig(value: object): value is { credentials?: ClientCredentials } {
  return 'retryMode' in value && 'maxAttempts' in value && !('middlewareStack' in value);
}

/** Every client and kept client config reachable from `value` (own properties, maps, arrays). */
export function signersOf(value: unknown, skip: readonly string[] = []): Signer[] {
  const found: Signer[] = [];
  const seen = new Set<object>();
  const visit = (node: unknown, path: string, depth: number): void => {
    if (node === null || typeof node !== 'object' || seen.has(node) || depth > 8) return;
    seen.add(node);
    if (isSdkClient(node)) {
      found.push({ path, source: node.config.credentials as CredentialSource });
      return;
    }
    if (isClientConfig(node)) {
      found.push({ path, source: node.credentials });
      return;
    }
    if (node instanceof Map) {
      for (const [key, entry] of node) visit(entry, `${path}[${String(key)}]`, depth + 1);
      return;
    }
    if (ArrayBuffer.isView(node) || node instanceof Promise) return;
    for (const key of Object.keys(node)) {
      const at = path ? `${path}.${key}` : key;
      if (skip.includes(at)) continue;
      visit((node as Record<string, unknown>)[key], at, depth + 1);
    }
  };
  visit(value, '', 0);
  return found;
}

/** The environment's credentials: what a client made without any resolves to. */
function environmentCredentials(): ClientCredentials {
  return {
    accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? '',
    secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? '',
    ...(process.env.AWS_SESSION_TOKEN ? { sessionToken: process.env.AWS_SESSION_TOKEN } : {}),
  };
}

const principals = new Map<string, Promise<string>>();
const roles = new Map<LocalFunctionName, Promise<string>>();

/** The deployed function's role ARN (asked once per test file). */
function roleOf(fn: LocalFunctionName): Promise<string> {
  let role = roles.get(fn);
  if (!role) {
    role = deployedFunction(fn).then((deployed) => deployed.roleArn);
    roles.set(fn, role);
  }
  return role;
}

/** The ARN the local stack sees for these credentials. */
function principalOf(credentials: ClientCredentials): Promise<string> {
  let principal = principals.get(credentials.accessKeyId);
  if (!principal) {
    const { endpoint, region } = localStack();
    principal = new STSClient({ endpoint, region, credentials, maxAttempts: 1 })
      .send(new GetCallerIdentityCommand({}))
      .then((out) => out.Arn ?? '(no ARN)');
    principals.set(credentials.accessKeyId, principal);
  }
  return principal;
}

async function resolve(source: CredentialSource): Promise<ClientCredentials> {
  if (typeof source === 'function') return source();
  return source ?? environmentCredentials();
}

/**
 * Throws unless every client reachable from `ports` signs as the deployed `fn`'s role (or the
 * ports were handed to the admin with {@link adminBecause}). `callerOwn` names ports that are
 * the caller's by design, not the function's (the in-process driver's lease: `lock`).
 */
export async function expectRunsAs(
  ports: object,
  fn: LocalFunctionName,
  what: string,
  callerOwn: readonly string[] = [],
): Promise<void> {
  if (adminReason(ports)) return;
  const signers = signersOf(ports, callerOwn);
  if (signers.length === 0)
    throw new Error(`${what}: no AWS client found in its ports, so whom it runs as is unknown`);
  const roleArn = await roleOf(fn);
  const roleName = roleArn.slice(roleArn.lastIndexOf('/') + 1);
  const expected = `:assumed-role/${roleName}/`;
  const wrong: string[] = [];
  for (const signer of signers) {
    const arn = await principalOf(await resolve(signer.source));
    if (!arn.includes(expected)) wrong.push(`${signer.path || '(ports)'} signs as ${arn}`);
  }
  if (wrong.length > 0) {
    throw new Error(
      `${what} must run as the deployed ${fn} function's role (${roleName}), or be handed to the admin with adminBecause(reason): ${wrong.join('; ')}`,
    );
  }
}
