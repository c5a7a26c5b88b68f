/**
 * The role tests' stack: a local stack that enforces IAM, with the `local` stage deployed from
 * the packaged template, and the product's code run AS the rotate and rotateNow functions —
 * their deployed role's session (local/functionRole.ts) and their deployed environment. Set-up
 * runs as the stack's admin (moto's `user/moto`, named break-glass writer of every secret).
 *
 * `GATEWARDEN_ROLE_TESTS_STATE_DIR` names a running stack of that kind to use as it is
 * (scripts/mutateRoles.ts runs the role tests once per removed statement on one stack);
 * without it, the file starts a stack of its own and stops it afterwards.
 */
import { KMSClient, ListAliasesCommand } from '@aws-sdk/client-kms';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { Context } from 'aws-lambda';
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ENV } from '../../../lib/shared/env.js';
import { asFunctionRole } from '../../../local/functionRole.js';
import { exportsOf, readState } from '../../../local/state.js';
import { localClient } from '../../support/localStack.js';
import { claimSpare } from '../../support/spareStacks.js';

const execFileAsync = promisify(execFile);

/** Runs a command; a failure's message carries what the command said and how it ended. */
async function run(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; maxBuffer?: number },
): Promise<{ stdout: string }> {
  try {
    return await execFileAsync(command, args, options);
  } catch (error) {
    // The CLI names what went wrong on stderr, or in its --json output on stdout; a run killed
    // by a signal says neither, so the exit code and signal are named too.
    const failure = error as {
      stderr?: string;
      stdout?: string;
      message?: string;
      code?: number | string;
      signal?: string | null;
    };
    const said = [failure.stderr, failure.stdout].filter((text) => text?.trim()).join('\n');
    const how = `exit ${failure.code ?? '?'}${failure.signal ? `, signal ${failure.signal}` : ''}`;
    throw new Error(
      `${args.slice(1, 3).join(' ')} failed (${how}): ${said || failure.message || 'no output'}`,
    );
  }
}
const ROOT = process.cwd();
const CLI = join(ROOT, 'bin', 'gatewarden.js');

/**
 * The role tests' stack enforces IAM. `GATEWARDEN_ROLE_TESTS_IAM=off` is for `npm run
 * bench:suite` only: its baseline runs the role tests that assert no refusal on a stack with the
 * gate off (a test that asserts a refusal cannot pass there).
 */
const ROLE_STACK_IAM = process.env.GATEWARDEN_ROLE_TESTS_IAM === 'off' ? 'off' : 'enforce';

/** Names a running enforcing stack (local stage deployed) the role tests use as they find it. */
export const ROLE_TESTS_STACK_ENV = 'GATEWARDEN_ROLE_TESTS_STATE_DIR';

/** The local stack's admin: moto's default user, the break-glass writer at registration. */
export const ADMIN_ARN = 'arn:aws:iam::123456789012:user/moto';

export type LocalFunction = 'rotate' | 'rotateNow';

/** A Lambda context with the time left that the rotate function reads (its step deadline). */
export const LAMBDA_CONTEXT = { getRemainingTimeInMillis: () => 120_000 } as unknown as Context;

export interface RoleStack {
  endpoint: string;
  /** The stack's secrets key (SecretsKey), which `register --kms-key` names. */
  secretsKeyArn: string;
  /** ARN of the deployed rotate function, which registration attaches to each secret. */
  rotateFunctionArn: string;
  /**
   * What an admin registers with, from the deployment: the rotate function, the rotator's and
   * the sweep's roles, the state table (GATEWARDEN_ROTATION_FUNCTION_ARN, …).
   */
  deployment: Record<string, string>;
  /** The gatewarden variables each deployed function is configured with. */
  functionEnv: Record<LocalFunction, Record<string, string>>;
  /** Runs `body` as the deployed function: its role session, its environment. */
  asFunction<T>(fn: LocalFunction, body: (env: NodeJS.ProcessEnv) => Promise<T>): Promise<T>;
  /** What IAM refused since the last clear (`clear` forgets them). */
  denials(clear?: 'clear'): Promise<unknown[]>;
  close(): Promise<void>;
}

