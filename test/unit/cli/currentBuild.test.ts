import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { currentBuild } from '../../../bin/currentBuild.js';
import { buildCli, OUT_DIR, ROOT } from '../../../scripts/buildCli.js';

/**
 * bin/gatewarden.js runs the bundle only while every input it was built from is unchanged;
 * otherwise the sources, so nobody (tests included) ever runs an outdated CLI.
 */

function project(): { root: string; manifest: (inputs: Record<string, [number, number]>) => void } {
  const root = mkdtempSync(join(tmpdir(), 'gw-build-'));
  mkdirSync(join(root, 'dist/cli/abc'), { recursive: true });
  mkdirSync(join(root, 'cli'));
  writeFileSync(join(root, 'cli/main.ts'), 'export {};\n');
  utimesSync(join(root, 'cli/main.ts'), 1_000, 1_000);
  return {
    root,
    manifest: (inputs) =>
      writeFileSync(
        join(root, 'dist/cli/manifest.json'),
        JSON.stringify({ entry: 'abc/main.js', builtAt: '', inputs }),
      ),
  };
}

describe('currentBuild', () => {
  it('runs the bundle while its inputs are unchanged', () => {
    // Prepare
    const { root, manifest } = project();
    manifest({ 'cli/main.ts': [1_000_000, 11] });

    // Act / Assess
    expect(currentBuild(root)).toEqual({ entry: join(root, 'dist/cli/abc/main.js') });
  });

  it.each([
    [
      'an input was edited',
      (root: string) => writeFileSync(join(root, 'cli/main.ts'), 'export {};\n'),
      'cli/main.ts changed since the build',
    ],
    [
      'an input was touched',
      (root: string) => utimesSync(join(root, 'cli/main.ts'), 2_000, 2_000),
      'cli/main.ts changed since the build',
    ],
    [
      'an input was removed',
      (root: string) => rmSync(join(root, 'cli/main.ts')),
      'cli/main.ts changed since the build',
    ],
    [
      'there is no build',
      (root: string) => rmSync(join(root, 'dist'), { recursive: true }),
      'not built',
    ],
  ])('runs the sources when %s', (_case, change, why) => {
    // Prepare
    const { root, manifest } = project();
    manifest({ 'cli/main.ts': [1_000_000, 11] });

    // Act
    change(root);

    // Assess
    expect(currentBuild(root)).toEqual({ stale: why });
  });
});

describe('buildCli', () => {
  let entry: string;
  beforeAll(async () => {
    const manifest = await buildCli();
    if (manifest === undefined) throw new Error('esbuild is a devDependency: it must build');
    entry = join(OUT_DIR, manifest.entry);
  });

  it('lists the sources it bundled, itself included', async () => {
    // Act
    const manifest = JSON.parse(readFileSync(join(OUT_DIR, 'manifest.json'), 'utf8')) as {
      inputs: Record<string, [number, number]>;
    };

    // Assess
    expect(Object.keys(manifest.inputs)).toEqual(
      expect.arrayContaining(['cli/main.ts', 'cli/failure.ts', 'scripts/buildCli.js']),
    );
    expect(Object.keys(manifest.inputs).some((input) => input.includes('node_modules'))).toBe(
      false,
    );
  });

  it('points every rewritten import.meta at the source file it came from', () => {
    // Prepare
    const dir = dirname(entry);
    const rewritten: string[] = [];

    // Act
    for (const file of readdirSync(dir).filter((name) => name.endsWith('.js'))) {
      const text = readFileSync(join(dir, file), 'utf8');
      for (const [, relative = ''] of text.matchAll(/new URL\("([^"]+)", import\.meta\.url\)/g)) {
        rewritten.push(fileURLToPath(new URL(relative, pathToFileURL(join(dir, file)))));
      }
    }

    // Assess: local/paths.ts finds the project root from its own location
    expect(rewritten).toContain(join(ROOT, 'local/paths.ts'));
    for (const source of rewritten) expect(existsSync(source)).toBe(true);
  });

  it('runs from the bundle itself', async () => {
    // Act: the bundle's main, whatever changed in the work tree since
    const run = await promisify(execFile)(process.execPath, [
      '--input-type=module',
      '-e',
      `const { main } = await import(${JSON.stringify(pathToFileURL(entry).href)}); await main(['node', 'gatewarden', '--help']);`,
    ]);

    // Assess
    expect(run.stdout).toMatch(/Commands:[\s\S]*register/);
  });
});
