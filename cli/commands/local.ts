import type { Command } from 'commander';
import { exportLines, exportsOf } from '../../local/state.js';
import type { RegisterCommand } from './index.js';

const print = (text: string): void => {
  process.stdout.write(`${text}\n`);
};

/**
 * `gatewarden local start|stop|status`: the local AWS stack (moto + stand-in + OpenID Connect
 * provider) behind one endpoint, for the demo and the tests. Exports go to stdout, progress to
 * stderr, so `eval "$(npx gatewarden local start)"` works.
 */
export const registerLocal: RegisterCommand = (program: Command) => {
  const local = program
    .command('local')
    .description(
      'Run the local AWS stack (moto, AgentCore/CloudTrail stand-in, OIDC provider) for the demo and tests',
    );

  local
    .command('start')
    .description(
      'Start the local stack in the background (or reuse a healthy one) and print export lines',
    )
    .option('--json', 'print the environment as JSON instead of export lines')
    .option(
      '--no-deploy',
      'do not deploy the local stage (by default it is deployed from the packaged template, once per stack)',
    )
    .addHelpText(
      'after',
      '\nExample:\n  eval "$(npx gatewarden local start)"   # then any AWS SDK v3 client or the AWS CLI uses it',
    )
    .action(async (options: { json?: boolean; deploy: boolean }) => {
      const { startLocalStack } = await import('../../local/stack.js');
      const { state, reused } = await startLocalStack();
      process.stderr.write(
        `gatewarden: local stack ${reused ? 'already running' : 'started'} at ${state.endpoint} (pid ${state.pid}, log ${state.logFile})\n`,
      );
      const values = exportsOf(state);
      if (options.deploy) {
        Object.assign(process.env, values);
        const { createLocalStage } = await import('../../scripts/localStage.js');
        const { deployed } = await createLocalStage();
        if (!deployed) process.stderr.write('gatewarden: local stage already deployed\n');
      }
      print(options.json ? JSON.stringify(values, null, 2) : exportLines(values));
    });

  local
    .command('deploy')
    .description(
      'Deploy the local stage to the running local stack from the packaged template (serverless deploy --stage local), as on AWS; a no-op when it is deployed',
    )
    .action(async () => {
      const { localStackStatus } = await import('../../local/stack.js');
      const status = await localStackStatus();
      if (!status.state || !status.healthy) {
        process.stderr.write(
          'gatewarden: no healthy local stack: start it first with `eval "$(npx gatewarden local start)"`\n',
        );
        process.exitCode = 1;
        return;
      }
      Object.assign(process.env, exportsOf(status.state));
      const { createLocalStage } = await import('../../scripts/localStage.js');
      const { deployed } = await createLocalStage();
      process.stderr.write(
        deployed
          ? 'gatewarden: local stage deployed (functions run as their roles)\n'
          : 'gatewarden: nothing to deploy: the local stage is already deployed on this stack (its detect rules and trail checked); `local stop` and `local start` for a fresh one\n',
      );
    });

  local
    .command('stop')
    .description('Stop the local stack (moto included); all its state is discarded')
    .action(async () => {
      const { stopLocalStack } = await import('../../local/stack.js');
      const stopped = await stopLocalStack();
      process.stderr.write(
        `gatewarden: ${stopped ? 'local stack stopped' : 'no local stack was running'}\n`,
      );
    });

  local
    .command('status')
    .description('Report whether the local stack is running and healthy (exit 1 when it is not)')
    .option('--json', 'print the status as JSON')
    .action(async (options: { json?: boolean }) => {
      const { localStackStatus } = await import('../../local/stack.js');
      const status = await localStackStatus();
      const up = status.running && status.healthy;
      if (options.json) {
        print(
          JSON.stringify(
            {
              running: status.running,
              healthy: status.healthy,
              ...(status.state
                ? {
                    pid: status.state.pid,
                    startedAt: status.state.startedAt,
                    env: exportsOf(status.state),
                  }
                : {}),
            },
            null,
            2,
          ),
        );
      } else if (status.state) {
        print(
          `local stack ${up ? 'healthy' : 'UNHEALTHY'}: ${status.state.endpoint} (pid ${status.state.pid}, since ${status.state.startedAt})`,
        );
        print(`OpenID Connect issuer: ${status.state.oidcIssuer}`);
        if (!up) {
          print(
            'next: restart it with `npx gatewarden local stop && eval "$(npx gatewarden local start)"`',
          );
        }
      } else {
        print('local stack is not running');
        print('next: `eval "$(npx gatewarden local start)"` starts it and points this shell at it');
      }
      if (!up) process.exitCode = 1;
    });
};
