#!/usr/bin/env node
// `npm run test:unit|test:integration -- [jest args]`: one jest project, with the arguments
// npm passes on. `jest --selectProjects integration htmlChromium` would read `htmlChromium` as a
// second project name (the option takes a list), run every suite of the project and ignore the
// pattern; here the project comes last, so a pattern filters as it does for `npm test`.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

const [project, ...args] = process.argv.slice(2);
if (project !== 'unit' && project !== 'integration') {
  console.error('usage: node scripts/jestProject.js unit|integration [jest arguments]');
  process.exit(2);
}
const jest = createRequire(import.meta.url).resolve('jest/bin/jest');
const child = spawn(process.execPath, [jest, ...args, '--selectProjects', project], {
  stdio: 'inherit',
  env: {
    ...process.env,
    NODE_OPTIONS: [
      process.env.NODE_OPTIONS,
      '--experimental-vm-modules',
      '--disable-warning=ExperimentalWarning',
    ]
      .filter(Boolean)
      .join(' '),
  },
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
