/**
 * Base class for gatewarden errors. Each module derives its own base from this; `context`
 * carries identifiers only (ARNs, ids, step names) and is safe to log.
 */
export class GatewardenError extends Error {
  readonly context: Readonly<Record<string, string | number | boolean | undefined>>;
  /**
   * The options given cannot work (malformed, missing, contradicting each other): the CLI
   * reports it as a usage error (exit code 2 and where to read the command's help).
   */
  readonly usage: boolean;

  constructor(
    message: string,
    options: {
      cause?: unknown;
      context?: Record<string, string | number | boolean | undefined>;
      usage?: boolean;
    } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.context = Object.freeze({ ...(options.context ?? {}) });
    this.usage = options.usage === true;
  }
}
