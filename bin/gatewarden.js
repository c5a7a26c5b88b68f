#!/usr/bin/env node
// Entry point of the `gatewarden` command. It runs the JavaScript bundle built ahead of time
// (scripts/buildCli.js, on `npm ci` and at the start of every test run) while that bundle
// matches the sources; after an edit it runs the TypeScript sources through tsx, slower but
// never out of date. npm scripts and npx put the Node 22 binary of the `node` devDependency
// first on the PATH.
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { currentBuild } from './currentBuild.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const build =
  process.env.GATEWARDEN_CLI_FROM_SOURCE === '1' ? { stale: 'asked' } : currentBuild(root);
let main;
if (build.entry !== undefined) {
  ({ main } = await import(pathToFileURL(build.entry).href));
} else {
  if (process.stderr.isTTY && build.stale !== 'asked') {
    process.stderr.write(
      `gatewarden: running from source (${build.stale}); \`npm run build:cli\` makes it start fast\n`,
    );
  }
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../cli/main.ts'));
}
await main(process.argv);
