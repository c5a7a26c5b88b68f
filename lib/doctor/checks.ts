import { unverifiedReason } from './errors.js';
import type { DoctorReader } from './ports.js';
import { forwarderChecks } from './forwarderChecks.js';
import { postureChecks } from './postureChecks.js';
import { COMMAND_RIGHTS, commandRights, simulationPrincipal } from './rights.js';
import { ruleChecks } from './ruleChecks.js';
import { secretChecks } from './secretChecks.js';
import { trailChecks } from './trailChecks.js';
import type { CheckResult, CheckStatus, DoctorReport } from './types.js';

export interface DoctorOptions {
  /** The deployed stage: rules are `gatewarden-<stage>-detect-*`. */
  stage: string;
  region?: string;
  /** ARN of the deployed rotate function every gatewarden secret must rotate with. */
  rotationFunctionArn?: string;
  /** What detect rules must target (the detect function's ARN); empty = not checked. */
  detectTargets: readonly string[];
  /** Only the secrets of this gateway. */
  gatewayId?: string;
  /** Require a trail logging InvokeGateway data events (AWS::BedrockAgentCore::Gateway). */
  gatewayDataEvents?: boolean;
  /** Commands whose rights to check; default every command. */
  commands?: readonly string[];
  /** The state table (its ARN is what dynamodb actions are simulated on). */
  stateTable?: string;
  /** Check every gateway's posture (the report's "Gateway posture" checks). */
  posture?: boolean;
  /** Default true: DEBUG errors on a gateway are a finding. */
  production?: boolean;
  /** Interceptor Lambda ARNs reviewed to see headers or run in another account. */
  allowedInterceptors?: string[];
}

/**
 * Runs every read-only check of a deployment and reports each as passed, failed or not
 * verified. Never throws for what the account would not answer: that becomes "could not
 * verify" with the reason.
 */
export async function runDoctor(
  reader: DoctorReader,
  options: DoctorOptions,
): Promise<DoctorReport> {
  const checks: CheckResult[] = [];
  let caller = 'unknown';
  let account = '';
  try {
    ({ arn: caller, account } = await reader.caller());
  } catch (error) {
    checks.push({
      id: 'caller',
      area: 'rights',
      status: 'unverified',
      message: `could not verify who is calling (GetCallerIdentity: ${unverifiedReason(error)})`,
    });
  }
  checks.push(...(await rightsChecks(reader, caller, account, options)));
  checks.push(...(await trailChecks(reader, options)));
  checks.push(...(await ruleChecks(reader, options)));
  const partition = caller.split(':')[1] || 'aws';
  checks.push(
    ...(await forwarderChecks(
      reader,
      options.stage,
      options.region,
      account,
      partition,
      options.detectTargets,
    )),
  );
  checks.push(...(await secretChecks(reader, options)));
  if (options.posture) checks.push(...(await postureChecks(reader, options, account)));
  const summary: Record<CheckStatus, number> = { pass: 0, fail: 0, warn: 0, unverified: 0 };
  for (const check of checks) summary[check.status] += 1;
  return {
    caller,
    stage: options.stage,
    ...(options.region ? { region: options.region } : {}),
    checks,
    summary,
    ok: summary.fail === 0,
  };
}

async function rightsChecks(
  reader: DoctorReader,
  caller: string,
  account: string,
  options: DoctorOptions,
): Promise<CheckResult[]> {
  const ctx = {
    partition: caller.split(':')[1] || 'aws',
    account,
    region: options.region ?? 'us-east-1',
    stage: options.stage,
    ...(options.stateTable ? { stateTable: options.stateTable } : {}),
  };
  const commands = options.commands ?? Object.keys(COMMAND_RIGHTS);
  const principal = simulationPrincipal(caller);
  if (!principal) {
    return commands.map((command) => ({
      id: `rights.${command}`,
      area: 'rights' as const,
      status: 'unverified' as const,
      message: `could not verify the rights of ${caller} for \`gatewarden ${command}\`: IAM simulates users and roles only`,
    }));
  }
  const results: CheckResult[] = [];
  for (const command of commands) {
    const rights = commandRights(command, ctx);
    const actions = rights.map((r) => r.action);
    const id = `rights.${command}`;
    try {
      const decisions = await reader.simulate(principal, rights);
      const missing = rights.filter((r) => decisions.get(r.action) !== 'allowed');
      results.push(
        missing.length === 0
          ? {
              id,
              area: 'rights',
              status: 'pass',
              message: `${principal} may call the ${actions.length} actions \`gatewarden ${command}\` needs`,
            }
          : {
              id,
              area: 'rights',
              status: 'fail',
              message: `${principal} lacks ${missing.length} of the actions \`gatewarden ${command}\` needs: ${missing.map((r) => r.action).join(', ')}`,
              details: missing.map((r) => `missing: ${r.action} on ${r.resource}`),
            },
      );
    } catch (error) {
      results.push({
        id,
        area: 'rights',
        status: 'unverified',
        message: `could not verify the rights of ${principal} for \`gatewarden ${command}\` (${unverifiedReason(error)})`,
      });
    }
  }
  return results;
}
