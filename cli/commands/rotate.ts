import { type Command, Option } from 'commander';
import type { AlertSink } from '../../lib/alerts/alert.js';
import { publishAll } from '../../lib/alerts/alert.js';
import {
  encodeRotationFailureTag,
  ROTATION_FAILURE_TAG,
  rotationFailedAlert,
} from '../../lib/rotation/alerts.js';
import type { FailureRecorder } from '../../lib/rotation/handleStep.js';
import {
  parseTag,
  rotateMany,
  type RotationResult,
  type Rotator,
  secretsManagerRotator,
  OnDemandError,
  type Selector,
  selectSecrets,
  selectorTag,
  sweepAll,
} from '../../lib/rotation/onDemand.js';
import type { InvokeLambda } from '../../lib/rotation/issuers/webhook.js';
import {
  memberRotateNowArn,
  type MemberRotationEvent,
  rotateInMember,
} from '../../lib/rotation/memberRotation.js';
import { localRotator } from '../../lib/rotation/onDemandLocal.js';
import type { RotationControl } from '../../lib/rotation/onDemandPorts.js';
import {
  describeResult,
  type ProgressStream,
  summarise,
  terminalProgress,
} from '../../lib/rotation/onDemandProgress.js';
import type { RotationDeps } from '../../lib/rotation/ports.js';
import { sweepSecret } from '../../lib/rotation/sweep.js';
import { logger } from '../../lib/shared/logger.js';
import { safeReason } from '../../lib/shared/redact.js';
import { forTerminal } from '../../lib/shared/terminal.js';
import { Console } from 'node:console';
import { ENV, TAGS } from '../../lib/shared/env.js';
import type { RegisterCommand } from './index.js';
import { UsageError } from '../errors.js';

/** What `gatewarden rotate` needs from the outside world; tests pass their own. */
export interface RotateCommandDeps {
  control(): RotationControl;
  /**
   * The engine's ports (secret store, providers, issuers…), for local runs (`rotate`: as the
   * rotate function) and the sweep (`sweep`: as the rotateNow function).
   */
  rotationDeps(as?: 'rotate' | 'sweep'): Promise<RotationDeps>;
  alertSinks(): AlertSink[];
  /** Where a local run records the failure tag (the rotate function does it on AWS). */
  recorder?(): FailureRecorder | undefined;
  /** Lambda's synchronous Invoke in a region (`--account`: the member's rotateNow function). */
  invokeLambda?(region: string): InvokeLambda;
  stdout: ProgressStream;
  stderr: ProgressStream;
  env: NodeJS.ProcessEnv;
}

interface RotateOptions {
  account?: string;
  stage?: string;
  region?: string;
  secret?: string;
  gateway?: string;
  tag?: string;
  sweep?: boolean;
  wait?: boolean;
  json?: boolean;
  local?: boolean;
  force?: boolean;
  revokePrevious?: boolean;
  concurrency: string;
  timeout: string;
}

/** True when the SDK endpoint is on this machine: the local stack cannot run rotation Lambdas. */
export function endpointIsLocal(env: NodeJS.ProcessEnv): boolean {
  const endpoint = env.AWS_ENDPOINT_URL ?? env.AWS_ENDPOINT_URL_SECRETS_MANAGER;
  if (!endpoint) return false;
  try {
    return ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(endpoint).hostname);
  } catch {
    return false;
  }
}

function selectorOf(options: RotateOptions): Selector {
  const chosen = [options.secret, options.gateway, options.tag].filter((v) => v !== undefined);
  if (chosen.length !== 1) {
    throw new UsageError(
      'choose exactly one of --secret ID, --gateway ID, --tag KEY=VALUE (or --sweep)',
      { command: 'gatewarden rotate' },
    );
  }
  if (options.secret !== undefined) return { secretId: options.secret };
  if (options.gateway !== undefined) return { gatewayId: options.gateway };
  const tag = options.tag as string;
  // Checked before any call (and before the local stack is looked for): a usage error, exit 2.
  try {
    parseTag(tag);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error), {
      command: 'gatewarden rotate',
    });
  }
  return { tag };
}

function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`${flag} must be a positive integer, got "${value}"`, {
      command: 'gatewarden rotate',
    });
  return n;
}

/**
 * Runs `gatewarden rotate`; returns the process exit code. An error that stops the command is
 * rethrown as one line of {@link safeReason} text (the CLI prints its message): an SDK or
 * parser message quoting a value never reaches the terminal.
 */
