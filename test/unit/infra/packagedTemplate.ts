import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Repository root (tests run with it as the working directory). */
export const ROOT = process.cwd();

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
  /** Directory holding the template and the function zips. */
  dir: string;
  /** Wall time of `serverless package`, or 0 when an identical package was reused. */
  packageMs: number;
}

/** Everything that feeds `serverless package`: config, resources, handlers and their code. */
const INPUTS = ['serverless.yml', 'package-lock.json', 'resources', 'functions', 'lib'];

async function listFiles(entry: string): Promise<string[]> {
  const full = path.join(ROOT, entry);
  if (!existsSync(full)) return [];
  if ((await stat(full)).isFile()) return [entry];
  const dirents = await readdir(full, { withFileTypes: true, recursive: true });
  return dirents
    .filter((d) => d.isFile())
    .map((d) => path.relative(ROOT, path.join(d.parentPath, d.name)))
    .sort();
}

async function inputHash(): Promise<string> {
  const hash = createHash('sha256');
  for (const entry of INPUTS) {
    for (const file of await listFiles(entry)) {
      hash.update(file).update('\0');
      hash.update(await readFile(path.join(ROOT, file))).update('\0');
    }
  }
  return hash.digest('hex').slice(0, 16);
}

/** The environment without any AWS setting: packaging must need no credentials. */
export function envWithoutAws(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('AWS_')));
}

let pending: Promise<PackageResult> | undefined;

/**
 * Runs `serverless package --stage ci` once per distinct set of inputs (cached under the OS
 * temp dir, keyed by a hash of every input file) and returns the parsed template. The run
 * gets no AWS variables at all, so a template here proves packaging works without credentials.
 */
export function packagedTemplate(): Promise<PackageResult> {
  pending ??= build();
  return pending;
}

async function build(): Promise<PackageResult> {
  const dir = path.join(tmpdir(), `gatewarden-package-${await inputHash()}`);
  const templateFile = path.join(dir, 'cloudformation-template-update-stack.json');
  let packageMs = 0;
  if (!existsSync(templateFile)) {
    const partial = `${dir}.partial-${process.pid}`;
    const workDir = `.esbuild/test-${process.pid}`;
    await rm(partial, { recursive: true, force: true });
    await mkdir(path.dirname(partial), { recursive: true });
    const started = performance.now();
    try {
      await run(
        path.join(ROOT, 'node_modules/.bin/serverless'),
        ['package', '--stage', 'ci', '--package', partial],
        {
          cwd: ROOT,
          env: { ...envWithoutAws(), GATEWARDEN_ESBUILD_WORK_DIR: workDir },
          maxBuffer: 16 * 1024 * 1024,
        },
      );
    } catch (error) {
      const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
      throw new Error(`serverless package failed:\n${stdout}\n${stderr}`);
    } finally {
      await rm(path.join(ROOT, workDir), { recursive: true, force: true });
    }
    packageMs = Math.round(performance.now() - started);
    await rm(dir, { recursive: true, force: true });
    await rename(partial, dir);
    await pruneOldPackages(dir);
  }
  const template = JSON.parse(await readFile(templateFile, 'utf8')) as CfnTemplate;
  return { template, dir, packageMs };
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

/** Resources of one CloudFormation type, by logical id. */
export function resourcesOfType(template: CfnTemplate, type: string): [string, CfnResource][] {
  return Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
}
