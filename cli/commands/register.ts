import type { Command } from 'commander';
import {
  registerCredential,
  type RegisterDeps,
  type RegisterInput,
  RegistrationError,
} from '../../lib/rotation/register.js';
import { parseDurationSeconds, rotationRules } from '../../lib/rotation/registerOptions.js';
import type { CredentialKind } from '../../lib/rotation/secretDocument.js';
import { ENV } from '../../lib/shared/env.js';
import { forTerminal } from '../../lib/shared/terminal.js';
import { withLocalDefaults } from './registerLocal.js';
import { cliLogging } from './rotate.js';
import type { RegisterCommand } from './index.js';

/** Flags as commander hands them over (all strings; repeatable ones as arrays). */
export interface RegisterFlags {
  provider?: string;
  gateway?: string;
  target?: string;
  issuer: string;
  schedule: string;
  window?: string;
  grace: string;
  json?: boolean;
  kmsKey?: string;
  rotationLambda?: string;
  rotatorRole?: string;
  adminRole?: string;
  sweeperRole?: string;
  reader?: string[];
  resourcePolicy: boolean;
  name?: string;
  clientId?: string;
  currentSecret?: string;
  mintInitial?: boolean;
  managed?: boolean;
  shareIssuerClient?: boolean;
  /** `--no-test` sets it false. */
  test?: boolean;
  // test
  probeUrl?: string;
  probeMethod?: string;
  probeStatus?: string;
  discoveryUrl?: string;
  tokenEndpoint?: string;
  scope?: string[];
  audience?: string;
  // issuers
  length?: string;
  webhookUrl?: string;
  webhookLambda?: string;
  hmacSecret?: string;
  webhookTimeout?: string;
  userPool?: string;
  region?: string;
  registrationUri?: string;
  registrationTokenSecret?: string;
  oktaOrg?: string;
  oktaApp?: string;
  oktaTokenSecret?: string;
  tenant?: string;
  applicationObjectId?: string;
  entraAdminSecret?: string;
  graphUrl?: string;
  loginUrl?: string;
  auth0Domain?: string;
  auth0AdminSecret?: string;
}

const ISSUERS: Record<CredentialKind, string[]> = {
  apiKey: ['generated', 'webhook'],
  oauthClient: ['cognito', 'rfc7592', 'okta', 'entra', 'auth0'],
  inboundClient: ['cognito', 'rfc7592', 'okta', 'entra', 'auth0'],
};

function need(value: string | undefined, flag: string, issuer: string): string {
  if (!value) throw new RegistrationError(`--issuer ${issuer} needs ${flag}`, { usage: true });
  return value;
}

function int(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n))
    throw new RegistrationError(`${flag} must be an integer, got "${value}"`, { usage: true });
  return n;
}

/** The issuer configuration the flags describe (validated later by the zod schema). */
export function issuerFromFlags(kind: CredentialKind, f: RegisterFlags): Record<string, unknown> {
  if (!ISSUERS[kind].includes(f.issuer)) {
    throw new RegistrationError(
      `--issuer must be one of ${ISSUERS[kind].join(', ')} here, got "${f.issuer}"`,
      { usage: true },
    );
  }
  switch (f.issuer) {
    case 'generated':
      return { type: 'generated', ...(f.length ? { length: int(f.length, '--length') } : {}) };
    case 'webhook':
      if (!f.webhookUrl === !f.webhookLambda) {
        throw new RegistrationError(
          '--issuer webhook needs exactly one of --webhook-url or --webhook-lambda',
          { usage: true },
        );
      }
      return {
        type: 'webhook',
        ...(f.webhookUrl ? { url: f.webhookUrl } : { lambdaArn: f.webhookLambda }),
        hmacSecretArn: need(f.hmacSecret, '--hmac-secret', 'webhook'),
        ...(f.webhookTimeout ? { timeoutMs: int(f.webhookTimeout, '--webhook-timeout') } : {}),
      };
    case 'cognito':
      return {
        type: 'cognito',
        userPoolId: need(f.userPool, '--user-pool', 'cognito'),
        // Default: the OAuth provider's client id (filled in by registration).
        ...(f.clientId ? { clientId: f.clientId } : {}),
        ...(f.region ? { region: f.region } : {}),
      };
    case 'rfc7592':
      return {
        type: 'rfc7592',
        registrationClientUri: need(f.registrationUri, '--registration-uri', 'rfc7592'),
        registrationAccessTokenSecretArn: need(
          f.registrationTokenSecret,
          '--registration-token-secret',
          'rfc7592',
        ),
      };
    case 'okta':
      return {
        type: 'okta',
        orgUrl: need(f.oktaOrg, '--okta-org', 'okta'),
        ...((f.oktaApp ?? f.clientId) ? { appId: f.oktaApp ?? f.clientId } : {}),
        apiTokenSecretArn: need(f.oktaTokenSecret, '--okta-token-secret', 'okta'),
      };
    case 'entra':
      return {
        type: 'entra',
        tenantId: need(f.tenant, '--tenant', 'entra'),
        applicationObjectId: need(f.applicationObjectId, '--application-object-id', 'entra'),
        adminCredentialsSecretArn: need(f.entraAdminSecret, '--entra-admin-secret', 'entra'),
        ...(f.graphUrl ? { graphUrl: f.graphUrl } : {}),
        ...(f.loginUrl ? { loginUrl: f.loginUrl } : {}),
      };
    default:
      return {
        type: 'auth0',
        domainUrl: need(f.auth0Domain, '--auth0-domain', 'auth0'),
        managementCredentialsSecretArn: need(f.auth0AdminSecret, '--auth0-admin-secret', 'auth0'),
      };
  }
}

