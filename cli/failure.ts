import { redactReason, safeReason } from '../lib/shared/redact.js';
import { GatewardenError } from '../lib/shared/errors.js';
import { forTerminal } from '../lib/shared/terminal.js';
import { UsageError } from './errors.js';

/** How the CLI reports an error that stopped a command. */
export interface Failure {
  kind: 'usage' | 'runtime';
  /** 2 for usage errors, 1 for runtime failures. */
  exitCode: 1 | 2;
  /** {@link safeReason} text: our own errors speak, a foreign one is reduced to its class. */
  message: string;
  /** What to do next, built from what the CLI knows (endpoint, region, the ids passed). */
  hint?: string;
  /** The command whose `--help` to read (usage errors). */
  command?: string;
  /** Commander already printed the help: nothing more to say in text. */
  helpShown?: boolean;
}

/** What the CLI knows besides the error: its command line, environment and the local stack. */
export interface FailureContext {
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  /** The endpoint of a local stack running right now, if any. */
  localStackEndpoint?: string;
}

/** Socket-level codes of a request that never got an answer. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EPIPE',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
]);
const NOT_FOUND = /^(\w*NotFound\w*|NoSuch\w+)$/;
const HOST = /^[A-Za-z0-9.:[\]-]{1,253}$/;
const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/**
 * Identifier options and what they name, for "not found" hints. The values are identifiers the
 * user typed (names, ARNs), never secret material.
 */
const IDENTIFIERS: Record<string, string> = {
  '--secret': 'secret',
  '--current-secret': 'secret',
  '--hmac-secret': 'secret',
  '--registration-token-secret': 'secret',
  '--okta-token-secret': 'secret',
  '--entra-admin-secret': 'secret',
  '--auth0-admin-secret': 'secret',
  '--gateway': 'gateway',
  '--target': 'gateway target',
  '--provider': 'credential provider',
  '--user-pool': 'user pool',
  '--rotation-lambda': 'function',
  '--webhook-lambda': 'function',
  '--kms-key': 'KMS key',
  '--lake': 'event data store',
  '--athena': 'Athena table',
  '--workgroup': 'Athena workgroup',
};

/**
 * `gatewarden register apikey`: the program and the (sub-)command words before any option.
 * `argv` is process.argv (the Node binary and the script first).
 */
export function commandOf(argv: readonly string[]): string {
  const words: string[] = [];
  for (const arg of argv.slice(2)) {
    if (arg.startsWith('-') || words.length === 2) break;
    words.push(arg);
  }
  return ['gatewarden', ...words].join(' ');
}

/** True when `--json` is on the command line (before a `--` that ends the options). */
export function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).includes('--json');
}

/** The failure to report for an error that stopped the CLI. */
export function describeFailure(error: unknown, context: FailureContext): Failure {
  if (error instanceof UsageError) {
    return {
      kind: 'usage',
      exitCode: 2,
      message: usageText(error.message),
      command: error.command,
      ...(error.helpShown ? { helpShown: true } : {}),
    };
  }
  if (error instanceof GatewardenError && error.usage) {
    return {
      kind: 'usage',
      exitCode: 2,
      message: safeReason(error),
      command: commandOf(context.argv),
    };
  }
  const known = setupFailure(error, safeReason(error), context);
  if (known) return { kind: 'runtime', exitCode: 1, ...known };
  const message = safeReason(error);
  const hint = connectionHint(error, message, context) ?? notFoundHint(error, message, context);
  return { kind: 'runtime', exitCode: 1, message, ...(hint ? { hint } : {}) };
}

/** The text to print: JSON on stdout under `--json`, lines on stderr otherwise. */
export function renderFailure(
  failure: Failure,
  json: boolean,
): { stream: 'stdout' | 'stderr'; text: string } {
  if (json) {
    const { kind, message, hint, command } = failure;
    const body = { kind, message, ...(hint ? { hint } : {}), ...(command ? { command } : {}) };
    return { stream: 'stdout', text: `${forTerminal(JSON.stringify({ error: body }))}\n` };
  }
  if (failure.helpShown) return { stream: 'stderr', text: '' };
  const lines = [`gatewarden: ${failure.message}`];
  if (failure.kind === 'usage') lines.push(`see \`${failure.command ?? 'gatewarden'} --help\``);
  if (failure.hint) lines.push(`hint: ${failure.hint}`);
  // Messages may name what a remote system called things: one escaped line each.
  return { stream: 'stderr', text: `${lines.map((line) => forTerminal(line)).join('\n')}\n` };
}

