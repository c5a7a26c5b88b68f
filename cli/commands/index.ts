import type { Command } from 'commander';

/** A CLI command registers itself (and its --help) on the root program. */
export type RegisterCommand = (program: Command) => void;

/**
 * A top-level command as the root `--help` lists it. Its module is imported only when the
 * command line names it: `gatewarden --help` loads none of them, and a module that fails to
 * load breaks only its own command.
 */
export interface CommandEntry {
  name: string;
  /** The command's own description, repeated for the root help (a test keeps them equal). */
  description: string;
  load(): Promise<RegisterCommand[]>;
}

// Each capability adds its command here; import its module only inside `load`.
export const commands: CommandEntry[] = [
  {
    name: 'demo',
    description:
      'Run gatewarden end to end on the embedded local AWS stack: provision a sample gateway, register and rotate its credentials, replay CloudTrail through detection, produce an access report',
    load: async () => [(await import('./demo.js')).registerDemo],
  },
  {
    name: 'deploy-policy',
    description:
      'Print the IAM policy the person or pipeline running `serverless deploy` and `remove` needs for a stage, generated from the template',
    load: async () => [(await import('./deployPolicy.js')).registerDeployPolicy],
  },
  {
    name: 'detect',
    description:
      'Replay CloudTrail records (S3 delivery files .json/.json.gz, JSON arrays, JSON lines, EventBridge envelopes) through the detection rules',
    load: async () => [(await import('./detect.js')).registerDetect],
  },
  {
    name: 'doctor',
    description:
      'Check a deployment read-only: your rights for each command, the trail, the EventBridge rules that feed detection, and every registered secret (rotation, function, provider, JSON key)',
    load: async () => [(await import('./doctor.js')).registerDoctor],
  },
  {
    name: 'env',
    description:
      'Print the GATEWARDEN_* variables of a deployed stage (from its stack outputs) as export lines: eval "$(npx gatewarden env --stage prod)"',
    load: async () => [(await import('./env.js')).registerEnv],
  },
  {
    name: 'forwarder',
    description:
      'Deploy (or print) the stack in us-east-1 that forwards global-service events (IAM, STS, sign-in, Organizations, Account) to a stage deployed in another region',
    load: async () => [(await import('./forwarder.js')).registerForwarder],
  },
  {
    name: 'guardrails',
    description:
      'Write SCP and RCP documents for an organization: only the StackSet changes gatewarden’s member resources, and gateways keep the practices the report checks',
    load: async () => [(await import('./guardrails.js')).registerGuardrails],
  },
  {
    name: 'local',
    description:
      'Run the local AWS stack (moto, AgentCore/CloudTrail stand-in, OIDC provider) for the demo and tests',
    load: async () => [(await import('./local.js')).registerLocal],
  },
  {
    name: 'report',
    description:
      'Least-privilege access report: what gateway roles and managers are granted vs what they used',
    load: async () => [(await import('./report.js')).registerReport],
  },
  {
    name: 'register',
    description:
      'Put an existing gateway credential under gatewarden: create its secret and enable rotation',
    load: async () => {
      // One after the other: jest's ESM loader fails on overlapping graphs imported at once.
      const register = await import('./register.js');
      const update = await import('./registerUpdate.js');
      return [register.registerRegister, update.registerRegisterUpdate];
    },
  },
  {
    name: 'rotate',
    description:
      'Rotate gatewarden secrets now: one, a gateway’s, or all with a tag (or sweep retired credentials)',
    load: async () => [(await import('./rotate.js')).registerRotate],
  },
  {
    name: 'tools',
    description:
      'Tool-level least privilege: who calls which gateway tool (InvokeGateway data events in trail files, Athena or CloudTrail Lake) and the Cedar policies for AgentCore Policy that allow exactly that, validated with Cedar',
    load: async () => [(await import('./tools.js')).registerTools],
  },
];
