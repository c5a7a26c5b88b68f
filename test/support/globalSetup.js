// Jest global setup of the integration project: rebuild the CLI bundle, start the local stack
// once per run (or reuse a healthy running one) and hand its environment to the test workers
// through process.env. The stack enforces IAM (GATEWARDEN_LOCAL_IAM, `enforce` unless set to
// `audit` or `off` to debug); a reused stack running another mode than asked fails the run.
import buildCliSetup from './buildCli.js';
import { openSpares, sparesWanted, startSpare } from './spareStacks.js';
import { gatewarden, markStartedByTests, readStackState, takeLease } from './stackLease.js';

/** The mode the suite runs the stack in: `enforce`, the only one CI uses. */
export function requestedIamMode() {
  return process.env.GATEWARDEN_LOCAL_IAM || 'enforce';
}

export default async function globalSetup() {
  await buildCliSetup();
  const before = readStackState();
  takeLease();
  process.env.GATEWARDEN_LOCAL_IAM = requestedIamMode();
  const env = JSON.parse(gatewarden(['start', '--json']));
  const state = readStackState();
  if (!state) throw new Error('the local stack started but wrote no state file');
  if (!before || before.pid !== state.pid) markStartedByTests(state.pid);
  // The run starts with no denial on record: iamDenials.ts fails each test that leaves one.
  // Not on a stack handed to the role tests (npm run mutate:roles): they clear it themselves
  // before each test, and the runner starts the next run while one tests there, whose
  // refusals this would wipe before that test checked them.
  const roleTestsStack = Boolean(process.env.GATEWARDEN_ROLE_TESTS_STATE_DIR);
  const answer = await fetch(`${state.endpoint}/_gatewarden/iam/denials`, {
    method: roleTestsStack ? 'GET' : 'DELETE',
  });
  const { mode } = await answer.json();
  if (mode !== process.env.GATEWARDEN_LOCAL_IAM) {
    throw new Error(
      `the running local stack enforces IAM in mode ${mode}, this run asked for ${process.env.GATEWARDEN_LOCAL_IAM}: stop it (gatewarden local stop) or set GATEWARDEN_LOCAL_IAM=${mode}`,
    );
  }
  Object.assign(process.env, env, {
    // Not printed anywhere: the bearer token for Dynamic Client Registration at <issuer>/reg.
    GATEWARDEN_LOCAL_OIDC_INITIAL_ACCESS_TOKEN: state.oidcInitialAccessToken,
    // Where test/support/iamDenials.ts reads the denials after each test. Not when the run is
    // the role tests on a stack handed to them (npm run mutate:roles): that stack is theirs,
    // they provoke refusals on purpose and check its denials themselves (expectNoDenials).
    ...(mode === 'off' || roleTestsStack ? {} : { GATEWARDEN_TEST_IAM_ENDPOINT: state.endpoint }),
  });
  // An unimplemented moto operation answers 500: fail fast instead of retrying.
  process.env.GATEWARDEN_AWS_MAX_ATTEMPTS ??= '1';
  // CI: the first enforcing stack for the files that need one of their own, started now
  // (spareStacks.js). Not for the role tests on a stack handed to them: they start none.
  if (sparesWanted() && !roleTestsStack) {
    openSpares();
    startSpare(process.env, 'enforce');
  }
}
