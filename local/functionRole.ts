/**
 * A gatewarden function's role session on the local stack, obtained as Lambda obtains it
 * (`POST /_gatewarden/lambda/credentials`: the front evaluates the role's trust policy for
 * `lambda.amazonaws.com` first). Whatever runs a function locally (invoke:local, the tests)
 * runs it with these credentials, so each AWS call carries the role's identity, as in Lambda.
 * TEST/DEMO COMPONENT — local stack only.
 */
export interface RoleSession {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  roleArn: string;
  functionArn: string;
}

/** The role session of a deployed function (`gatewarden-local-rotate`, …). */
export async function functionRoleSession(
  endpoint: string,
  functionName: string,
  /** The function's region, when not us-east-1. */
  region?: string,
): Promise<RoleSession> {
  const response = await fetch(`${endpoint}/_gatewarden/lambda/credentials`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ functionName, ...(region ? { region } : {}) }),
  });
  const body = (await response.json()) as {
    message?: string;
    roleArn?: string;
    functionArn?: string;
    credentials?: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string };
  };
  if (!response.ok || !body.credentials) {
    throw new Error(`no role session for ${functionName}: ${body.message ?? response.status}`);
  }
  return {
    accessKeyId: body.credentials.AccessKeyId,
    secretAccessKey: body.credentials.SecretAccessKey,
    sessionToken: body.credentials.SessionToken,
    roleArn: body.roleArn ?? '',
    functionArn: body.functionArn ?? '',
  };
}

/** The environment a process running as that role gets (as Lambda sets it). */
export function roleEnv(session: RoleSession): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: session.accessKeyId,
    AWS_SECRET_ACCESS_KEY: session.secretAccessKey,
    AWS_SESSION_TOKEN: session.sessionToken,
  };
}

/** `-f rotate` on the local stage → `gatewarden-local-rotate`. */
export function localFunctionName(args: readonly string[], stage = 'local'): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '-f' || arg === '--function') return `gatewarden-${stage}-${args[i + 1] ?? ''}`;
    if (arg.startsWith('--function='))
      return `gatewarden-${stage}-${arg.slice('--function='.length)}`;
  }
  return undefined;
}

/**
 * Runs `body` as a function's role in this process: the AWS_* credentials of the environment
 * are the role session's while it runs (SDK clients made and first used inside resolve them).
 * In-process only; one at a time (the environment is the process's).
 */
export async function asFunctionRole<T>(
  endpoint: string,
  functionName: string,
  body: () => Promise<T>,
): Promise<T> {
  const session = await functionRoleSession(endpoint, functionName);
  const saved = Object.fromEntries(
    ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'].map((key) => [
      key,
      process.env[key],
    ]),
  );
  Object.assign(process.env, roleEnv(session));
  try {
    return await body();
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}
