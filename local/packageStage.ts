/**
 * `serverless package --stage <stage>` once per distinct set of inputs, cached under the OS temp
 * dir (keyed by a hash of every input file, the stage, the region and the params given on the
 * command line; the local stage's package names a stand-in for the stack's endpoint, which the
 * deploy replaces). Used by the infrastructure tests (stage ci, no AWS variables at all: proof
 * that packaging needs no credentials) and by the local deploy (stage local). Each run packages
 * in a folder and an esbuild work dir of its own, and holds the tree's serverless lock while the
 * framework runs (it works through the tree's `.serverless/` whatever `--package` says).
 * TEST/DEMO COMPONENT — local stack and tests only.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { LocalDeployError } from './deployError.js';
import { PROJECT_ROOT } from './paths.js';
import { withServerlessLock } from './serverlessLock.js';

const run = promisify(execFile);

/** The parts of a CloudFormation template the infrastructure tests read. */
export interface CfnResource {
  Type: string;
  Condition?: string;
  DependsOn?: string | string[];
  DeletionPolicy?: string;
  Properties?: Record<string, unknown>;
}

export interface CfnTemplate {
  Parameters?: Record<string, { Default?: unknown }>;
  Conditions?: Record<string, unknown>;
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, { Value: unknown }>;
}

export interface PackageResult {
  template: CfnTemplate;
  /** Directory holding the template and the function zips (`serverless deploy --package`). */
  dir: string;
  /** Wall time of `serverless package`, or 0 when an identical package was reused. */
  packageMs: number;
}

/** Everything that feeds `serverless package`: config, resources, handlers and their code. */
const INPUTS = [
  'serverless.yml',
  'package-lock.json',
  'resources',
  'functions',
  'lib',
  // The framework plugins of this repository (serverless.yml `plugins`, custom.esbuild.plugins).
  'scripts/memberCodePlugin.cjs',
  'scripts/esbuildPlugins.cjs',
];

async function listFiles(entry: string): Promise<string[]> {
  const full = path.join(PROJECT_ROOT, entry);
  if (!existsSync(full)) return [];
  if ((await stat(full)).isFile()) return [entry];
  const dirents = await readdir(full, { withFileTypes: true, recursive: true });
  return dirents
    .filter((d) => d.isFile())
    .map((d) => path.relative(PROJECT_ROOT, path.join(d.parentPath, d.name)))
    .sort();
}

async function inputHash(
  stage: string,
  env: NodeJS.ProcessEnv,
  params: StageParams,
  region?: string,
): Promise<string> {
  const hash = createHash('sha256').update(stage).update('\0');
  // A package for another region than the default one (us-east-1) is another package.
  if (region) hash.update(`region=${region}`).update('\0');
  for (const arg of paramArgs(params)) hash.update(arg).update('\0');
  for (const entry of INPUTS) {
    for (const file of await listFiles(entry)) {
      hash.update(file).update('\0');
      hash.update(await readFile(path.join(PROJECT_ROOT, file))).update('\0');
    }
  }
  return hash.digest('hex').slice(0, 16);
}

/** The environment without any AWS setting: packaging must need no credentials. */
export function envWithoutAws(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('AWS_')));
}

const pending = new Map<string, Promise<PackageResult>>();

/** serverless params set on the command line (`--param key=value`), over serverless.yml's. */
export type StageParams = Readonly<Record<string, string>>;

/** `--param key=value` arguments, in a stable order. */
export function paramArgs(params: StageParams): string[] {
  return Object.keys(params)
    .sort()
    .map((key) => `--param=${key}=${params[key] ?? ''}`);
}

/**
 * What a package of the local stage names where the stack's endpoint goes (its params name it:
 * the dead-letter queue URL); the deploy puts the stack's own endpoint in (local/deploy.ts
 * {@link withEndpoint}). So one package serves every local stack, whatever port it listens on:
 * each test file that starts a stack of its own no longer packages the stage again.
 */
export const LOCAL_ENDPOINT = 'http://local-endpoint.gatewarden.invalid';

/** `env` and `params` with the stack's endpoint (AWS_ENDPOINT_URL) as {@link LOCAL_ENDPOINT}. */
function endpointLeftOut(
  env: NodeJS.ProcessEnv,
  params: StageParams,
): { env: NodeJS.ProcessEnv; params: StageParams } {
  const endpoint = env.AWS_ENDPOINT_URL;
  if (!endpoint) return { env, params };
  return {
    env: { ...env, AWS_ENDPOINT_URL: LOCAL_ENDPOINT },
    params: Object.fromEntries(
      Object.entries(params).map(([key, value]) => [
        key,
        value.replaceAll(endpoint, LOCAL_ENDPOINT),
      ]),
    ),
  };
}