/**
 * Commander's message without its `error: ` prefix; a value given as `--name=value` to an
 * unknown option is dropped, as it may be something the user meant to keep to themselves.
 */
function usageText(message: string): string {
  return redactReason(message.replace(/^error:\s*/, '').replace(/'(--?[\w-]+)=[^']*'/g, "'$1=…'"));
}

/** Server codes of credentials AWS refuses outright, or that are past their time. */
const UNKNOWN_CREDENTIALS = new Set([
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
]);
const EXPIRED_CREDENTIALS = new Set([
  'ExpiredToken',
  'ExpiredTokenException',
  'RequestExpired',
  'TokenRefreshRequired',
]);
const LOCAL_STACK_TIP = 'or, for the local stack, `eval "$(npx gatewarden local start)"`';

/**
 * The shell is not set up for AWS: no region, no credentials, an unknown profile, an SSO
 * session to renew, keys AWS does not know or that expired. Matched on the SDK's own error
 * classes and fixed messages (never quoting them); the message and hint name only what is
 * missing and the profile name the user set.
 */
function setupFailure(
  error: unknown,
  reason: string,
  context: FailureContext,
): { message: string; hint: string } | undefined {
  const chain = chainOf(error);
  const messageOf = (e: Record<string, unknown>) =>
    typeof e.message === 'string' ? e.message : '';
  const profile = context.env.AWS_PROFILE || context.env.AWS_DEFAULT_PROFILE || undefined;
  const named = profile !== undefined && /^[\w.@+=,-]{1,64}$/.test(profile) ? profile : undefined;
  if (chain.some((e) => e.name === 'Error' && messageOf(e) === 'Region is missing')) {
    return {
      message: 'no AWS region is set',
      hint: `export AWS_REGION=<region> (or set \`region\` in the profile${named ? ` "${named}"` : ''}), ${LOCAL_STACK_TIP}`,
    };
  }
  const providerError =
    chain.find((e) => e.name === 'CredentialsProviderError' || e.name === 'TokenProviderError') ??
    // A command that re-threw the SDK's error as safeReason text keeps only its class.
    (/\b(CredentialsProviderError|TokenProviderError)\b/.test(reason) ? {} : undefined);
  if (providerError) {
    if (/\bSSO\b|sso login/.test(messageOf(providerError))) {
      return {
        message: 'the AWS SSO session has expired or was never started',
        hint: `run \`aws sso login${named ? ` --profile ${named}` : ''}\`, then try again`,
      };
    }
    if (named) {
      return {
        message: `no AWS credentials could be loaded for the profile "${named}"`,
        hint: 'check that the profile exists (`aws configure list-profiles`) and holds credentials or an SSO session (`aws sso login --profile …`), or unset AWS_PROFILE',
      };
    }
    return {
      message: 'no AWS credentials were found',
      hint: `set AWS_PROFILE (\`aws configure list-profiles\`), run \`aws sso login\`, or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; ${LOCAL_STACK_TIP}`,
    };
  }
  const code = codeIn(
    error,
    reason,
    (c) => UNKNOWN_CREDENTIALS.has(c) || EXPIRED_CREDENTIALS.has(c),
  );
  if (code !== undefined && EXPIRED_CREDENTIALS.has(code)) {
    return {
      message: `the AWS credentials have expired (${code})`,
      hint: `renew them: \`aws sso login${named ? ` --profile ${named}` : ''}\` or assume the role again`,
    };
  }
  if (code !== undefined) {
    const region = regionOf(context.env);
    return {
      message: `AWS does not accept these credentials (${code})`,
      hint: `check which keys the shell uses (\`aws sts get-caller-identity\`${named ? `, profile "${named}"` : ''}) and that they belong to the account and partition you meant${region ? ` (region ${region})` : ''}`,
    };
  }
  return undefined;
}

/** The error, its causes and the errors an AggregateError gathers (a bounded walk). */
function chainOf(error: unknown): Record<string, unknown>[] {
  const seen: Record<string, unknown>[] = [];
  const queue: unknown[] = [error];
  while (queue.length > 0 && seen.length < 16) {
    const e = queue.shift();
    if (e === null || typeof e !== 'object' || seen.includes(e as Record<string, unknown>))
      continue;
    const record = e as Record<string, unknown>;
    seen.push(record);
    queue.push(record.cause);
    if (Array.isArray(record.errors)) queue.push(...record.errors);
  }
  return seen;
}

function codeIn(
  error: unknown,
  message: string,
  test: (code: string) => boolean,
): string | undefined {
  for (const e of chainOf(error)) {
    for (const field of [e.code, e.name])
      if (typeof field === 'string' && test(field)) return field;
  }
  // A command that re-threw a foreign error as safeReason text keeps only its class and code.
  return message.split(/[\s():,]+/).find(test);
}

function regionOf(env: NodeJS.ProcessEnv): string | undefined {
  return env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined;
}

/** The endpoint the SDK was told to use, when one was (origin only: no path, query or user). */
function endpointOf(env: NodeJS.ProcessEnv): URL | undefined {
  const raw =
    env.AWS_ENDPOINT_URL ??
    Object.entries(env).find(([name]) => name.startsWith('AWS_ENDPOINT_URL_'))?.[1];
  if (!raw) return undefined;
  try {
    return new URL(raw);
  } catch {
    return undefined;
  }
}

/** The host:port a socket error names (structured fields, checked to look like a host). */
function hostOfSocketError(error: unknown): string | undefined {
  for (const e of chainOf(error)) {
    const host = typeof e.hostname === 'string' ? e.hostname : e.address;
    if (typeof host !== 'string' || !HOST.test(host)) continue;
    return typeof e.port === 'number' ? `${host}:${e.port}` : host;
  }
  return undefined;
}

function connectionHint(
  error: unknown,
  message: string,
  context: FailureContext,
): string | undefined {
  const code = codeIn(error, message, (c) => CONNECTION_CODES.has(c));
  if (code === undefined) return undefined;
  const endpoint = endpointOf(context.env);
  if (endpoint && LOCAL_HOSTS.has(endpoint.hostname)) {
    const running = context.localStackEndpoint;
    if (running !== undefined && running !== endpoint.origin) {
      return `nothing answers at ${endpoint.origin} (${code}); the local stack runs at ${running}: run \`eval "$(npx gatewarden local start)"\` to point this shell at it`;
    }
    return `the local stack at ${endpoint.origin} is not running (${code}): start it with \`npx gatewarden local start\` (\`eval "$(npx gatewarden local start)"\` also exports its endpoint)`;
  }
  const region = regionOf(context.env) ?? '(none set: AWS_REGION)';
  const host = endpoint?.host ?? hostOfSocketError(error);
  const where = host
    ? `${host} (region ${region})`
    : `the AWS endpoints of region ${region} (no AWS_ENDPOINT_URL set)`;
  return `could not reach ${where}, ${code}: check the network, any proxy, and that the region is the one you meant`;
}

/** The identifier options on the command line, as "secret "x"" phrases. */
function identifiersPassed(argv: readonly string[]): string[] {
  const named: string[] = [];
  const end = argv.indexOf('--');
  const args = end < 0 ? argv : argv.slice(0, end);
  args.forEach((arg, i) => {
    const [flag = '', inline] = arg.split(/=(.*)/s, 2);
    const noun = IDENTIFIERS[flag];
    const value = inline ?? args[i + 1];
    if (noun !== undefined && value !== undefined && !value.startsWith('--')) {
      named.push(`${noun} "${value}"`);
    }
  });
  return named;
}

function notFoundHint(
  error: unknown,
  message: string,
  context: FailureContext,
): string | undefined {
  const code = codeIn(error, message, (c) => NOT_FOUND.test(c));
  if (code === undefined) return undefined;
  const region = regionOf(context.env);
  const endpoint = endpointOf(context.env);
  const where = [
    region ? `in region ${region}` : undefined,
    endpoint ? `at ${endpoint.origin}` : undefined,
  ]
    .filter(Boolean)
    .join(' ');
  const ids = identifiersPassed(context.argv);
  const what =
    ids.length === 0
      ? 'what the command names was not found'
      : ids.length === 1
        ? `${ids[0]} was not found`
        : `one of ${ids.join(', ')} was not found`;
  return redactReason(
    `${what}${where ? ` ${where}` : ''} (${code}): check the name or ARN${region ? ', the region' : ''} and the account (\`aws sts get-caller-identity\`)`,
  );
}
