// Jest global setup of the unit project (and part of the integration project's): rebuild the
// CLI bundle, so tests that spawn bin/gatewarden.js run the sources as they are now. Should a
// file change later in the run, bin/gatewarden.js sees it and runs the sources instead.
import { buildCli } from '../../scripts/buildCli.js';

export default async function buildCliSetup() {
  try {
    await buildCli();
  } catch (error) {
    // A file that does not compile (someone is editing it) must not stop the whole run: the
    // previous bundle no longer matches the sources, so the CLI runs them through tsx, and
    // only the tests that reach the broken file fail.
    const count = Array.isArray(error?.errors) ? error.errors.length : 1;
    process.stderr.write(
      `\ngatewarden: CLI bundle not rebuilt (${count} esbuild error(s)); tests run the CLI from source\n`,
    );
  }
}
