import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/** `npm run test:integration -- <pattern>` runs the matching suites only (scripts/jestProject.js). */
describe('npm run test:unit|test:integration -- <pattern>', () => {
  it.each([
    ['integration', 'htmlChromium', ['test/integration/reports/htmlChromium.test.ts']],
    ['unit', 'jestProject', ['test/unit/scripts/jestProject.test.ts']],
  ])('%s with %s lists only %j', async (project, pattern, expected) => {
    // Act
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['scripts/jestProject.js', project, pattern, '--listTests'],
      { cwd: process.cwd() },
    );

    // Assess
    const listed = stdout
      .split('\n')
      .filter((line) => line.endsWith('.test.ts'))
      .map((line) => line.slice(process.cwd().length + 1));
    expect(listed).toEqual(expected);
  });

  it('refuses an unknown project with exit 2', async () => {
    // Act
    const failure = await promisify(execFile)(process.execPath, [
      'scripts/jestProject.js',
      'e2e',
    ]).catch((error: { code?: number; stderr?: string }) => error);

    // Assess
    expect(failure).toMatchObject({ code: 2, stderr: expect.stringContaining('usage:') });
  });
});
