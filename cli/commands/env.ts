import type { Command } from 'commander';
import { exportLines } from '../../local/state.js';
import { CliError, UsageError } from '../errors.js';
import type { RegisterCommand } from './index.js';

export const ENV_DESCRIPTION =
  'Print the GATEWARDEN_* variables of a deployed stage (from its stack outputs) as export lines: eval "$(npx gatewarden env --stage prod)"';

interface EnvFlags {
  stage: string;
  json?: boolean;
}

const STAGE = /^[A-Za-z0-9-]{1,32}$/;

export const registerEnv: RegisterCommand = (program: Command) => {
  program
    .command('env')
    .description(ENV_DESCRIPTION)
    .requiredOption('--stage <stage>', 'the deployed stage (stack gatewarden-<stage>)')
    .option('--json', 'print the variables as one JSON object')
    .addHelpText(
      'after',
      "\nThe region is the shell's (AWS_REGION or the profile's); it is printed too. Read-only: one cloudformation:DescribeStacks.",
    )
    .action(async (flags: EnvFlags) => {
      if (!STAGE.test(flags.stage)) {
        throw new UsageError('--stage takes letters, digits and dashes (at most 32)', {
          command: 'gatewarden env',
        });
      }
      const { stackOutputs } = await import('../../lib/aws/stackOutputs.js');
      const { REQUIRED_OUTPUTS, stackNameOf, stageEnv } =
        await import('../../lib/deploy/stageEnv.js');
      const stack = stackNameOf(flags.stage);
      const { region, outputs } = await stackOutputs(stack);
      if (outputs === undefined) {
        throw new StageNotDeployedError(
          `stack ${stack} does not exist in region ${region}: deploy it (npx serverless deploy --stage ${flags.stage} --region ${region}) or set AWS_REGION to where it is`,
        );
      }
      const missing = REQUIRED_OUTPUTS.filter((key) => outputs[key] === undefined);
      if (missing.length > 0) {
        throw new StageNotDeployedError(
          `stack ${stack} lacks the outputs ${missing.join(', ')}: is it a gatewarden stage, and did its deploy finish?`,
        );
      }
      const env = stageEnv(flags.stage, region, outputs);
      process.stdout.write(
        flags.json ? `${JSON.stringify(env, null, 2)}\n` : `${exportLines(env)}\n`,
      );
    });
};

/** The stage's stack is missing or is not a gatewarden stack: exit 1, with what to do. */
class StageNotDeployedError extends CliError {}
