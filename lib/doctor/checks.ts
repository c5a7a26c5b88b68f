import { errorClassOf } from '../shared/redact.js';
import { UnverifiableError } from './errors.js';
import type { DoctorReader, SecretInfo, TrailInfo } from './ports.js';
import { COMMAND_RIGHTS, commandRights, simulationPrincipal } from './rights.js';
import { deliveryProblems, neededEvents } from './rules.js';
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
}

const GATEWAY_DATA_TYPE = 'AWS::BedrockAgentCore::Gateway';

/** The document field each credential kind keeps its value under (lib/rotation/secretDocument). */
const DOCUMENT_FIELD: Record<string, string> = { apiKey: 'apiKey', oauthClient: 'clientSecret' };

/** Why a read failed, for "could not verify": our own messages, else the error's class. */
function unverifiedReason(error: unknown): string {
  if (error instanceof UnverifiableError) return error.message;
  return errorClassOf(error);
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
  checks.push(...(await secretChecks(reader, options)));
  const summary: Record<CheckStatus, number> = { pass: 0, fail: 0, unverified: 0 };
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

function logsManagement(trail: TrailInfo): boolean {
  return trail.logging && trail.managementEvents !== undefined;
}

async function trailChecks(reader: DoctorReader, options: DoctorOptions): Promise<CheckResult[]> {
  let trails: TrailInfo[];
  try {
    trails = await reader.trails();
  } catch (error) {
    return [
      {
        id: 'trail',
        area: 'trail',
        status: 'unverified',
        message: `could not verify CloudTrail (${unverifiedReason(error)})`,
      },
    ];
  }
  const results: CheckResult[] = [];
  const logging = trails.filter(logsManagement);
  const complete = logging.filter((t) => t.managementEvents === 'All');
  if (trails.length === 0) {
    results.push({
      id: 'trail',
      area: 'trail',
      status: 'fail',
      message:
        'no CloudTrail trail: EventBridge still receives management events, but reports have no log files to read past 90 days and tampering leaves no record',
    });
  } else if (logging.length === 0) {
    results.push({
      id: 'trail',
      area: 'trail',
      status: 'fail',
      message: `no trail logs management events (${trails.map((t) => `${t.name}: ${t.logging ? 'no management events selected' : 'logging stopped'}`).join('; ')})`,
    });
  } else if (complete.length === 0) {
    results.push({
      id: 'trail',
      area: 'trail',
      status: 'fail',
      message: `trail ${logging.map((t) => t.name).join(', ')} logs ${logging[0]?.managementEvents ?? '?'} management events only: read-only calls (secret reads, token-vault reads) or writes go unrecorded`,
    });
  } else {
    results.push({
      id: 'trail',
      area: 'trail',
      status: 'pass',
      message: `trail ${complete.map((t) => t.name).join(', ')} is logging all management events`,
    });
  }
  const gatewayData = logging.filter((t) => t.dataEventTypes.includes(GATEWAY_DATA_TYPE));
  if (gatewayData.length > 0) {
    results.push({
      id: 'trail.gateway-data-events',
      area: 'trail',
      status: 'pass',
      message: `trail ${gatewayData.map((t) => t.name).join(', ')} logs gateway invocations (${GATEWAY_DATA_TYPE} data events)`,
    });
  } else if (options.gatewayDataEvents) {
    results.push({
      id: 'trail.gateway-data-events',
      area: 'trail',
      status: 'fail',
      message: `no logging trail selects ${GATEWAY_DATA_TYPE} data events: refused gateway invocations (gateway-invoke-auth-failures) cannot be detected`,
    });
  }
  return results;
}

async function ruleChecks(reader: DoctorReader, options: DoctorOptions): Promise<CheckResult[]> {
  const prefix = `gatewarden-${options.stage}-detect-`;
  try {
    const rules = await reader.rules(prefix);
    if (rules.length === 0) {
      return [
        {
          id: 'rules.delivery',
          area: 'rules',
          status: 'fail',
          message: `no EventBridge rule named ${prefix}* on the default bus: is stage ${options.stage} deployed in this region?`,
        },
      ];
    }
    const needed = neededEvents();
    const problems = deliveryProblems(rules, needed, options.detectTargets);
    const results: CheckResult[] = [];
    // One line per rule at fault, so "rule X is DISABLED" is said once with what it costs.
    const byReason = new Map<string, string[]>();
    for (const problem of problems) {
      const names = byReason.get(problem.reason) ?? [];
      names.push(`${problem.event.source}:${problem.event.eventName}`);
      byReason.set(problem.reason, names);
    }
    for (const [reason, events] of byReason) {
      results.push({
        id: `rules.delivery`,
        area: 'rules',
        status: 'fail',
        message: `${reason}: detect receives none of ${events.length} event(s) it needs (${events.slice(0, 6).join(', ')}${events.length > 6 ? ', …' : ''})`,
        details: events,
      });
    }
    if (problems.length === 0) {
      results.push({
        id: 'rules.delivery',
        area: 'rules',
        status: 'pass',
        message: `${rules.length} rules deliver all ${needed.length} events detection needs to ${options.detectTargets.length > 0 ? options.detectTargets.join(', ') : 'their targets'}, read-only ones through rules in state ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS`,
      });
    }
    if (options.detectTargets.length === 0) {
      results.push({
        id: 'rules.target',
        area: 'rules',
        status: 'unverified',
        message: 'could not verify the rules target the detect function: its ARN is unknown',
      });
    }
    return results;
  } catch (error) {
    return [
      {
        id: 'rules.delivery',
        area: 'rules',
        status: 'unverified',
        message: `could not verify the EventBridge rules (${unverifiedReason(error)})`,
      },
    ];
  }
}

async function secretChecks(reader: DoctorReader, options: DoctorOptions): Promise<CheckResult[]> {
  let secrets: SecretInfo[];
  try {
    secrets = await reader.secrets(options.gatewayId);
  } catch (error) {
    return [
      {
        id: 'secrets',
        area: 'secrets',
        status: 'unverified',
        message: `could not list gatewarden secrets (${unverifiedReason(error)})`,
      },
    ];
  }
  if (secrets.length === 0) {
    return [
      {
        id: 'secrets',
        area: 'secrets',
        status: 'pass',
        message: `no registered secret${options.gatewayId ? ` for gateway ${options.gatewayId}` : ''} yet (nothing to check)`,
      },
    ];
  }
  const results: CheckResult[] = [];
  for (const secret of secrets) results.push(...(await secretCheck(reader, secret, options)));
  return results;
}

async function secretCheck(
  reader: DoctorReader,
  secret: SecretInfo,
  options: DoctorOptions,
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const id = (what: string): string => `secret.${what}:${secret.name}`;
  const push = (what: string, status: CheckStatus, message: string): void => {
    results.push({ id: id(what), area: 'secrets', status, message: `${secret.name}: ${message}` });
  };

  if (!secret.rotationEnabled) push('rotation', 'fail', 'rotation is disabled');
  else if (!secret.schedule) push('rotation', 'fail', 'rotation is enabled without a schedule');
  else push('rotation', 'pass', `rotation enabled, ${secret.schedule}`);

  if (!options.rotationFunctionArn)
    push(
      'function',
      'unverified',
      'could not verify its rotation function: the deployed rotate function is unknown',
    );
  else if (secret.rotationLambdaArn !== options.rotationFunctionArn)
    push(
      'function',
      'fail',
      `rotates with ${secret.rotationLambdaArn ?? 'no function'}, not the deployed rotate function ${options.rotationFunctionArn}`,
    );
  else push('function', 'pass', 'rotates with the deployed rotate function');

  let pinned;
  try {
    pinned = await reader.pinnedProvider(secret.arn);
  } catch (error) {
    push('provider', 'unverified', `could not read its binding (${unverifiedReason(error)})`);
    return results;
  }
  if (pinned === null) {
    push(
      'provider',
      'fail',
      'no binding in the state table: rotation refuses a secret registration did not pin',
    );
    return results;
  }
  if (pinned === undefined) return results; // an inbound client: no provider to check
  let provider;
  try {
    provider = await reader.provider(pinned.type, pinned.name);
  } catch (error) {
    push(
      'provider',
      'unverified',
      `could not read provider ${pinned.name} (${unverifiedReason(error)})`,
    );
    return results;
  }
  if (provider === null) {
    push(
      'provider',
      'fail',
      `its ${pinned.type} credential provider ${pinned.name} does not exist`,
    );
    return results;
  }
  push(
    'provider',
    'pass',
    `provider ${pinned.name} exists (${provider.secretSource} secret source)`,
  );

  const field =
    DOCUMENT_FIELD[secret.kind ?? ''] ?? (pinned.type === 'apiKey' ? 'apiKey' : 'clientSecret');
  const jsonKeyName = pinned.type === 'apiKey' ? 'apiKeySecretJsonKey' : 'clientSecretJsonKey';
  if (pinned.secretSource === 'EXTERNAL') {
    if (provider.secretSource !== 'EXTERNAL' || provider.secretArn !== secret.arn)
      push(
        'json-key',
        'fail',
        `provider ${pinned.name} reads ${provider.secretSource === 'EXTERNAL' ? (provider.secretArn ?? 'another secret') : 'its own MANAGED secret'}, not this secret: rotations would not reach the gateway`,
      );
    else if (provider.jsonKey !== field)
      push(
        'json-key',
        'fail',
        `provider ${pinned.name} reads key ${provider.jsonKey ?? '(none)'} (${jsonKeyName}), but gatewarden keeps the credential under ${field}`,
      );
    else push('json-key', 'pass', `provider ${pinned.name} reads this secret under ${field}`);
  } else if (!provider.jsonKey) {
    push(
      'json-key',
      'unverified',
      `could not verify the key of provider ${pinned.name}'s managed secret: no ${jsonKeyName} in its Get response`,
    );
  } else {
    push(
      'json-key',
      'pass',
      `provider ${pinned.name} keeps its value in its managed secret under ${provider.jsonKey}; rotation pushes it`,
    );
  }
  return results;
}