export async function runRotate(options: RotateOptions, deps: RotateCommandDeps): Promise<number> {
  try {
    return await rotateCommand(options, deps);
  } catch (error) {
    if (error instanceof UsageError) throw error; // exit code 2; its text is ours
    throw new OnDemandError(safeReason(error));
  }
}

async function rotateCommand(options: RotateOptions, deps: RotateCommandDeps): Promise<number> {
  // Lines quote names, tags and reasons from Secrets Manager and the rotate function's tag.
  const out = (line: string): void => void deps.stdout.write(`${forTerminal(line)}\n`);
  if (options.account !== undefined) return memberCommand(options, deps, out);
  const concurrency = positiveInt(options.concurrency, '--concurrency');
  const control = deps.control();
  const local = options.local ?? endpointIsLocal(deps.env);
  if (!local && (options.revokePrevious || options.force)) {
    throw new OnDemandError(
      '--revoke-previous and --force apply to in-process rotations (--local); on AWS the rotate function runs the steps',
    );
  }

  if (options.sweep) {
    const chosen = [options.secret, options.gateway, options.tag].filter((v) => v !== undefined);
    const selector = chosen.length === 0 ? undefined : selectorOf(options);
    const engine = await deps.rotationDeps('sweep');
    const results = await sweepAll(
      control,
      (arn) => sweepSecret(engine, arn),
      concurrency,
      selector,
    );
    const nothing =
      results.length === 0
        ? selector === undefined
          ? 'no registered gatewarden secret in this account and region'
          : noMatch(selector)
        : undefined;
    if (options.json) out(JSON.stringify({ swept: results, ...(nothing ? { nothing } : {}) }));
    else if (nothing !== undefined) out(`nothing to sweep: ${nothing}`);
    else
      for (const r of results) {
        out(
          r.error
            ? `✗ ${r.secretArn}: sweep failed (${r.error})`
            : `✓ ${r.secretArn}: revoked ${r.revoked}, ${r.stillInGrace} still in grace`,
        );
      }
    return results.some((r) => r.error) ? 1 : 0;
  }

  const selector = selectorOf(options);
  const arns = await selectSecrets(control, selector);
  if (arns.length === 0) {
    // A selection by gateway or tag that matches nothing is an answer, not a failure: said,
    // exit 0 (a named secret that does not exist has thrown "not found" already).
    const nothing = noMatch(selector);
    out(
      options.json
        ? JSON.stringify({
            mode: local ? 'local' : 'secretsManager',
            ...summarise([]),
            results: [],
            nothing,
          })
        : `nothing to rotate: ${nothing}`,
    );
    return 0;
  }
  let rotator: Rotator;
  let sinks: AlertSink[] = [];
  const interrupt = local ? onInterrupt(deps.stderr) : undefined;
  if (local) {
    rotator = localRotator(await deps.rotationDeps('rotate'), {
      ...(interrupt ? { signal: interrupt.signal } : {}),
      ...(options.force ? { force: true } : {}),
      ...(options.revokePrevious ? { revokePrevious: true } : {}),
    });
    sinks = deps.alertSinks();
    deps.stderr.write(
      `gatewarden: local stack detected — running the rotation steps in this process (Secrets Manager there cannot invoke the rotate function)\n`,
    );
  } else {
    rotator = secretsManagerRotator(control, {
      wait: options.wait === true,
      timeoutMs: positiveInt(options.timeout, '--timeout') * 1000,
    });
  }
  const progress = terminalProgress(deps.stderr, arns.length);
  const results = await rotateMany(rotator, arns, {
    concurrency,
    ...(progress ? { progress } : {}),
  }).finally(() => interrupt?.dispose());
  // In AWS the rotate function publishes failures itself; locally this process is the function.
  if (local) await reportLocalOutcomes(results, control, sinks, deps.recorder?.(), deps.stderr);

  const counts = summarise(results);
  if (options.json) {
    out(JSON.stringify({ mode: local ? 'local' : 'secretsManager', ...counts, results }));
  } else {
    for (const result of results) out(describeResult(result));
    out(`${counts.succeeded} rotated, ${counts.started} started, ${counts.failed} failed`);
  }
  return counts.failed > 0 ? 1 : 0;
}

/**
 * `--account`: the member account's rotateNow function starts the rotations (or the sweep)
 * there, with its own role; this process only sends the selector and prints the checked reply.
 */
