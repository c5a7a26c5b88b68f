import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { answers, freePort, waitUntil } from './net.js';
import { PROJECT_ROOT, STATE_FILE } from './paths.js';
import type { PythonEnv } from './venv.js';

export interface MotoServer {
  url: string;
  port: number;
  pid: number;
  /** Resolves when moto exits, with its exit code or signal. */
  exited: Promise<string>;
  /** SIGTERM, then SIGKILL after a grace period; resolves once moto is gone. */
  stop(): Promise<void>;
}

/**
 * Starts moto in server mode on a free loopback port, through a launcher that exits when this
 * process goes away (see motoLauncher.py), and waits until it answers HTTP.
 */
export async function startMoto(env: PythonEnv, logFile: string): Promise<MotoServer> {
  const port = await freePort();
  const log = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(env.python, [join(PROJECT_ROOT, 'local', 'motoLauncher.py'), String(port)], {
      stdio: ['pipe', log, log],
      env: {
        ...process.env,
        // The report and the demo need AWS managed policies (ReadOnlyAccess etc.) to exist.
        // Off only for a stack of many accounts (bench/orgFanOutLocal.ts): moto loads them into
        // each account's IAM (seconds an account) and answers them all to every
        // GetAccountAuthorizationDetails (~15 s a call).
        MOTO_IAM_LOAD_MANAGED_POLICIES:
          process.env.GATEWARDEN_LOCAL_MANAGED_POLICIES === 'false' ? 'false' : 'true',
        PYTHONUNBUFFERED: '1',
        // Where the front's URL is, once it runs: event-bus targets with a role are delivered
        // through it (motoLauncher.py, standin/ruleDelivery.ts).
        GATEWARDEN_LOCAL_STATE_FILE: STATE_FILE,
      },
    });
  } finally {
    closeSync(log);
  }
  const pid = child.pid;
  if (pid === undefined) throw new Error('moto did not start (no pid)');
  const exited = new Promise<string>((resolvePromise) =>
    child.once('exit', (code, signal) => resolvePromise(signal ?? `exit ${code}`)),
  );
  let gone = false;
  void exited.then(() => (gone = true));
  const url = `http://127.0.0.1:${port}`;

  const stop = async (): Promise<void> => {
    if (gone) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
    await exited;
    clearTimeout(timer);
  };

  const healthy = await Promise.race([
    waitUntil(() => answers(`${url}/moto-api/`), 30_000),
    exited.then(() => false),
  ]);
  if (!healthy) {
    await stop();
    throw new Error(`moto did not become healthy on port ${port} (see ${logFile})`);
  }
  return { url, port, pid, exited, stop };
}
