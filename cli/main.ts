import { Command } from 'commander';
import { safeReason } from '../lib/shared/redact.js';
import { commands } from './commands/index.js';

/** Builds the `gatewarden` program: one sub-command per capability, each with its own --help. */
export function buildProgram(): Command {
  const program = new Command('gatewarden')
    .description(
      'Rotate, watch and right-size the credentials and permissions of Amazon Bedrock AgentCore Gateways.',
    )
    .version('0.1.0')
    .showHelpAfterError()
    .enablePositionalOptions();
  for (const register of commands) register(program);
  return program;
}

/** Runs the CLI; errors print one clear line (never a stack with secret context) and exit 1. */
export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    // Our own errors speak; a foreign one (an SDK or parser message) is reduced to its class.
    const message = safeReason(error);
    process.stderr.write(`gatewarden: ${message}\n`);
    process.exitCode = 1;
  }
}
