/**
 * A gatewarden function's role session on the local stack, obtained as Lambda obtains it
 * (`POST /_gatewarden/lambda/credentials`: the front evaluates the role's trust policy for
 * `lambda.amazonaws.com` first). Whatever runs a function locally (invoke:local, the tests)
 * runs it with these credentials, so each AWS call carries the role's identity, as in Lambda.
 * TEST/DEMO COMPONENT — local stack only.
 */
import { createHash, createHmac } from 'node:crypto';

export interface RoleSession {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  roleArn: string;
  functionArn: string;
}

/** The caller's credentials, as the SDK reads them from the environment. */
interface Signer {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  region: string;
}

function signerFromEnv(env: NodeJS.ProcessEnv): Signer {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) {
    throw new Error('no AWS credentials in the environment to sign the role-session request');
  }
  return {
    accessKeyId,
    secretAccessKey,
    ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
  };
}

/** SigV4 headers (service `lambda`) of a POST: the front answers signed callers only. */
function signedHeaders(url: URL, body: string, signer: Signer): Record<string, string> {
  const amzDate = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const sha256 = (data: string) => createHash('sha256').update(data).digest('hex');
  const hmac = (key: Buffer | string, data: string) =>
    createHmac('sha256', key).update(data).digest();
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    host: url.host,
    'x-amz-content-sha256': sha256(body),
    'x-amz-date': amzDate,
    ...(signer.sessionToken ? { 'x-amz-security-token': signer.sessionToken } : {}),
  };
  const names = Object.keys(headers).sort();
  const canonical = [
    'POST',
    url.pathname,
    '',
    ...names.map((name) => `${name}:${headers[name] ?? ''}`),
    '',
    names.join(';'),
    headers['x-amz-content-sha256'],
  ].join('\n');
  const scope = `${day}/${signer.region}/lambda/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  let key = hmac(`AWS4${signer.secretAccessKey}`, day);
  for (const part of [signer.region, 'lambda', 'aws4_request']) key = hmac(key, part);
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  const { host: _host, ...sent } = headers;
  return {
    ...sent,
    authorization: `AWS4-HMAC-SHA256 Credential=${signer.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`,
  };
}

/**
 * The role session of a deployed function (`gatewarden-local-rotate`, …), asked for with the
 * caller's credentials (from `env`): the front issues it only to a caller who may change the
 * function's code, as only such a caller could run code as the role on AWS.
 */
export async function functionRoleSession(
  endpoint: string,
  functionName: string,
  env: NodeJS.ProcessEnv = process.env,
  /** The function's region, when not us-east-1. */
  region?: string,
): Promise<RoleSession> {
  const url = new URL('/_gatewarden/lambda/credentials', endpoint);
  const request = JSON.stringify({ functionName, ...(region ? { region } : {}) });
  const response = await fetch(url, {
    method: 'POST',
    headers: signedHeaders(url, request, signerFromEnv(env)),
    body: request,
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