/**
 * Opens the role tests' stack and points this test file's environment (endpoint, admin
 * credentials, OpenID Connect provider) at it.
 */
export async function openRoleStack(): Promise<RoleStack> {
  const given = process.env[ROLE_TESTS_STACK_ENV];
  // A spare started ahead (test/support/spareStacks.js), as this would start its own: ours now.
  const spare = given ? undefined : await claimSpare(process.env, ROLE_STACK_IAM);
  const stateDir = given ?? spare?.dir ?? mkdtempSync(join(tmpdir(), 'gw-role-tests-'));
  const env = {
    ...process.env,
    GATEWARDEN_LOCAL_STATE_DIR: stateDir,
    GATEWARDEN_LOCAL_IAM: ROLE_STACK_IAM,
  };
  const stop = async (): Promise<void> => {
    if (!given) await run(process.execPath, [CLI, 'local', 'stop'], { cwd: ROOT, env });
  };
  try {
    // `local start` deploys the local stage from the packaged template (resources/*.yml).
    if (!given && !spare) {
      await run(process.execPath, [CLI, 'local', 'start', '--json'], {
        cwd: ROOT,
        env,
        maxBuffer: 1 << 24,
      });
    }
    const state = readState(join(stateDir, 'local-stack.json'));
    if (!state) throw new Error(`no local stack runs in ${stateDir}`);
    Object.assign(process.env, exportsOf(state), {
      GATEWARDEN_LOCAL_STATE_DIR: stateDir,
      GATEWARDEN_LOCAL_OIDC_INITIAL_ACCESS_TOKEN: state.oidcInitialAccessToken,
    });
    return await describeStack(state.endpoint, stop);
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

async function describeStack(endpoint: string, close: () => Promise<void>): Promise<RoleStack> {
  const denials = async (clear?: 'clear'): Promise<unknown[]> => {
    const response = await fetch(`${endpoint}/_gatewarden/iam/denials`, {
      method: clear ? 'DELETE' : 'GET',
    });
    const body = (await response.json()) as { mode: string; denials: unknown[] };
    if (body.mode !== ROLE_STACK_IAM) throw new Error(`the stack's IAM mode is ${body.mode}`);
    return body.denials;
  };
  await denials();
  // By its alias (moto's DescribeKey fails on a CloudFormation-made key).
  const { Aliases = [] } = await localClient(KMSClient).send(new ListAliasesCommand({}));
  const alias = Aliases.find((a) => a.AliasName === 'alias/gatewarden-local-secrets');
  const [rotate, rotateNow] = await Promise.all([deployed('rotate'), deployed('rotateNow')]);
  const functionEnv: Record<LocalFunction, Record<string, string>> = {
    rotate: rotate.env,
    rotateNow: rotateNow.env,
  };
  return {
    endpoint,
    secretsKeyArn: alias?.AliasArn?.replace(/alias\/.*$/, `key/${alias.TargetKeyId ?? ''}`) ?? '',
    rotateFunctionArn: rotate.arn,
    functionEnv,
    deployment: {
      [ENV.rotationFunctionArn]: rotate.arn,
      [ENV.rotatorRoleArn]: rotate.role,
      [ENV.sweeperRoleArn]: rotateNow.role,
      [ENV.stateTable]: rotate.env[ENV.stateTable] ?? '',
      [ENV.bindingMacKey]: rotate.env[ENV.bindingMacKey] ?? '',
      [ENV.ledgerMacKey]: rotate.env[ENV.ledgerMacKey] ?? '',
    },
    denials,
    close,
    asFunction: (fn, body) =>
      asFunctionRole(endpoint, `gatewarden-local-${fn}`, () =>
        body({ ...process.env, ...functionEnv[fn] }),
      ),
  };
}

/** The deployed function's ARN and the gatewarden variables it is configured with. */
async function deployed(
  fn: LocalFunction,
): Promise<{ arn: string; role: string; env: Record<string, string> }> {
  const config = await localClient(LambdaClient).send(
    new GetFunctionConfigurationCommand({ FunctionName: `gatewarden-local-${fn}` }),
  );
  const env = Object.fromEntries(
    Object.entries(config.Environment?.Variables ?? {}).filter(([key]) =>
      key.startsWith('GATEWARDEN_'),
    ),
  );
  return { arn: config.FunctionArn ?? '', role: config.Role ?? '', env };
}

/**
 * `gatewarden register <kind> …` as the admin registers a credential (the real CLI), with what
 * the deployment gives it and the stack's secrets key; the admin is also a reader, so the test
 * can look at the values.
 */
export async function registerWithCli(
  stack: RoleStack,
  kind: 'apikey' | 'oauth' | 'inbound',
  flags: string[],
  adminRole = ADMIN_ARN,
): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    [
      CLI,
      'register',
      kind,
      ...flags,
      '--kms-key',
      stack.secretsKeyArn,
      '--admin-role',
      adminRole,
      '--reader',
      ADMIN_ARN,
      '--json',
    ],
    { cwd: ROOT, env: { ...process.env, ...stack.deployment } },
  );
  return (JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { secretArn: string }).secretArn;
}

