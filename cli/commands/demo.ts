import type { Command } from 'commander';
import type { RegisterCommand } from './index.js';

/** `gatewarden demo`: the whole product end to end on the embedded local stack. */
export const registerDemo: RegisterCommand = (program: Command) => {
  program
    .command('demo')
    .description(
      'Run gatewarden end to end on the embedded local AWS stack: provision a sample gateway, register and rotate its credentials, replay CloudTrail through detection, produce an access report',
    )
    .addHelpText(
      'after',
      '\nStarts the local stack (or reuses a running one), prints a summary, and stops the stack if it started it (--keep leaves it running with the sample gateway, its registered secrets and the local stage, and prints commands to try).\nFindings, the CloudTrail export, the report and the summary land in --out (default out/demo/). No AWS account is used.',
    )
    .option('--keep', 'leave the local stack running afterwards, to try commands on it')
    .option(
      '--out <dir>',
      'folder for the findings, CloudTrail export, report and summary',
      'out/demo',
    )
    .action(async (options: { out: string; keep?: boolean }) => {
      const { runDemo } = await import('../../scripts/demo/run.js');
      await runDemo({ outDir: options.out, keep: options.keep === true });
    });
};