async function memberCommand(
  options: RotateOptions,
  deps: RotateCommandDeps,
  out: (line: string) => void,
): Promise<number> {
  const refused = (
    [
      ['--local', options.local === true],
      ['--force', options.force],
      ['--revoke-previous', options.revokePrevious],
      ['--wait', options.wait],
    ] as const
  ).filter(([, set]) => set);
  if (refused.length > 0) {
    throw new UsageError(
      `${refused.map(([flag]) => flag).join(', ')} cannot be used with --account: the member's rotateNow function starts the rotations there (follow them with \`gatewarden doctor\` in that account)`,
      { command: 'gatewarden rotate' },
    );
  }
  const event: MemberRotationEvent = options.sweep
    ? (() => {
        if ([options.secret, options.gateway, options.tag].some((v) => v !== undefined))
          throw new UsageError(
            '--sweep with --account sweeps every gatewarden secret of the member',
            {
              command: 'gatewarden rotate',
            },
          );
        return { sweep: true as const };
      })()
    : selectorOf(options);
  if (!deps.invokeLambda)
    throw new OnDemandError('this build cannot invoke Lambda functions (no invoker wired)');
  const region = options.region ?? deps.env.AWS_REGION ?? deps.env.AWS_DEFAULT_REGION ?? '';
  const stage = options.stage ?? deps.env[ENV.stage] ?? 'dev';
  const functionArn = memberRotateNowArn({ account: options.account ?? '', region, stage });
  deps.stderr.write(`gatewarden: asking ${functionArn} to ${options.sweep ? 'sweep' : 'rotate'}\n`);
  const reply = await rotateInMember(deps.invokeLambda(region), functionArn, event);
  if (options.json) {
    out(JSON.stringify({ mode: 'member', account: options.account, functionArn, ...reply }));
  } else if (reply.kind === 'sweep') {
    if (reply.results.length === 0)
      out('nothing to sweep: no registered gatewarden secret in the member');
    for (const r of reply.results)
      out(
        r.error
          ? `✗ ${r.secretArn}: sweep failed (${r.error})`
          : `✓ ${r.secretArn}: revoked ${r.revoked}, ${r.stillInGrace} still in grace`,
      );
  } else {
    if (reply.results.length === 0)
      out(`nothing to rotate: ${noMatch(event as Selector)} of the member`);
    for (const result of reply.results) out(describeResult(result));
    const counts = summarise(reply.results);
    out(`${counts.started} started, ${counts.failed} failed (in account ${options.account ?? ''})`);
  }
  const failed =
    reply.kind === 'sweep'
      ? reply.results.some((r) => r.error !== undefined)
      : reply.results.some((r) => r.outcome === 'failed');
  return failed ? 1 : 0;
}

/** Why a gateway or tag selection rotates nothing. */
function noMatch(selector: Selector): string {
  if ('secretId' in selector) return `no secret ${selector.secretId}`;
  const { key, value } = selectorTag(selector);
  return `no secret carries the tag ${key}=${value} in this account and region (registered secrets carry ${TAGS.gateway}=<gateway id>)`;
}

/**
 * Locally this process plays the rotate function's part on failure: the `Rotation Failed`
 * alert (with the gateway and kind from the secret's tags) and the failure tag on the secret;
 * a landed rotation clears the tag. Reporting problems are printed, never fatal.
 */
async function reportLocalOutcomes(
  results: RotationResult[],
  control: RotationControl,
  sinks: AlertSink[],
  recorder: FailureRecorder | undefined,
  stderr: ProgressStream,
): Promise<void> {
  const warn = (what: string, error: unknown): void =>
    void stderr.write(`gatewarden: could not ${forTerminal(`${what} (${safeReason(error)})`)}\n`);
  for (const r of results) {
    if (r.outcome === 'succeeded') {
      await recorder
        ?.setTag(r.secretArn, ROTATION_FAILURE_TAG, undefined)
        .catch((e: unknown) => warn('clear the failure tag', e));
      continue;
    }
    if (r.outcome !== 'failed') continue;
    const tags = await control.describe(r.secretArn).then(
      (s) => s.tags,
      () => ({}) as Record<string, string>,
    );
    const failure = {
      secretArn: r.secretArn,
      ...(tags[TAGS.gateway] ? { gatewayId: tags[TAGS.gateway] } : {}),
      ...(tags[TAGS.kind] ? { kind: tags[TAGS.kind] } : {}),
      step: r.step ?? 'unknown',
      errorClass: r.errorClass ?? 'Error',
      ...(r.reason ? { reason: r.reason } : {}),
      ...(r.versionId ? { versionId: r.versionId } : {}),
    };
    if (sinks.length > 0)
      await publishAll(sinks, rotationFailedAlert(failure)).catch((e: unknown) =>
        warn('publish the failure alert', e),
      );
    await recorder
      ?.setTag(r.secretArn, ROTATION_FAILURE_TAG, encodeRotationFailureTag(failure))
      .catch((e: unknown) => warn('record the failure tag', e));
  }
}

