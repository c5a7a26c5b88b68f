// Builds the `gatewarden` CLI ahead of time: one esbuild bundle of cli/main.ts (every command a
// lazily loaded chunk), so a call starts in plain JavaScript instead of compiling TypeScript.
// Plain JS because it runs where TypeScript cannot yet: npm's `prepare` step and jest's global
// setup. `node scripts/buildCli.js` (npm run build:cli) builds; bin/gatewarden.js reads the
// manifest this writes and runs the bundle only while every file in it is unchanged.
//
// Layout (git-ignored): dist/cli/<content hash>/main.js and its chunks, and
// dist/cli/manifest.json naming the current build and the size and mtime of each input.
// Several processes may build at once in one work tree (test runs of several people): each
// builds into a folder of its own, renames it into place, and replaces the manifest atomically.
import { createHash } from 'node:crypto';
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const OUT_DIR = join(ROOT, 'dist', 'cli');
export const MANIFEST = join(OUT_DIR, 'manifest.json');
const ENTRY = 'cli/main.ts';
/** Older builds are kept this long: a running CLI may still load one of their chunks. */
const KEEP_OLD_BUILDS_MS = 60 * 60 * 1000;

const LOADERS = { '.ts': 'ts', '.js': 'js', '.mjs': 'js', '.json': 'json' };

/**
 * Loads the project's own files, for two reasons. Each file's size and mtime are taken before
 * it is read, so an edit made during the build leaves a stamp that no longer matches and the
 * bundle counts as stale. And every chunk sits in the build folder, not beside its source, so
 * `import.meta.url`, `.dirname` and `.filename` are rewritten to name the source file: code that
 * finds the project root or a data file from its own location works the same bundled or not.
 */
function projectFilesPlugin(buildDir, stamps) {
  return {
    name: 'gatewarden-project-files',
    setup(build) {
      build.onLoad({ filter: /\.(ts|js|mjs|json)$/ }, (args) => {
        if (args.path.split(sep).includes('node_modules')) return undefined;
        const stat = statSync(args.path);
        stamps[relative(ROOT, args.path).split(sep).join('/')] = [stat.mtimeMs, stat.size];
        const loader = LOADERS[extname(args.path)];
        const text = readFileSync(args.path, 'utf8');
        if (!text.includes('import.meta')) return { contents: text, loader };
        const fromChunk = relative(buildDir, args.path).split(sep).join('/');
        const url = `new URL(${JSON.stringify(fromChunk)}, import.meta.url)`;
        const contents = text
          .replaceAll('import.meta.url', `${url}.href`)
          .replaceAll('import.meta.filename', `__gwFileURLToPath(${url})`)
          .replaceAll('import.meta.dirname', `__gwDirname(__gwFileURLToPath(${url}))`);
        return { contents, loader };
      });
    },
  };
}

function writeAtomically(file, text) {
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, text);
  renameSync(temp, file);
}

function removeOldBuilds(current) {
  for (const entry of readdirSync(OUT_DIR, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name === current) continue;
    const dir = join(OUT_DIR, entry.name);
    const temp = entry.name.startsWith('.tmp-');
    if (Date.now() - statSync(dir).mtimeMs > (temp ? 10 * 60 * 1000 : KEEP_OLD_BUILDS_MS)) {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

/**
 * Builds the bundle and publishes it; returns the manifest. Without esbuild (a production
 * install) it builds nothing and returns undefined: bin/gatewarden.js then runs the sources.
 */
export async function buildCli() {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    return undefined;
  }
  const startedAt = Date.now();
  const self = relative(ROOT, fileURLToPath(import.meta.url))
    .split(sep)
    .join('/');
  const selfStat = statSync(join(ROOT, self));
  const stamps = { [self]: [selfStat.mtimeMs, selfStat.size] };
  mkdirSync(OUT_DIR, { recursive: true });
  const temp = join(OUT_DIR, `.tmp-${process.pid}-${startedAt}`);
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: { main: ENTRY },
    outdir: temp,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    // Dependencies load from node_modules at run time, as they do from source.
    packages: 'external',
    // Error classes report `new.target.name`: bundling must not rename them.
    keepNames: true,
    metafile: true,
    logLevel: 'silent',
    banner: {
      js: "import { fileURLToPath as __gwFileURLToPath } from 'node:url'; import { dirname as __gwDirname } from 'node:path';",
    },
    plugins: [projectFilesPlugin(temp, stamps)],
  });
  const hash = createHash('sha256');
  for (const file of Object.keys(result.metafile.outputs).sort()) {
    hash.update(file.slice(file.lastIndexOf('/') + 1)).update(readFileSync(join(ROOT, file)));
  }
  const id = hash.digest('hex').slice(0, 16);
  // The same sources give the same folder, so an unchanged tree adds nothing.
  try {
    renameSync(temp, join(OUT_DIR, id));
  } catch {
    rmSync(temp, { recursive: true, force: true });
  }
  const manifest = {
    entry: `${id}/main.js`,
    builtAt: new Date(startedAt).toISOString(),
    inputs: Object.fromEntries(Object.entries(stamps).sort(([a], [b]) => a.localeCompare(b))),
  };
  writeAtomically(MANIFEST, `${JSON.stringify(manifest)}\n`);
  removeOldBuilds(id);
  return manifest;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const started = Date.now();
  const manifest = await buildCli();
  if (manifest === undefined) {
    process.stderr.write('gatewarden: esbuild is not installed; the CLI runs from source\n');
  } else {
    process.stderr.write(
      `gatewarden: CLI built in ${Date.now() - started} ms (dist/cli/${manifest.entry}, ${Object.keys(manifest.inputs).length} inputs)\n`,
    );
  }
}