/** Turns flags into the registration input; environment fills the deployment-wide values. */
export function inputFromFlags(
  kind: CredentialKind,
  f: RegisterFlags,
  env: NodeJS.ProcessEnv,
): RegisterInput {
  const rotationLambdaArn = f.rotationLambda ?? env[ENV.rotationFunctionArn];
  if (!rotationLambdaArn) {
    throw new RegistrationError(
      `the rotate function is unknown: pass --rotation-lambda ARN or set ${ENV.rotationFunctionArn}`,
      { usage: true },
    );
  }
  const probeStatus = int(f.probeStatus, '--probe-status');
  const test: Record<string, unknown> = {
    ...(f.probeUrl
      ? {
          probe: {
            url: f.probeUrl,
            ...(f.probeMethod ? { method: f.probeMethod.toUpperCase() } : {}),
            ...(probeStatus !== undefined ? { expectStatus: probeStatus } : {}),
          },
        }
      : {}),
    ...(f.discoveryUrl ? { discoveryUrl: f.discoveryUrl } : {}),
    ...(f.tokenEndpoint ? { tokenEndpoint: f.tokenEndpoint } : {}),
    ...(f.scope && f.scope.length > 0 ? { scopes: f.scope } : {}),
    ...(f.audience ? { audience: f.audience } : {}),
  };
  const kmsKeyId = f.kmsKey ?? env[ENV.secretsKmsKeyId];
  const rotatorRoleArn = f.rotatorRole ?? env[ENV.rotatorRoleArn];
  const adminRoleArn = f.adminRole ?? env[ENV.adminRoleArn];
  const sweeperRoleArn = f.sweeperRole ?? env[ENV.sweeperRoleArn];
  return {
    kind,
    ...(f.provider ? { providerName: f.provider } : {}),
    ...(f.gateway ? { gatewayId: f.gateway } : {}),
    ...(f.target ? { targetId: f.target } : {}),
    issuer: issuerFromFlags(kind, f),
    test,
    schedule: f.schedule,
    ...(f.window ? { window: f.window } : {}),
    graceSeconds: parseDurationSeconds(f.grace, '--grace'),
    ...(kmsKeyId ? { kmsKeyId } : {}),
    rotationLambdaArn,
    ...(rotatorRoleArn ? { rotatorRoleArn } : {}),
    ...(adminRoleArn ? { adminRoleArn } : {}),
    ...(sweeperRoleArn ? { sweeperRoleArn } : {}),
    ...(f.reader ? { extraReaders: f.reader } : {}),
    resourcePolicy: f.resourcePolicy,
    ...(f.clientId ? { clientId: f.clientId } : {}),
    ...(f.currentSecret ? { currentSecret: f.currentSecret } : {}),
    ...(f.mintInitial ? { mintInitial: true } : {}),
    ...(f.test === false ? { noTest: true } : {}),
    ...(f.shareIssuerClient ? { shareIssuerClient: true } : {}),
    ...(kind === 'inboundClient' ? {} : { providerSource: f.managed ? 'MANAGED' : 'EXTERNAL' }),
    ...(f.name ? { name: f.name } : {}),
  };
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** Options every kind takes: the schedule, the secret, who may read and write it. */
function addCommonOptions(command: Command): Command {
  return command
    .option(
      '--schedule <expr>',
      'rotation schedule: rate(N days), rate(N hours) or cron(...)',
      'rate(30 days)',
    )
    .option('--window <hours>', 'rotation window, e.g. 3h (Secrets Manager Duration)')
    .option(
      '--grace <duration>',
      'how long the previous credential stays valid after rotation',
      '24h',
    )
    .option('--json', 'print {"secretArn": …} only')
    .option('--kms-key <id>', `KMS key for the secret (default $${ENV.secretsKmsKeyId})`)
    .option(
      '--rotation-lambda <arn>',
      `the gatewarden rotate function (default $${ENV.rotationFunctionArn})`,
    )
    .option(
      '--rotator-role <arn>',
      `role of the rotator, a reader in the resource policy (default $${ENV.rotatorRoleArn})`,
    )
    .option(
      '--admin-role <arn>',
      `break-glass admin role, with the rotator the only writer of the secret (default $${ENV.adminRoleArn})`,
    )
    .option(
      '--sweeper-role <arn>',
      `role of the daily sweep (the rotateNow function): reads, and takes back abandoned rotations (default $${ENV.sweeperRoleArn})`,
    )
    .option('--reader <arn>', 'another principal allowed to read the secret (repeatable)', collect)
    .option('--no-resource-policy', 'do not attach the readers-only resource policy')
    .option(
      '--name <name>',
      'secret name (default gatewarden/<gateway>/<kind>/<provider or client>)',
    )
    .option(
      '--current-secret <id[#jsonKey]>',
      'read the current credential from this secret instead (#jsonKey names the field of a JSON secret; needed when it has more than one)',
    )
    .option(
      '--mint-initial',
      'mint a fresh credential at the issuer now instead of reading the current one',
    );
}

/** Options of one kind of credential: where it is held, how a new one is tested. */
function addKindOptions(command: Command, kind: CredentialKind): Command {
  if (kind !== 'inboundClient') {
    command
      .option('--target <id>', 'gateway target that uses the credential')
      .option(
        '--managed',
        'keep AgentCore’s own copy of the value (MANAGED): rotation pushes each new value to the provider; default: point the provider at the gatewarden secret (EXTERNAL)',
      );
  }
  if (kind === 'apiKey') {
    return command
      .option('--probe-url <url>', 'a request that must succeed with the new key (testSecret)')
      .option('--no-test', 'rotate without a probe (every result says tested: false)')
      .option('--probe-method <method>', 'GET, POST or HEAD for --probe-url')
      .option('--probe-status <code>', 'status --probe-url must answer (default 200)');
  }
  return command
    .option(
      '--share-issuer-client',
      'register although another gatewarden secret rotates the same IdP client',
    )
    .option('--client-id <id>', 'client id (overrides the provider’s or the gateway’s)')
    .option('--discovery-url <url>', 'OpenID discovery URL to verify tokens against')
    .option('--token-endpoint <url>', 'token endpoint (default: from discovery)')
    .option('--scope <scope>', 'scope to request when testing (repeatable)', collect)
    .option('--audience <aud>', 'audience to request when testing');
}

/** Options of each issuer, shown only for the kinds it can mint. */
const ISSUER_OPTIONS: Record<string, (command: Command) => Command> = {
  generated: (c) => c.option('--length <n>', 'generated: key length (default 40)'),
  webhook: (c) =>
    c
      .option('--webhook-url <url>', 'webhook: your HTTPS endpoint that mints and revokes keys')
      .option('--webhook-lambda <arn>', 'webhook: your Lambda function that mints and revokes keys')
      .option('--hmac-secret <id>', 'webhook: secret holding the HMAC signing key')
      .option('--webhook-timeout <ms>', 'webhook: request timeout in ms (default 5000)'),
  cognito: (c) =>
    c
      .option('--user-pool <id>', 'cognito: user pool id')
      .option('--region <region>', 'cognito: region of the user pool'),
  rfc7592: (c) =>
    c
      .option('--registration-uri <url>', 'rfc7592: the client’s registration_client_uri')
      .option(
        '--registration-token-secret <id>',
        'rfc7592: secret holding the registration access token',
      ),
  okta: (c) =>
    c
      .option('--okta-org <url>', 'okta: org URL, e.g. https://example.okta.com')
      .option('--okta-app <id>', 'okta: application id (default: the client id)')
      .option('--okta-token-secret <id>', 'okta: secret holding an API token (SSWS)'),
  entra: (c) =>
    c
      .option('--tenant <id>', 'entra: tenant id')
      .option('--application-object-id <id>', 'entra: object id of the application')
      .option(
        '--entra-admin-secret <id>',
        'entra: secret with {"clientId","clientSecret"} of an admin app',
      )
      .option(
        '--graph-url <url>',
        'entra: Microsoft Graph base URL (default https://graph.microsoft.com)',
      )
      .option(
        '--login-url <url>',
        'entra: login base URL (default https://login.microsoftonline.com)',
      ),
  auth0: (c) =>
    c
      .option('--auth0-domain <url>', 'auth0: tenant URL, e.g. https://example.eu.auth0.com')
      .option(
        '--auth0-admin-secret <id>',
        'auth0: secret with {"clientId","clientSecret"} of a Management API app',
      ),
};

/** Every option a kind takes, and no other (its --help lists only these). */
function addOptionsOf(command: Command, kind: CredentialKind): Command {
  addKindOptions(addCommonOptions(command), kind);
  for (const issuer of ISSUERS[kind]) ISSUER_OPTIONS[issuer]?.(command);
  return command;
}

/** Runs one registration and prints the result; returns the exit code. */
export async function runRegister(
  kind: CredentialKind,
  flags: RegisterFlags,
  deps: RegisterDeps,
  io: {
    stdout: { write(s: string): unknown };
    stderr: { write(s: string): unknown };
    env: NodeJS.ProcessEnv;
  },
): Promise<number> {
  const result = await registerCredential(deps, inputFromFlags(kind, flags, io.env));
  for (const warning of result.warnings)
    io.stderr.write(`gatewarden: warning: ${forTerminal(warning)}\n`);
  if (flags.json) {
    io.stdout.write(`${JSON.stringify({ secretArn: result.secretArn })}\n`);
  } else {
    const schedule = result.rules.automaticallyAfterDays
      ? `every ${result.rules.automaticallyAfterDays} days`
      : (result.rules.scheduleExpression ?? '');
    // The names come from the provider or gateway the AgentCore control plane described.
    io.stdout.write(
      forTerminal(
        `registered ${forTerminal(result.name)}\n  secret:   ${result.secretArn}\n  gateway:  ${forTerminal(result.gatewayId)}\n  rotation: enabled, ${schedule}${result.rules.duration ? ` within ${result.rules.duration}` : ''}\n`,
        { lines: true },
      ),
    );
  }
  return 0;
}

const HELP = `
Reads the existing credential through the AgentCore control API (the provider and its managed
secret, or the gateway's CUSTOM_JWT authorizer), creates the gatewarden secret
gatewarden/<gateway>/<kind>/<name> (tagged, KMS-encrypted, readable only by the gateway role,
the rotator and AgentCore, writable only by the rotator and the admin role), pins what steers
the rotator (issuer, URLs, admin secrets, provider, test) in the state table, enables rotation
with the rotate function and checks it. Issuer admin secrets must live under gatewarden-admin/.
Values are never printed. To change a registration later: gatewarden register update --help.

Examples:
  gatewarden register apikey --provider weather-key --issuer generated --schedule "rate(30 days)"
  gatewarden register apikey --provider partner-key --issuer webhook \\
      --webhook-url https://keys.example.com/gatewarden --hmac-secret gatewarden-admin/webhook-hmac
  gatewarden register oauth --provider crm-oauth --issuer okta --okta-org https://acme.okta.com \\
      --okta-token-secret gatewarden-admin/okta-token
  gatewarden register inbound --gateway gw-123 --issuer cognito --user-pool us-east-1_abc \\
      --client-id 4f1… --current-secret agents/crm-client#client_secret --window 3h --grace 24h
`;

export function registerRegisterWith(makeDeps: () => Promise<RegisterDeps>): RegisterCommand {
  return (program: Command) => {
    const register = program
      .command('register')
      .description(
        'Put an existing gateway credential under gatewarden: create its secret and enable rotation',
      );
    const kinds: [string, CredentialKind, string][] = [
      ['apikey', 'apiKey', 'an outbound API key of an AgentCore API-key credential provider'],
      [
        'oauth',
        'oauthClient',
        'an outbound OAuth2 client secret of an AgentCore OAuth2 credential provider',
      ],
      [
        'inbound',
        'inboundClient',
        'the client credentials agents use to get a JWT for the gateway',
      ],
    ];
    for (const [name, kind, what] of kinds) {
      const sub = register
        .command(name)
        .description(`Register ${what}`)
        .requiredOption('--issuer <type>', `who mints it: ${ISSUERS[kind].join(' | ')}`);
      if (kind === 'inboundClient')
        sub.requiredOption('--gateway <id>', 'the gateway whose authorizer accepts the client');
      else {
        sub.requiredOption('--provider <name>', 'AgentCore Identity credential provider name');
        sub.option('--gateway <id>', 'gateway (default: the one whose targets use the provider)');
      }
      addOptionsOf(sub, kind)
        .addHelpText('after', HELP)
        .action(async (flags: RegisterFlags) => {
          cliLogging();
          // Options that cannot work are usage errors, reported before anything else is done
          // or said (the local stack's defaults included; they only supply the rotate function).
          const flagsOnly = inputFromFlags(kind, flags, {
            ...process.env,
            [ENV.rotationFunctionArn]: process.env[ENV.rotationFunctionArn] ?? 'from the stack',
          });
          rotationRules(flagsOnly.schedule, flagsOnly.window);
          const env = await withLocalDefaults(flags, process.env);
          inputFromFlags(kind, flags, env);
          process.exitCode = await runRegister(kind, flags, await makeDeps(), {
            stdout: process.stdout,
            stderr: process.stderr,
            env,
          });
        });
    }
  };
}

/**
 * Production wiring: the SDK against AWS or whatever AWS_ENDPOINT_URL points at. Bindings go to
 * the state table (`GATEWARDEN_STATE_TABLE`; on the local stack the local stage's table).
 */
export async function defaultRegisterDeps(
  baseEnv: NodeJS.ProcessEnv = process.env,
): Promise<RegisterDeps> {
  const [
    { SecretsManagerRotationControl },
    { AgentCoreRegistrationReader },
    { awsRotationDeps },
    { withLocalStateTable },
    { AwsRotationTagger },
    { AgentCoreProviders },
    { AgentCoreGatewayReader },
    { HttpCredentialVerifier },
  ] = await Promise.all([
    import('../../lib/aws/rotationControl.js'),
    import('../../lib/aws/registrationReader.js'),
    import('../../lib/aws/rotationDeps.js'),
    import('./localState.js'),
    import('../../lib/aws/rotationTagger.js'),
    import('../../lib/aws/identityProviders.js'),
    import('../../lib/aws/gatewayReader.js'),
    import('../../lib/rotation/verifier.js'),
  ]);
  const env = await withLocalStateTable(baseEnv);
  const engine = awsRotationDeps(env);
  if (!env[ENV.stateTable]) {
    throw new RegistrationError(
      `the state table is unknown: set ${ENV.stateTable} (stack output StateTableName); the binding that pins this registration lives there`,
    );
  }
  return {
    control: new SecretsManagerRotationControl(),
    agentcore: new AgentCoreRegistrationReader(),
    issuers: engine.issuers,
    bindings: engine.bindings,
    tagger: new AwsRotationTagger(),
    providers: new AgentCoreProviders(),
    destinations: {
      gateways: new AgentCoreGatewayReader(),
      providers: new AgentCoreProviders(),
      discovery: new HttpCredentialVerifier(),
    },
  };
}

export const registerRegister: RegisterCommand = registerRegisterWith(defaultRegisterDeps);