/**
 * The CLI's stdout carries results (and `--json` documents); the engine's JSON logs go to
 * stderr instead, and only warnings unless GATEWARDEN_LOG_LEVEL asks for more. Powertools has
 * no public option for the stream, hence its console is replaced here (pinned version).
 */
export function cliLogging(): void {
  const write = (line: unknown): void => void process.stderr.write(`${humanLogLine(line)}\n`);
  const human = { log: write, info: write, warn: write, error: write, debug: write, trace: write };
  (logger as unknown as { console: Console | typeof human }).console =
    process.env.GATEWARDEN_LOG_FORMAT === 'json'
      ? new Console({ stdout: process.stderr, stderr: process.stderr })
      : human;
  if (!process.env.GATEWARDEN_LOG_LEVEL) logger.setLogLevel('WARN');
}

/** Keys every log line carries, which a person reading the CLI does not need. */
const LOG_ENVELOPE = new Set([
  'level',
  'message',
  'timestamp',
  'service',
  'sampling_rate',
  'xray_trace_id',
]);

/**
 * A log line as a person reads it on a terminal: `gatewarden: warning: <message> (k=v, …)`
 * instead of the JSON the functions write to CloudWatch (`GATEWARDEN_LOG_FORMAT=json` keeps
 * that). Values are what the logger was given (identifiers, never secrets), escaped.
 */
export function humanLogLine(line: unknown): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(String(line)) as Record<string, unknown>;
  } catch {
    return forTerminal(String(line));
  }
  const level = String(record.level ?? 'info').toLowerCase();
  const fields = Object.entries(record)
    .filter(([key, value]) => !LOG_ENVELOPE.has(key) && value !== undefined && value !== null)
    .map(
      ([key, value]) =>
        `${key}=${typeof value === 'object' ? JSON.stringify(value) : String(value)}`,
    );
  const said = level === 'warn' ? 'warning' : level;
  return forTerminal(
    `gatewarden: ${said}: ${String(record.message ?? '')}${fields.length > 0 ? ` (${fields.join(', ')})` : ''}`,
  );
}

const HELP = `
Selecting secrets (exactly one):
  --secret ID          one secret (name or ARN)
  --gateway ID         every secret tagged ${TAGS.gateway}=ID
  --tag KEY=VALUE      every secret carrying that tag

How rotations run:
  On AWS, each secret gets RotateSecret; Secrets Manager then invokes the secret's rotation
  function (the gatewarden rotate Lambda). Without --wait the command returns once every
  rotation has started. With --wait it follows each one until AWSCURRENT moved to the new
  version and AWSPENDING is gone, or until the function recorded a failure (tag
  gatewarden:last-rotation-error), and prints the failed step and error class.

  On the local stack (AWS_ENDPOINT_URL on 127.0.0.1/localhost, or --local), moto stores the
  rotation function but never runs it. This command then runs the same four steps in this
  process with the engine's driver, against the same local services: every rotation is
  waited for, whether or not --wait is given. --no-local forces RotateSecret.

  Secret values are never printed: only ARNs, version ids, steps and error classes.

Examples:
  gatewarden rotate --secret gatewarden/gw-123/apiKey/weather --wait
  gatewarden rotate --gateway gw-123 --wait --json
  gatewarden rotate --tag team=payments --concurrency 4
  gatewarden rotate --sweep        # revoke retired credentials whose grace period ended
  gatewarden rotate --sweep --gateway gw-123   # … of one gateway's secrets only
  gatewarden rotate --account 222233334444 --stage prod --region eu-west-1 --gateway gw-9
                   # a member's secrets, rotated by its own rotateNow function
`;

