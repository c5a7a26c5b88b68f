import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStacksCommand,
  UpdateStackCommand,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import { clientConfig } from './clients.js';

/** What deploying the forwarder's stack did. */
export interface StackDeployResult {
  stackName: string;
  region: string;
  action: 'created' | 'updated' | 'unchanged';
  status: string;
}

export interface StackDeployInput {
  stackName: string;
  region: string;
  template: Record<string, unknown>;
  tags: Record<string, string>;
  /** Polling interval while CloudFormation works (ms). */
  pollMs?: number;
}

/**
 * Creates the stack, or updates it when it exists, and waits until CloudFormation is done.
 * Throws with the stack's status reason when it ends anywhere but *_COMPLETE.
 */
export async function deployStack(input: StackDeployInput): Promise<StackDeployResult> {
  const client = new CloudFormationClient(clientConfig({ region: input.region }));
  const common = {
    StackName: input.stackName,
    TemplateBody: JSON.stringify(input.template),
    // The stack creates one named IAM role (the forwarder's).
    Capabilities: ['CAPABILITY_NAMED_IAM' as const],
    Tags: Object.entries(input.tags).map(([Key, Value]) => ({ Key, Value })),
  };
  const existing = await describe(client, input.stackName);
  let action: StackDeployResult['action'];
  if (!existing || existing.StackStatus === 'DELETE_COMPLETE') {
    await client.send(new CreateStackCommand(common));
    action = 'created';
  } else {
    try {
      await client.send(new UpdateStackCommand(common));
      action = 'updated';
    } catch (error) {
      const { name, message } = error as { name?: string; message?: string };
      if (name === 'ValidationError' && /No updates are to be performed/.test(message ?? '')) {
        return {
          stackName: input.stackName,
          region: input.region,
          action: 'unchanged',
          status: existing.StackStatus ?? 'UNKNOWN',
        };
      }
      throw error;
    }
  }
  const status = await settle(client, input.stackName, input.pollMs ?? 5000);
  return { stackName: input.stackName, region: input.region, action, status };
}

async function describe(client: CloudFormationClient, name: string): Promise<Stack | undefined> {
  try {
    return (await client.send(new DescribeStacksCommand({ StackName: name }))).Stacks?.[0];
  } catch (error) {
    const { name: code, message } = error as { name?: string; message?: string };
    if (code === 'ValidationError' && /does not exist/.test(message ?? '')) return undefined;
    throw error;
  }
}

async function settle(client: CloudFormationClient, name: string, pollMs: number): Promise<string> {
  for (;;) {
    const stack = await describe(client, name);
    const status = stack?.StackStatus ?? 'UNKNOWN';
    if (!status.endsWith('_IN_PROGRESS')) {
      if (status === 'CREATE_COMPLETE' || status === 'UPDATE_COMPLETE') return status;
      throw new Error(
        `stack ${name} ended ${status}${stack?.StackStatusReason ? `: ${stack.StackStatusReason}` : ''}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
