// Jest global setup of the unit project (and part of the integration project's): rebuild the
// CLI bundle, so tests that spawn bin/gatewarden.js run the sources as they are now. Should a
// file change later in the run, bin/gatewarden.js sees it and runs the sources instead.
import { buildCli } from '../../scripts/buildCli.js';

export default async function buildCliSetup() {
  await buildCli();
}
