import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import type { RegisterCommand } from './index.js';

export const FORWARDER_DESCRIPTION =
  'Deploy (or print) the stack in us-east-1 that forwards global-service events (IAM, STS, sign-in, Organizations, Account) to a stage deployed in another region';

interface ForwarderFlags {
  stage: string;
  region?: string;
}

/** The stage's region: --region, else the environment's; us-east-1 and bad names refused. */
async function targetOf(flags: ForwarderFlags, command: string) {
  const region = flags.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region)
    throw new UsageError('give --region (the stage’s region) or set AWS_REGION', { command });
  const { checkForwarderTarget } = await import('../../lib/deploy/forwarder.js');
  const target = { stage: flags.stage, region };
  try {
    checkForwarderTarget(target);
  } catch (error) {
    if (error instanceof RangeError) throw new UsageError(error.message, { command });
    throw error;
  }
  return target;
}

async function templateOf(target: { stage: string; region: string }) {
  const [{ forwarderTemplate }, { readDetectRoutes }] = await Promise.all([
    import('../../lib/deploy/forwarder.js'),
    import('../../lib/deploy/detectRoutes.js'),
  ]);
  return forwarderTemplate(target, readDetectRoutes());
}

const options = (command: Command) =>
  command
    .requiredOption('--stage <stage>', 'the stage (stack gatewarden-<stage>) the events go to')
    .option(
      '--region <region>',
      'the region the stage is deployed in (default AWS_REGION); never us-east-1',
    );

export const registerForwarder: RegisterCommand = (program: Command) => {
  const forwarder = program
    .command('forwarder')
    .description(FORWARDER_DESCRIPTION)
    .addHelpText(
      'after',
      '\nIAM, STS global-endpoint, console sign-in, Organizations and Account Management events reach EventBridge only in us-east-1. After `serverless deploy --stage S --region R` (R not us-east-1), `gatewarden forwarder deploy --stage S --region R` puts rules in us-east-1 that send them to the stage bus gatewarden-S in R. The rules are the detect routes of resources/detect-patterns.yml narrowed to those services; run it again after they change. `gatewarden doctor` checks it.',
    );

  options(
    forwarder
      .command('deploy')
      .description('Create or update the stack gatewarden-<stage>-forwarder-<region> in us-east-1'),
  ).action(async (flags: ForwarderFlags) => {
    const target = await targetOf(flags, 'gatewarden forwarder deploy');
    const [{ deployStack }, { forwarderStackName }, { GLOBAL_EVENTS_REGION }] = await Promise.all([
      import('../../lib/aws/forwarderStack.js'),
      import('../../lib/deploy/forwarder.js'),
      import('../../lib/detection/sources.js'),
    ]);
    const stackName = forwarderStackName(target);
    process.stderr.write(`deploying ${stackName} in ${GLOBAL_EVENTS_REGION} …\n`);
    const result = await deployStack({
      stackName,
      region: GLOBAL_EVENTS_REGION,
      template: await templateOf(target),
      tags: { service: 'gatewarden', stage: target.stage, 'gatewarden:forwards-to': target.region },
      ...(process.env.GATEWARDEN_STACK_POLL_MS
        ? { pollMs: Number(process.env.GATEWARDEN_STACK_POLL_MS) }
        : {}),
    });
    process.stdout.write(
      `${result.stackName} ${result.action} in ${result.region} (${result.status}): global-service events go to gatewarden-${target.stage} in ${target.region}\n`,
    );
  });

  options(
    forwarder
      .command('template')
      .description('Print the forwarder’s CloudFormation template (JSON), for review and audit'),
  ).action(async (flags: ForwarderFlags) => {
    const target = await targetOf(flags, 'gatewarden forwarder template');
    process.stdout.write(`${JSON.stringify(await templateOf(target), null, 2)}\n`);
  });
};
