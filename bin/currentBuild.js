// Which build of the CLI to run: the bundle scripts/buildCli.js wrote, while it is current.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The bundle's entry file when dist/cli/manifest.json exists and every input it lists still has
 * the size and mtime it had when esbuild read it; otherwise undefined and why (the caller runs
 * the TypeScript sources instead). Costs one small read and a stat per input (~200).
 */
export function currentBuild(root) {
  const dir = join(root, 'dist', 'cli');
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  } catch {
    return { stale: 'not built' };
  }
  for (const [input, [mtimeMs, size]] of Object.entries(manifest.inputs ?? {})) {
    const stat = statSync(join(root, input), { throwIfNoEntry: false });
    if (stat === undefined || stat.mtimeMs !== mtimeMs || stat.size !== size) {
      return { stale: `${input} changed since the build` };
    }
  }
  if (typeof manifest.entry !== 'string') return { stale: 'not built' };
  return { entry: join(dir, manifest.entry) };
}
