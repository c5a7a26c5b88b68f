import path from 'node:path';
import { packagedTemplate, type CfnTemplate } from './packagedTemplate.js';
import { ZipFile } from './zip.js';

// Prepare: the package of this run (shared with template.test.ts through the input-hash cache).
let dir: string;
let template: CfnTemplate;

beforeAll(async () => {
  ({ dir, template } = await packagedTemplate());
}, 300_000);

const FUNCTIONS = ['rotate', 'rotateNow', 'detect', 'report'];

describe('function bundles', () => {
  it.each(FUNCTIONS)('%s.zip holds one ESM bundle (.mjs) and its source map', async (name) => {
    const zip = await ZipFile.open(path.join(dir, `${name}.zip`));
    const code = zip.names().filter((n) => n.startsWith('functions/'));
    expect(code.sort()).toEqual([`functions/${name}.mjs`, `functions/${name}.mjs.map`]);
    const bundle = zip.text(`functions/${name}.mjs`);
    // ESM with the require() shim for bundled CommonJS code, and the handler exported.
    expect(bundle).toMatch(/^import \{ createRequire as __gwCreateRequire \} from 'node:module';/);
    expect(bundle).toMatch(/export\{[^}]*\bas handler\b[^}]*\}/);
  });

  it.each(['rotate', 'rotateNow', 'detect'])(
    '%s.zip ships no node_modules (everything is bundled)',
    async (name) => {
      const zip = await ZipFile.open(path.join(dir, `${name}.zip`));
      expect(zip.names().filter((n) => n.startsWith('node_modules/'))).toEqual([]);
    },
  );

  it.each(FUNCTIONS)('%s reads the IAM catalog only if it ships it', async (name) => {
    const zip = await ZipFile.open(path.join(dir, `${name}.zip`));
    const readsCatalog = zip.text(`functions/${name}.mjs`).includes('IAM_DATA_ROOT');
    const shipsCatalog = zip.names().some((n) => n.endsWith('iam-data/data/serviceNames.json'));
    expect({ name, readsCatalog }).toEqual({ name, readsCatalog: shipsCatalog });
  });

  it('report.zip ships the IAM action catalog where IAM_DATA_ROOT points', async () => {
    const zip = await ZipFile.open(path.join(dir, 'report.zip'));
    const env = (
      template.Resources.ReportLambdaFunction?.Properties as {
        Environment: { Variables: Record<string, string> };
      }
    ).Environment.Variables;
    const root = env.IAM_DATA_ROOT ?? '';
    expect(root.startsWith('/var/task/')).toBe(true);
    const inZip = `${root.slice('/var/task/'.length)}/data/`;
    const catalog = zip.names().filter((n) => n.startsWith(inZip));
    expect(catalog).toContain(`${inZip}serviceNames.json`);
    expect(catalog).toContain(`${inZip}actions/bedrock-agentcore.json`);
    expect(JSON.parse(zip.text(`${inZip}serviceNames.json`))).toHaveProperty(['iam']);
    // The bundled catalog reader takes its root from the environment (esbuild define).
    expect(zip.text('functions/report.mjs')).toContain('process.env?.IAM_DATA_ROOT');
  });
});
