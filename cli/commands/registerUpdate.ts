import type { Command } from 'commander';
import type { BindingWriter } from '../../lib/rotation/binding.js';
import type { DestinationReaders } from '../../lib/rotation/liveDestinations.js';
import type { RotationControl } from '../../lib/rotation/onDemandPorts.js';
import { rebindCredential, type RebindResult } from '../../lib/rotation/rebind.js';
import { forTerminal } from '../../lib/shared/terminal.js';
import { UsageError } from '../errors.js';
import { cliLogging } from './rotate.js';
import type { RegisterCommand } from './index.js';

export interface RegisterUpdateDeps {
  control: RotationControl;
  bindings: BindingWriter;
  /** Reads the live authorizer, discovery document and OAuth2 provider configuration to pin. */
  destinations?: DestinationReaders;
}

interface UpdateFlags {
  secret: string;
  yes?: boolean;
  expect?: string;
  json?: boolean;
}

const HELP = `
What steers the rotator (issuer, URLs, admin secrets, provider, probe, pools, grace) is pinned at
registration, and so is where the credential goes outside the document: an inbound client's
gateway authorizer (discovery URL, issuer, token endpoint, JWKS), an outbound OAuth client's
test issuer (what its --discovery-url served: issuer, token endpoint, JWKS) and a MANAGED
OAuth2 provider's vendor configuration (issuer, endpoints, discovery, private endpoint, client
id).
A document or live configuration changed since then fails rotation with a "Rotation Failed"
alert that names the changed fields. After a legitimate change — you wrote the document with
the admin role (break-glass), want another probe URL, or repointed the gateway authorizer or
the provider yourself — this shows every changed field with its pinned and its new value, and
the hash of what it would pin. With --yes --expect HASH it pins exactly that: the same version
with the same values and live configuration, refused if anything changed since the review. It
also pins secrets registered before bindings or these destinations existed. Check the values:
pinning an attacker's change would hand it the rotator. Characters a terminal would act on or
that are invisible (escape sequences, carriage returns, bidirectional and zero-width
characters) are shown as \\uXXXX: a value showing one is not what it looks like.

Examples:
  gatewarden register update --secret gatewarden/gw-123/apiKey/weather
  gatewarden register update --secret gatewarden/gw-123/apiKey/weather --yes --expect 3f2a…(the review's hash)
`;

/** Prints the changes (and whether they were pinned); returns the exit code. */
export async function runRegisterUpdate(
  flags: UpdateFlags,
  deps: RegisterUpdateDeps,
  io: { stdout: { write(s: string): unknown } },
): Promise<number> {
  checkFlags(flags);
  const result = await rebindCredential(
    deps,
    flags.yes === true && flags.expect !== undefined
      ? { secretId: flags.secret, apply: true, expect: flags.expect.trim().toLowerCase() }
      : { secretId: flags.secret, apply: false },
  );
  // Values come from a document anyone with PutSecretValue may have written.
  const nothing = nothingToPin(result);
  const output = flags.json
    ? `${JSON.stringify({ ...result, ...(nothing ? { nothing } : {}) })}\n`
    : text(result, flags);
  io.stdout.write(forTerminal(output, { lines: true }));
  return 0;
}

/** Why nothing was (or would be) pinned, when the binding already matches. */
function nothingToPin(result: RebindResult): string | undefined {
  if (result.applied || result.changes.length > 0 || result.unverified.length > 0) return undefined;
  return 'the binding already matches the document and the live configuration';
}

/** `--yes` pins only what a review showed: it needs that review's hash, and the hash needs it. */
function checkFlags(flags: UpdateFlags): void {
  const usage = (message: string): UsageError =>
    new UsageError(message, { command: 'gatewarden register update' });
  if (flags.yes === true && flags.expect === undefined) {
    throw usage('--yes needs --expect HASH: the hash the review printed for what it showed');
  }
  if (flags.yes !== true && flags.expect !== undefined) {
    throw usage('--expect goes with --yes');
  }
}

function text(result: RebindResult, flags: UpdateFlags): string {
  const value = (v: string | undefined): string => (v === undefined ? '(none)' : forTerminal(v));
  const lines = [
    `secret:   ${forTerminal(result.secretArn)}`,
    `version:  ${forTerminal(result.versionId)}`,
  ];
  const nothing = nothingToPin(result);
  if (nothing !== undefined) lines.push(`nothing to pin: ${nothing}`);
  for (const change of result.changes) {
    lines.push(`  ${forTerminal(change.field)}: ${value(change.before)} -> ${value(change.after)}`);
  }
  if (result.unverified.length > 0) {
    lines.push(
      `failed their integrity check (unsigned or not written by gatewarden): ${result.unverified.join(', ')}`,
      '  the binding and the current version are pinned and signed anew; other such ledger records are dropped',
    );
  }
  if (result.applied) lines.push(`pinned as revision ${result.revision}`);
  else if ((result.changes.length > 0 || result.unverified.length > 0) && flags.yes !== true) {
    lines.push(
      `review:   ${result.reviewHash}`,
      `nothing pinned: to pin exactly this, run again with --yes --expect ${result.reviewHash}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export function registerUpdateWith(makeDeps: () => Promise<RegisterUpdateDeps>): RegisterCommand {
  return (program: Command) => {
    const register =
      program.commands.find((command) => command.name() === 'register') ??
      program.command('register');
    register
      .command('update')
      .description('Pin a changed registration (after a legitimate change of what steers rotation)')
      .requiredOption('--secret <id>', 'the gatewarden secret (name or ARN)')
      .option('--yes', 'pin the reviewed changes (needs --expect; default: only show them)')
      .option('--expect <hash>', 'the hash the review printed: --yes pins only that document')
      .option('--json', 'print the result as JSON')
      .addHelpText('after', HELP)
      .action(async (flags: UpdateFlags) => {
        cliLogging();
        checkFlags(flags); // before any AWS call
        process.exitCode = await runRegisterUpdate(flags, await makeDeps(), {
          stdout: process.stdout,
        });
      });
  };
}

/** Production wiring: the caller's rights (the admin's), the stack's state table. */
export async function defaultRegisterUpdateDeps(): Promise<RegisterUpdateDeps> {
  const [{ SecretsManagerRotationControl }, { defaultRegisterDeps }] = await Promise.all([
    import('../../lib/aws/rotationControl.js'),
    import('./register.js'),
  ]);
  const { bindings, destinations } = await defaultRegisterDeps();
  return {
    control: new SecretsManagerRotationControl(),
    bindings,
    ...(destinations ? { destinations } : {}),
  };
}

export const registerRegisterUpdate: RegisterCommand =
  registerUpdateWith(defaultRegisterUpdateDeps);