/** A packaged file's text with the stack's endpoint where {@link LOCAL_ENDPOINT} stands. */
export function withEndpoint(text: string, endpoint: string): string {
  return text.replaceAll(LOCAL_ENDPOINT, endpoint);
}

/**
 * The packaged stage (template parsed), built once per inputs. For the local stage, the
 * endpoint is {@link LOCAL_ENDPOINT} (see there). `env` is what the framework
 * runs with (default: no AWS variables); `params` override serverless.yml's for this package.
 */
export function packageStage(
  stage: string,
  env: NodeJS.ProcessEnv = envWithoutAws(),
  params: StageParams = {},
  region?: string,
): Promise<PackageResult> {
  if (stage === 'local') ({ env, params } = endpointLeftOut(env, params));
  const key = [stage, region ?? '', ...paramArgs(params)].join('|');
  let hit = pending.get(key);
  if (!hit) {
    hit = build(stage, env, params, region);
    pending.set(key, hit);
    hit.catch(() => pending.delete(key));
  }
  return hit;
}

async function build(
  stage: string,
  env: NodeJS.ProcessEnv,
  params: StageParams,
  region?: string,
): Promise<PackageResult> {
  const hash = await inputHash(stage, env, params, region);
  const dir = path.join(tmpdir(), `gatewarden-package-${stage}-${hash}`);
  const templateFile = path.join(dir, 'cloudformation-template-update-stack.json');
  let packageMs = 0;
  if (!existsSync(templateFile)) {
    const partial = `${dir}.partial-${process.pid}-${Date.now()}`;
    const workDir = `.esbuild/package-${process.pid}-${Date.now()}`;
    await rm(partial, { recursive: true, force: true });
    await mkdir(path.dirname(partial), { recursive: true });
    const started = performance.now();
    try {
      // One serverless run at a time in this tree (see serverlessLock.ts).
      await withServerlessLock(() =>
        run(
          path.join(PROJECT_ROOT, 'node_modules/.bin/serverless'),
          [
            'package',
            '--stage',
            stage,
            ...(region ? ['--region', region] : []),
            '--package',
            partial,
            ...paramArgs(params),
          ],
          {
            cwd: PROJECT_ROOT,
            // PWD: the project, as when the framework runs from a shell there.
            env: {
              ...env,
              PWD: PROJECT_ROOT,
              GATEWARDEN_ESBUILD_WORK_DIR: workDir,
              SLS_TELEMETRY_DISABLED: '1',
            },
            maxBuffer: 16 * 1024 * 1024,
          },
        ),
      );
    } catch (error) {
      const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
      throw new LocalDeployError(
        `serverless package --stage ${stage} failed:\n${stdout}\n${stderr}`,
      );
    } finally {
      await rm(path.join(PROJECT_ROOT, workDir), { recursive: true, force: true });
    }
    packageMs = Math.round(performance.now() - started);
    await pointArtifactsAt(partial, dir);
    if (!existsSync(templateFile)) {
      await rm(dir, { recursive: true, force: true });
      await rename(partial, dir).catch(async (error: unknown) => {
        // Another run finished the same package first: use it.
        if (!existsSync(templateFile)) throw error;
        await rm(partial, { recursive: true, force: true });
      });
    } else {
      await rm(partial, { recursive: true, force: true });
    }
    await pruneOldPackages(dir);
  } else {
    // Reused: mark it in use, so no other run's pruning takes it away meanwhile.
    const now = new Date();
    await utimes(dir, now, now).catch(() => undefined);
  }
  const template = JSON.parse(await readFile(templateFile, 'utf8')) as CfnTemplate;
  return { template, dir, packageMs };
}

/**
 * serverless-esbuild records each function's artifact as `.serverless/<fn>.zip` whatever
 * `--package` says, so `serverless deploy --package` would read `.serverless/` (or fail when it
 * is empty): the state names the zips where they are.
 */
async function pointArtifactsAt(partial: string, dir: string): Promise<void> {
  const stateFile = path.join(partial, 'serverless-state.json');
  if (!existsSync(stateFile)) return;
  const text = await readFile(stateFile, 'utf8');
  const fixed = text.replace(
    /"artifact":\s*"\.serverless\/([^"]+)"/g,
    (_, file: string) => `"artifact": ${JSON.stringify(path.join(dir, file))}`,
  );
  await writeFile(stateFile, fixed);
}

/** Removes packages of earlier inputs (older than ten minutes, so none still in use). */
async function pruneOldPackages(keep: string): Promise<void> {
  const cutoff = Date.now() - 10 * 60_000;
  for (const name of await readdir(tmpdir())) {
    const full = path.join(tmpdir(), name);
    if (!name.startsWith('gatewarden-package-') || full === keep) continue;
    const info = await stat(full).catch(() => undefined);
    if (info && info.mtimeMs < cutoff) await rm(full, { recursive: true, force: true });
  }
}
