import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { clientConfig } from './clients.js';

/** A stack's outputs by key (undefined: no such stack), and the region the client asked. */
export async function stackOutputs(
  stackName: string,
  client: CloudFormationClient = new CloudFormationClient(clientConfig()),
): Promise<{ region: string; outputs: Record<string, string> | undefined }> {
  const region = await client.config.region();
  return { region, outputs: await outputsOf(client, stackName) };
}

async function outputsOf(
  client: CloudFormationClient,
  stackName: string,
): Promise<Record<string, string> | undefined> {
  try {
    const out = await client.send(new DescribeStacksCommand({ StackName: stackName }));
    const stack = out.Stacks?.[0];
    if (!stack) return undefined;
    return Object.fromEntries(
      (stack.Outputs ?? [])
        .filter((o) => o.OutputKey !== undefined && o.OutputValue !== undefined)
        .map((o) => [o.OutputKey as string, o.OutputValue as string]),
    );
  } catch (error) {
    // CloudFormation answers a missing stack with a ValidationError naming it.
    const { name, message } = error as { name?: string; message?: string };
    if (name === 'ValidationError' && /does not exist/.test(message ?? '')) return undefined;
    throw error;
  }
}
