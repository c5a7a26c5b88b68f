import type { DoctorOptions } from './checks.js';
import { unverifiedReason } from './errors.js';
import type { DoctorReader, SecretInfo } from './ports.js';
import { scheduleCheck } from './scheduleCheck.js';
import type { CheckResult, CheckStatus } from './types.js';

/** The document field each credential kind keeps its value under (lib/rotation/secretDocument). */
const DOCUMENT_FIELD: Record<string, string> = { apiKey: 'apiKey', oauthClient: 'clientSecret' };

/**
 * Each registered secret: rotation, its schedule against the registered one, function, binding,
 * provider and the JSON key it reads.
 */
export async function secretChecks(
  reader: DoctorReader,
  options: DoctorOptions,
): Promise<CheckResult[]> {
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
        message: `no registered secret${options.gatewayId ? ` for gateway ${options.gatewayId}` : ''} yet, nothing to check: \`gatewarden register apikey|oauth|inbound\` puts one under gatewarden`,
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
  const schedule = await scheduleCheck(reader, secret);
  if (schedule) push('schedule', schedule.status, schedule.message);

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