/**
 * `gatewarden register update --secret …` as the admin: the review (`yes: false`), or the review
 * then `--yes --expect <its hash>`, which pins exactly what was reviewed. Environment: the one
 * given (default this process's, the stack's admin). Returns the last command's output.
 */
export async function pinWithCli(
  secretArn: string,
  options: { yes?: boolean; env?: NodeJS.ProcessEnv } = {},
): Promise<string> {
  const update = [CLI, 'register', 'update', '--secret', secretArn];
  const env = options.env ?? process.env;
  if (options.yes === false)
    return (await run(process.execPath, update, { cwd: ROOT, env })).stdout;
  const { stdout } = await run(process.execPath, [...update, '--json'], { cwd: ROOT, env });
  const { reviewHash } = JSON.parse(stdout) as { reviewHash: string };
  const pinned = await run(process.execPath, [...update, '--yes', '--expect', reviewHash], {
    cwd: ROOT,
    env,
  });
  return pinned.stdout;
}

/** An HTTP server on 127.0.0.1; `url` once started. */
export class LocalServer {
  url = '';
  private readonly server: Server;

  constructor(handler: Parameters<typeof createServer>[1]) {
    this.server = createServer(handler);
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/**
 * An RFC 7592 server that issues a new registration access token with every answer (§3 allows
 * it; the local OpenID Connect provider does not) and accepts only the latest: a front for the
 * local provider's management endpoint of one client. The rotator must write each new token
 * back to its admin secret at once, or lose the client.
 */
export class RotatingRegistrationServer extends LocalServer {
  /** The token the admin secret starts with. */
  static readonly FIRST_TOKEN = 'registration-token-0';
  private issued = 0;
  private latest = RotatingRegistrationServer.FIRST_TOKEN;

  constructor(upstream: { registrationClientUri: string; registrationAccessToken: string }) {
    super((request, response) => {
      void (async () => {
        const chunks: Buffer[] = [];
        for await (const chunk of request) chunks.push(chunk as Buffer);
        if (request.headers.authorization !== `Bearer ${this.latest}`) {
          response.writeHead(401, { 'content-type': 'application/json' });
          response.end(JSON.stringify({ error: 'invalid_token' }));
          return;
        }
        const method = request.method ?? 'GET';
        const answer = await fetch(upstream.registrationClientUri, {
          method,
          headers: {
            authorization: `Bearer ${upstream.registrationAccessToken}`,
            accept: 'application/json',
            ...(method === 'PUT' ? { 'content-type': 'application/json' } : {}),
          },
          ...(method === 'PUT' ? { body: Buffer.concat(chunks) } : {}),
        });
        const body = (await answer.json()) as Record<string, unknown>;
        this.latest = `registration-token-${++this.issued}`;
        response.writeHead(answer.status, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({
            ...body,
            registration_client_uri: `${this.url}/client`,
            registration_access_token: this.latest,
          }),
        );
      })();
    });
  }

  /** How many tokens it issued (each had to be written back). */
  get tokensIssued(): number {
    return this.issued;
  }
}
