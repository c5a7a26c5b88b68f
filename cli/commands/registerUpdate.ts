import type { Command } from 'commander';
import type { BindingWriter } from '../../lib/rotation/binding.js';
import type { RotationControl } from '../../lib/rotation/onDemandPorts.js';
import { rebindCredential, type RebindResult } from '../../lib/rotation/rebind.js';
import { cliLogging } from './rotate.js';
import type { RegisterCommand } from './index.js';

export interface RegisterUpdateDeps {
  control: RotationControl;
  bindings: BindingWriter;
}

interface UpdateFlags {
  secret: string;
  yes?: boolean;
  json?: boolean;
}

const HELP = `
What steers the rotator (issuer, URLs, admin secrets, provider, probe, pools, grace) is pinned at
registration; a document changed since then fails rotation with a "Rotation Failed" alert that
names the changed fields. After a legitimate change — you wrote the document with the admin
role (break-glass) or want another probe URL — this shows every changed field with its pinned
and its new value, and with --yes pins the current document as the next revision. It also pins
secrets registered before bindings existed. Check the values: pinning an attacker's rewrite
would hand it the rotator.

Examples:
  gatewarden register update --secret gatewarden/gw-123/apiKey/weather
  gatewarden register update --secret gatewarden/gw-123/apiKey/weather --yes
`;

/** Prints the changes (and whether they were pinned); returns the exit code. */
export async function runRegisterUpdate(
  flags: UpdateFlags,
  deps: RegisterUpdateDeps,
  io: { stdout: { write(s: string): unknown } },
): Promise<number> {
  const result = await rebindCredential(deps, {
    secretId: flags.secret,
    apply: flags.yes === true,
  });
  io.stdout.write(flags.json ? `${JSON.stringify(result)}\n` : text(result, flags.yes === true));
  return 0;
}

function text(result: RebindResult, asked: boolean): string {
  const lines = [`secret:   ${result.secretArn}`, `version:  ${result.versionId}`];
  if (result.changes.length === 0) lines.push('no changes: the binding matches the document');
  for (const change of result.changes) {
    lines.push(`  ${change.field}: ${change.before ?? '(none)'} -> ${change.after ?? '(none)'}`);
  }
  if (result.unverified.length > 0) {
    lines.push(
      `failed their integrity check (unsigned or not written by gatewarden): ${result.unverified.join(', ')}`,
      '  the binding and the current version are pinned and signed anew; other such ledger records are dropped',
    );
  }
  if (result.applied) lines.push(`pinned as revision ${result.revision}`);
  else if ((result.changes.length > 0 || result.unverified.length > 0) && !asked)
    lines.push('nothing pinned: run again with --yes');
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
      .option('--yes', 'pin the changes (default: only show them)')
      .option('--json', 'print the result as JSON')
      .addHelpText('after', HELP)
      .action(async (flags: UpdateFlags) => {
        cliLogging();
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
  const { bindings } = await defaultRegisterDeps();
  return { control: new SecretsManagerRotationControl(), bindings };
}

export const registerRegisterUpdate: RegisterCommand =
  registerUpdateWith(defaultRegisterUpdateDeps);