export function registerRotateWith(makeDeps: () => Promise<RotateCommandDeps>): RegisterCommand {
  return (program: Command) => {
    program
      .command('rotate')
      .description(
        'Rotate gatewarden secrets now: one, a gateway’s, or all with a tag (or sweep retired credentials)',
      )
      .option('--secret <id>', 'secret name or ARN')
      .option('--gateway <id>', `all secrets tagged ${TAGS.gateway}=<id>`)
      .option('--tag <key=value>', 'all secrets with this tag')
      .option(
        '--sweep',
        'revoke retired credentials whose grace period ended, on every gatewarden secret',
      )
      .option('--wait', 'follow each rotation until it lands or fails (always on in local mode)')
      .option('--json', 'print one JSON document with every result')
      .addOption(
        new Option('--local', 'run the steps in this process (default when the endpoint is local)'),
      )
      .addOption(
        new Option('--no-local', 'always call RotateSecret, even against a local endpoint'),
      )
      .option(
        '--revoke-previous',
        'emergency (exposed credential): revoke the replaced credential at once, no grace period (in-process rotations)',
      )
      .option(
        '--force',
        'in-process rotations: take over a lease or AWSPENDING a crashed run left (the error names its holder and expiry)',
      )
      .option(
        '--account <id>',
        "an organization member's secrets: its rotateNow function (gatewarden-<stage>-rotateNow) rotates them there; see docs/organization.md",
      )
      .option(
        '--stage <stage>',
        'with --account: the member stage (default GATEWARDEN_STAGE, else dev)',
      )
      .option('--region <region>', 'with --account: the member region (default AWS_REGION)')
      .option('--concurrency <n>', 'rotations in flight at once', '8')
      .option('--timeout <seconds>', 'how long --wait follows one rotation', '900')
      .addHelpText('after', HELP)
      .action(async (options: RotateOptions) => {
        cliLogging();
        process.exitCode = await runRotate(options, await makeDeps());
      });
  };
}

/** Production wiring: the SDK against AWS or whatever AWS_ENDPOINT_URL points at. */
export async function defaultRotateDeps(): Promise<RotateCommandDeps> {
  const [
    { SecretsManagerRotationControl },
    { awsRotationDeps },
    { withLocalStateTable },
    { asLocalFunction },
    { DynamoDbRotationLock },
  ] = await Promise.all([
    import('../../lib/aws/rotationControl.js'),
    import('../../lib/aws/rotationDeps.js'),
    import('./localState.js'),
    import('./localFunction.js'),
    import('../../lib/aws/rotationLock.js'),
  ]);
  const [{ LambdaClient }, { lambdaInvoker }, { clientConfig }] = await Promise.all([
    import('@aws-sdk/client-lambda'),
    import('../../lib/aws/lambdaInvoker.js'),
    import('../../lib/aws/clients.js'),
  ]);
  const env = await withLocalStateTable(process.env);
  type Engine = ReturnType<typeof awsRotationDeps>;
  const engines = new Map<'rotate' | 'sweep', Promise<Engine>>();
  // On the local stack the steps run here, as the function that runs them on AWS: the engine's
  // clients sign with that function's role session (the caller's own calls stay the caller's).
  // The lease is the in-process driver's, not the function's (Secrets Manager serialises the
  // rotations it drives; the deployed functions take none): it is taken with the caller's
  // credentials, made here outside the role's scope.
  const table = env[ENV.stateTable];
  const lock = table ? new DynamoDbRotationLock(table) : undefined;
  const engineDeps = (as: 'rotate' | 'sweep' = 'rotate'): Promise<Engine> => {
    let engine = engines.get(as);
    if (!engine) {
      engine = asLocalFunction(env, as === 'rotate' ? 'rotate' : 'rotateNow', () => ({
        ...awsRotationDeps(env),
        ...(lock ? { lock } : {}),
      }));
      engines.set(as, engine);
    }
    return engine;
  };
  const rotateEngine = await engineDeps('rotate');
  return {
    control: () => new SecretsManagerRotationControl(),
    rotationDeps: (as) => engineDeps(as),
    alertSinks: () => rotateEngine.alerts,
    recorder: () => rotateEngine.store,
    invokeLambda: (region) => lambdaInvoker(new LambdaClient({ ...clientConfig(), region })),
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
  };
}

export const registerRotate: RegisterCommand = registerRotateWith(defaultRotateDeps);

/**
 * Ctrl-C (or SIGTERM) during in-process rotations: the first one stops each rotation after its
 * step in flight, and the driver undoes it and releases its lease; a second one exits at once.
 */
function onInterrupt(stderr: { write(s: string): unknown }): {
  signal: AbortSignal;
  dispose: () => void;
} {
  const controller = new AbortController();
  const handler = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
    stderr.write(
      `gatewarden: ${signal}: finishing the step in flight, then undoing the rotation (again to quit now)\n`,
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
