// Jest global setup of the integration project: rebuild the CLI bundle, start the local stack
// once per run (or reuse a healthy running one) and hand its environment to the test workers
// through process.env.
import buildCliSetup from './buildCli.js';
import { gatewarden, markStartedByTests, readStackState, takeLease } from './stackLease.js';

export default async function globalSetup() {
  await buildCliSetup();
  const before = readStackState();
  takeLease();
  const env = JSON.parse(gatewarden(['start', '--json']));
  const state = readStackState();
  if (!state) throw new Error('the local stack started but wrote no state file');
  if (!before || before.pid !== state.pid) markStartedByTests(state.pid);
  Object.assign(process.env, env, {
    // Not printed anywhere: the bearer token for Dynamic Client Registration at <issuer>/reg.
    GATEWARDEN_LOCAL_OIDC_INITIAL_ACCESS_TOKEN: state.oidcInitialAccessToken,
  });
  // An unimplemented moto operation answers 500: fail fast instead of retrying.
  process.env.GATEWARDEN_AWS_MAX_ATTEMPTS ??= '1';
}
