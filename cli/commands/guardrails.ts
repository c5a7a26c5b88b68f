import type { Command } from 'commander';
import { forTerminal } from '../../lib/shared/terminal.js';
import { UsageError } from '../errors.js';
import type { RegisterCommand } from './index.js';

export const GUARDRAILS_DESCRIPTION =
  'Write SCP and RCP documents for an organization: only the StackSet changes gatewarden’s member resources, and gateways keep the practices the report checks';

interface GuardrailsFlags {
  stage: string;
  out: string;
  gatewayRole: string[];
  kmsKey: string[];
  exempt: string[];
  requirePolicyEngine?: boolean;
  /** `--no-access-analyzer` sets it false: the offline checks only. */
  accessAnalyzer: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export const registerGuardrails: RegisterCommand = (program: Command) => {
  program
    .command('guardrails')
    .description(GUARDRAILS_DESCRIPTION)
    .requiredOption('--stage <stage>', 'the stage whose member StackSet the SCP protects')
    .requiredOption('--out <dir>', 'folder the policy documents are written to (<name>.json)')
    .option(
      '--gateway-role <arn-pattern>',
      'a gateway execution role (ARN, * allowed) that may read gateway secrets; repeat; none = no secrets RCP',
      collect,
      [],
    )
    .option(
      '--kms-key <arn>',
      'a KMS key gateways may use; repeat; none = not enforced',
      collect,
      [],
    )
    .option(
      '--exempt <arn-pattern>',
      'an IAM role, user or root (ARN, * allowed) exempt from the gateway practices (break-glass, pipeline), and the only one besides the StackSet that may change or pass it; repeat',
      collect,
      [],
    )
    .option('--require-policy-engine', 'refuse gateways without a policy engine')
    .option(
      '--no-access-analyzer',
      'skip Access Analyzer ValidatePolicy (the offline checks of size, grammar and keys still run)',
    )
    .addHelpText(
      'after',
      '\nEach document is minified JSON within the 5,120-character quota of SCPs and RCPs, checked before it is written (docs/organization.md). Attach the SCPs to the OUs the member StackSet targets, never to the security account’s OU alone; the RCP to the same OUs.',
    )
    .action(async (flags: GuardrailsFlags) => {
      const command = 'gatewarden guardrails';
      const [{ guardrails, guardrailJson, checkGuardrail }, { mkdir, writeFile }, { join }] =
        await Promise.all([
          import('../../lib/guardrails/index.js'),
          import('node:fs/promises'),
          import('node:path'),
        ]);
      const validator = flags.accessAnalyzer
        ? new (
            await import('../../lib/aws/accessAnalyzerValidator.js')
          ).AccessAnalyzerGuardrailValidator()
        : undefined;
      let documents;
      try {
        documents = guardrails({
          stage: flags.stage,
          gatewayRoles: flags.gatewayRole,
          kmsKeyArns: flags.kmsKey,
          exemptPrincipals: flags.exempt,
          requirePolicyEngine: flags.requirePolicyEngine === true,
        });
      } catch (error) {
        if (error instanceof RangeError) throw new UsageError(error.message, { command });
        throw error;
      }
      const remote = new Set<string>();
      for (const guardrail of documents) {
        const check = await checkGuardrail(guardrail, validator);
        if (check.problems.length > 0)
          throw new UsageError(
            `${guardrail.name} is not valid: ${forTerminal(check.problems.join('; '))}`,
            { command },
          );
        for (const note of check.notes)
          process.stderr.write(`note: ${guardrail.name}: ${forTerminal(note)}\n`);
        remote.add(check.remote === 'validated' ? 'validated' : check.remote.unavailable);
      }
      // Said every time: a document Access Analyzer did not see was checked offline only.
      process.stderr.write(
        remote.size === 1 && remote.has('validated')
          ? 'Access Analyzer ValidatePolicy: every document validated as the policy type it is attached as\n'
          : `Access Analyzer ValidatePolicy not used (${[...remote].filter((r) => r !== 'validated').join(', ')}): checked offline only (size quota, grammar, RCP services, actions and condition keys)\n`,
      );
      await mkdir(flags.out, { recursive: true });
      for (const guardrail of documents) {
        const text = guardrailJson(guardrail);
        await writeFile(join(flags.out, `${guardrail.name}.json`), `${text}\n`);
        process.stdout.write(
          `${guardrail.name}.json  ${guardrail.kind}  ${text.length} characters  ${guardrail.description}\n`,
        );
      }
      if (flags.exempt.length === 0)
        process.stdout.write(
          `no --exempt: a gateway's WAF web ACL can still be replaced by another (AssociateWebACL) or emptied (UpdateWebACL)${flags.gatewayRole.length > 0 ? ', and anyone who may create IAM roles can make one named like a --gateway-role pattern, which the secrets RCP exempts' : ''}; name the deploy pipeline with --exempt to refuse it to everyone else\n`,
        );
      if (flags.gatewayRole.length === 0)
        process.stdout.write(
          'no --gateway-role: the gateway secret readers RCP is not written (it would lock the gateways out)\n',
        );
    });
};
