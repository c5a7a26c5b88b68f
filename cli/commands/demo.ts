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
      '\nStarts the local stack (or reuses a running one), prints a summary, and stops the stack if it started it.\nFindings, the CloudTrail export, the report and the summary land in --out (default out/demo/). No AWS account is used.',
    )
    .option(
      '--out <dir>',
      'folder for the findings, CloudTrail export, report and summary',
      'out/demo',
    )
    .action(async (options: { out: string }) => {
      const { runDemo } = await import('../../scripts/demo/run.js');
      await runDemo({ outDir: options.out });
    });
};
