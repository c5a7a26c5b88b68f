import { GatewardenError } from '../lib/shared/errors.js';

/** Base of the CLI's own errors. */
export class CliError extends GatewardenError {}

/**
 * The command line is wrong (a missing or unknown option, a bad value): exit code 2, one line
 * and where to read the command's help. Commander's parse errors become one of these; an action
 * may throw one for a combination of options commander cannot express.
 */
export class UsageError extends CliError {
  /** The command whose help to read, e.g. `gatewarden register apikey`. */
  readonly command: string;
  /** Commander already printed the help (a command called without its sub-command). */
  readonly helpShown: boolean;

  constructor(
    message: string,
    options: { command?: string; helpShown?: boolean; cause?: unknown } = {},
  ) {
    super(message, {
      cause: options.cause,
      context: { command: options.command ?? 'gatewarden' },
    });
    this.command = options.command ?? 'gatewarden';
    this.helpShown = options.helpShown ?? false;
  }
}

/** A command's module failed to load: that command is unavailable, the others still work. */
export class CommandLoadError extends CliError {}
