/**
 * The local stack's IAM evaluator (`@cloud-copilot/iam-simulate`) is AGPL-3.0: it may run in
 * `local/` and tests, never in anything that ships. Bundles each Lambda function as the deploy
 * does (esbuild, every import followed) and reads the CLI bundle the unit setup builds: neither
 * may contain it, nor anything else from `local/`.
 */
import { build } from 'esbuild';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const FORBIDDEN = /@cloud-copilot[\\/]iam-simulate|(^|[\\/])local[\\/]/;

describe('no AGPL evaluator in a shipped bundle', () => {
  const functions = readdirSync(join(ROOT, 'functions')).filter((file) => file.endsWith('.ts'));

  it.each(functions)(
    'functions/%s bundles without it',
    async (file) => {
      // Act
      const result = await build({
        entryPoints: [join(ROOT, 'functions', file)],
        bundle: true,
        platform: 'node',
        format: 'esm',
        write: false,
        metafile: true,
        logLevel: 'silent',
      });
      // Assess
      const inputs = Object.keys(result.metafile.inputs);
      expect(inputs.length).toBeGreaterThan(10);
      expect(inputs.filter((input) => FORBIDDEN.test(input))).toEqual([]);
    },
    60_000,
  );

  it('the CLI bundle does not contain it', () => {
    // Prepare: test/support/buildCli.js built dist/cli/<hash>/main.js before the unit tests
    const folders = readdirSync(join(ROOT, 'dist', 'cli'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
    const bundles = folders.flatMap((folder) =>
      readdirSync(join(ROOT, 'dist', 'cli', folder))
        .filter((file) => file.endsWith('.js'))
        .map((file) => join(ROOT, 'dist', 'cli', folder, file)),
    );
    expect(bundles.length).toBeGreaterThan(0);
    // Assess
    for (const bundle of bundles) {
      const text = readFileSync(bundle, 'utf8');
      expect(text.includes('runSimulation')).toBe(false);
      expect(text.includes('iam-simulate')).toBe(false);
    }
  });

  it('the detector would notice it (the local daemon does bundle it)', async () => {
    const result = await build({
      entryPoints: [join(ROOT, 'local', 'iam', 'enforcer.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    expect(Object.keys(result.metafile.inputs).some((input) => FORBIDDEN.test(input))).toBe(true);
  }, 60_000);
});
