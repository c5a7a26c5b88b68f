#!/usr/bin/env node
// Entry point of the `gatewarden` command. The CLI is TypeScript; tsx compiles it on the fly
// so a fresh clone needs no build step. npm scripts and npx put the Node 22 binary of the
// `node` devDependency first on the PATH.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
await main(process.argv);
