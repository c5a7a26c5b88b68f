import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import type { RegisterCommand } from './index.js';

export const DEPLOY_POLICY_DESCRIPTION =
  'Print the IAM policy the person or pipeline running `serverless deploy` and `remove` needs for a stage, generated from the template';

interface DeployPolicyFlags {
  stage: string;
  region?: string;
  account?: string;
}

export const registerDeployPolicy: RegisterCommand = (program: Command) => {
  program
    .command('deploy-policy')
    .description(DEPLOY_POLICY_DESCRIPTION)
    .requiredOption('--stage <stage>', 'the stage to deploy (stack gatewarden-<stage>)')
    .option('--region <region>', 'the region (default AWS_REGION)')
    .option(
      '--account <id>',
      'the 12-digit account (default: the account of your credentials, one sts:GetCallerIdentity)',
    )
    .addHelpText(
      'after',
      '\nThe actions come from the CloudFormation resource schemas of every resource type in the template (their create, read, update and delete handlers); the stack, the deployment bucket and the roles are scoped to the stage. Attach the document to the deploying role; `gatewarden doctor` checks the rights of the commands after deploy.',
    )
    .action(async (flags: DeployPolicyFlags) => {
      const command = 'gatewarden deploy-policy';
      const region = flags.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
      if (!region) throw new UsageError('give --region or set AWS_REGION', { command });
      const account = flags.account ?? (await callerAccount());
      const { deployPolicy } = await import('../../lib/deploy/policy.js');
      let document;
      try {
        document = deployPolicy({ stage: flags.stage, region, account });
      } catch (error) {
        if (error instanceof RangeError) throw new UsageError(error.message, { command });
        throw error;
      }
      process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
    });
};

async function callerAccount(): Promise<string> {
  const { STSClient, GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
  const { clientConfig } = await import('../../lib/aws/clients.js');
  const out = await new STSClient(clientConfig()).send(new GetCallerIdentityCommand({}));
  return out.Account ?? '';
}
