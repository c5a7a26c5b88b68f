/**
 * The local stack's background process (started detached by `gatewarden local start`):
 * moto, the OpenID Connect provider and the front. Writes the state file once everything
 * answers; on SIGTERM/SIGINT, or when moto dies, stops everything and removes the state file.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { startFront } from './front.js';
import { functionRoleCredentials, IamGate, type IamMode } from './iam/gate.js';
import { MotoPolicyStore } from './iam/policies.js';
import { standinResourceTags } from './standin/tags.js';
import { startMoto, type MotoServer } from './moto.js';
import { answers } from './net.js';
import { startOidcProvider, type OidcServer } from './oidc.js';
import { MOTO_LOG, STATE_DIR, STATE_FILE, DAEMON_LOG } from './paths.js';
import { standinRoutes } from './standin/index.js';
import { createStandinRuntime } from './standin/runtime.js';
import type { LocalStackState } from './state.js';
import { ensurePythonEnv } from './venv.js';

/**
 * How the front applies IAM: `enforce` (the default, and what CI and the demo run), or, as
 * debugging switches only, `audit` (decide and log, refuse nothing) and `off`.
 */
function localIamMode(value: string | undefined): IamMode | 'off' {
  if (value === 'audit' || value === 'off') return value;
  if (value && value !== 'enforce')
    throw new Error(`GATEWARDEN_LOCAL_IAM=${value}: use enforce, audit or off`);
  return 'enforce';
}

const log = (line: string): void => {
  process.stdout.write(`${new Date().toISOString()} ${line}\n`);
};

async function main(): Promise<void> {
  mkdirSync(STATE_DIR, { recursive: true });
  let moto: MotoServer | undefined;
  let oidc: OidcServer | undefined;
  let closeFront: (() => Promise<void>) | undefined;
  let stopping = false;

  const shutdown = async (reason: string, code: number): Promise<never> => {
    if (!stopping) {
      stopping = true;
      log(`stopping (${reason})`);
      await closeFront?.().catch(() => undefined);
      await oidc?.close().catch(() => undefined);
      await moto?.stop().catch(() => undefined);
      removeOwnStateFile();
      log('stopped');
    }
    process.exit(code);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM', 0));
  process.on('SIGINT', () => void shutdown('SIGINT', 0));
  process.on('SIGHUP', () => void shutdown('SIGHUP', 0));
  process.on('uncaughtException', (error) => void shutdown(`uncaught: ${error.message}`, 1));
  process.on('unhandledRejection', (error) => void shutdown(`unhandled: ${String(error)}`, 1));

  try {
    const env = await ensurePythonEnv({ log });
    moto = await startMoto(env, MOTO_LOG);
    log(`moto ready at ${moto.url} (pid ${moto.pid})`);
    void moto.exited.then((how) => shutdown(`moto exited (${how})`, 1));
    oidc = await startOidcProvider();
    log(`OpenID Connect provider ready at ${oidc.issuer}`);
    const runtime = createStandinRuntime({ motoUrl: moto.url, oidcIssuer: oidc.issuer });
    const motoUrl = moto.url;
    const issuer = oidc.issuer;
    const iamMode = localIamMode(process.env.GATEWARDEN_LOCAL_IAM);
    const iam =
      iamMode === 'off'
        ? undefined
        : new IamGate(
            iamMode,
            motoUrl,
            (arn) => standinResourceTags(runtime.context, arn),
            (key) => runtime.identities.resolve(key),
            log,
          );
    // What a stand-in does as a service (AgentCore reading an EXTERNAL secret) is decided too.
    if (iam) runtime.authorizeServiceCallsWith((call) => iam.serviceCall(call));
    const front = await startFront({
      motoUrl,
      routes: standinRoutes(),
      runtime,
      health: async () => ({
        moto: await answers(`${motoUrl}/moto-api/`),
        oidc: await answers(`${issuer}/.well-known/openid-configuration`),
      }),
      log,
      ...(iam
        ? { iam }
        : {
            // Nothing evaluated, but functions still run as their roles.
            lambdaCredentials: (name: string, region = 'us-east-1') =>
              functionRoleCredentials(
                new MotoPolicyStore(motoUrl, (arn) => standinResourceTags(runtime.context, arn)),
                name,
                region,
              ),
          }),
    });
    log(`IAM: ${iamMode} (GATEWARDEN_LOCAL_IAM=enforce|audit|off)`);
    closeFront = front.close;
    const state: LocalStackState = {
      pid: process.pid,
      startedAt: new Date().toISOString(),
      endpoint: front.url,
      region: 'us-east-1',
      motoUrl: moto.url,
      motoPid: moto.pid,
      oidcIssuer: oidc.issuer,
      oidcInitialAccessToken: oidc.initialAccessToken,
      logFile: DAEMON_LOG,
    };
    // Written atomically and readable by the owner only (it holds the registration token).
    const temporary = `${STATE_FILE}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
    renameSync(temporary, STATE_FILE);
    log(`front ready at ${front.url}`);
  } catch (error) {
    await shutdown(`start failed: ${error instanceof Error ? error.message : String(error)}`, 1);
  }
}

function removeOwnStateFile(): void {
  try {
    const state = JSON.parse(readFileSync(STATE_FILE, 'utf8')) as { pid?: number };
    if (state.pid === process.pid) rmSync(STATE_FILE, { force: true });
  } catch {
    // No state file, or not ours: nothing to clean.
  }
}

void main();
