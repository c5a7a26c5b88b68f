import { Command, CommanderError } from 'commander';
import { commands as allCommands, type CommandEntry } from './commands/index.js';
import { CommandLoadError, UsageError } from './errors.js';
import { describeFailure, renderFailure, wantsJson } from './failure.js';
import { safeReason } from '../lib/shared/redact.js';

/** The first operand of the command line: the command it names (`help X` names X). */
function namedCommand(argv: readonly string[]): string | undefined {
  const operands = argv.slice(2).filter((arg) => !arg.startsWith('-'));
  return operands[0] === 'help' ? operands[1] : operands[0];
}

function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c !== null; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/**
 * Every parse problem commander finds becomes a {@link UsageError} naming the command whose
 * help to read; help and version output (exit code 0) pass through as they are.
 */
function throwUsageErrors(command: Command): void {
  command.exitOverride((error: CommanderError) => {
    if (error.exitCode === 0) throw error;
    throw new UsageError(error.message, {
      command: commandPath(command),
      helpShown: error.code === 'commander.help',
      cause: error,
    });
  });
  for (const sub of command.commands) throwUsageErrors(sub);
}

/**
 * Builds the `gatewarden` program for one command line: every command is listed, but only the
 * one `argv` names is loaded and registered in full (its options, help and action).
 */
export async function buildProgram(
  argv: readonly string[],
  entries: readonly CommandEntry[] = allCommands,
): Promise<Command> {
  const program = new Command('gatewarden')
    .description(
      'Rotate, watch and right-size the credentials and permissions of Amazon Bedrock AgentCore Gateways.',
    )
    .version('0.1.0')
    .enablePositionalOptions()
    // Errors are printed by main(), one line and where to read more, or JSON under --json.
    .configureOutput({ outputError: () => undefined });
  const named = namedCommand(argv);
  for (const entry of entries) {
    if (entry.name !== named) {
      program.command(entry.name).description(entry.description);
      continue;
    }
    let registrations;
    try {
      registrations = await entry.load();
    } catch (error) {
      throw new CommandLoadError(
        `the ${entry.name} command could not be loaded (${safeReason(error)}); other commands still work`,
        { cause: error, context: { command: entry.name } },
      );
    }
    for (const register of registrations) register(program);
  }
  throwUsageErrors(program);
  return program;
}

/** The endpoint of a local stack running now (read only when a connection failed). */
async function runningLocalStack(): Promise<string | undefined> {
  try {
    const { readState } = await import('../local/state.js');
    const state = readState();
    if (state === undefined) return undefined;
    process.kill(state.pid, 0);
    return state.endpoint;
  } catch {
    return undefined;
  }
}

/**
 * Runs the CLI. Exit codes: 0 ok, 1 runtime failure, 2 usage error. A failure prints one line
 * (never a stack or foreign text: {@link safeReason}) and a hint, or under `--json` one
 * `{"error": {...}}` document on stdout.
 */
export async function main(argv: string[]): Promise<void> {
  // `gatewarden … | head`: the reader left; stop quietly instead of an EPIPE stack.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  try {
    const program = await buildProgram(argv);
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError && error.exitCode === 0) {
      process.exitCode = 0;
      return;
    }
    const failure = describeFailure(error, {
      argv,
      env: process.env,
      ...(error instanceof UsageError ? {} : { localStackEndpoint: await runningLocalStack() }),
    });
    const { stream, text } = renderFailure(failure, wantsJson(argv));
    process[stream].write(text);
    process.exitCode = failure.exitCode;
  }
}
