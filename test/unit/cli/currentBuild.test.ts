import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { currentBuild } from '../../../bin/currentBuild.js';

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
