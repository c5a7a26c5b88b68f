import { TAGS } from '../shared/env.js';
import { safeReason } from '../shared/redact.js';
import { credentialSecretName } from '../shared/secretNames.js';
import { type BindingWriter, issuerClientKey, stateOf, steeringOf } from './binding.js';
import { ItemIntegrityError } from './errors.js';
import { STAGE, versionWithStage, type IssuerRegistry } from './ports.js';
import type { RotationControl, RotationRules } from './onDemandPorts.js';
import {
  parseIssuer,
  RegistrationError,
  rotationRules,
  rulesMatch,
  validateDocument,
  withClientDefaults,
} from './registerOptions.js';
import { secretResourcePolicy } from './registerPolicy.js';
import { type DestinationReaders, pinDestinations } from './liveDestinations.js';
import type { AgentCoreReader, ProviderSourceSwitch, RotationTagger } from './registerPorts.js';
import {
  checkInbound,
  currentCredential,
  findUse,
  loadProvider,
  testConfig,
} from './registerSources.js';
import { type CredentialKind, SCHEMA_VERSION, type SecretDocument } from './secretDocument.js';

export { RegistrationError } from './registerOptions.js';

export interface RegisterInput {
  kind: CredentialKind;
  /** apiKey / oauthClient: the AgentCore Identity provider name. */
  providerName?: string;
  /** Required for inboundClient; otherwise found from the targets using the provider. */
  gatewayId?: string;
  targetId?: string;
  /** Raw issuer configuration, validated here. */
  issuer: Record<string, unknown>;
  /** Extra test configuration (probe, discovery URL, scopes, audience). */
  test?: Record<string, unknown>;
  schedule: string;
  window?: string;
  graceSeconds: number;
  kmsKeyId?: string;
  rotationLambdaArn: string;
  /** The rotator's role; with the gateway role, the readers allowed by the resource policy. */
  rotatorRoleArn?: string;
  /** Break-glass admin role: with the rotator, the only writer the resource policy allows. */
  adminRoleArn?: string;
  /** The daily sweep's role: a reader, and may move AWSPENDING off an abandoned rotation. */
  sweeperRoleArn?: string;
  extraReaders?: string[];
  resourcePolicy: boolean;
  /** Inbound clients (and overrides for OAuth providers): the client id. */
  clientId?: string;
  /** Where the current credential lives when not in the provider (`ID` or `ID#jsonKey`). */
  currentSecret?: string;
  /**
   * How the provider gets new values: `EXTERNAL` (default) points it at the gatewarden secret,
   * so promotion needs no provider update; `MANAGED` keeps AgentCore's own copy and pushes.
   */
  providerSource?: 'EXTERNAL' | 'MANAGED';
  /** API keys: rotate without any test (no probe); every result then says `tested: false`. */
  noTest?: boolean;
  /** Mint the first credential at the issuer instead of reading the current one. */
  mintInitial?: boolean;
  /** Register on an issuer client another gatewarden secret already rotates (both keep working only if the issuer holds enough credentials). */
  shareIssuerClient?: boolean;
  /** Secret name override (default `gatewarden/<gateway>/<kind>/<name>`). */
  name?: string;
}

export interface RegisterDeps {
  control: RotationControl;
  agentcore: AgentCoreReader;
  /** Checks the issuer configuration (list) and mints with `mintInitial`. */
  issuers?: IssuerRegistry;
  /** Where the binding is pinned (the state table); only register writes it. */
  bindings: BindingWriter;
  /** Tags the provider and Cognito pool: the rotate role may update only tagged ones. */
  tagger?: RotationTagger;
  /** Points the provider at the gatewarden secret (EXTERNAL); required for that source. */
  providers?: ProviderSourceSwitch;
  /**
   * Reads what is pinned beside the document (./destinations.ts): the gateway authorizer and
   * its discovery document, a MANAGED OAuth2 provider's vendor configuration. Required for
   * inbound clients and MANAGED OAuth2 clients.
   */
  destinations?: DestinationReaders;
}

export interface RegisterResult {
  secretArn: string;
  name: string;
  gatewayId: string;
  rules: RotationRules;
  warnings: string[];
}

/**
 * Registers an existing gateway credential with gatewarden: reads the provider and gateway
 * through the AgentCore control API, builds and validates the secret document, creates the
 * tagged, KMS-encrypted secret with its resource policy, pins the binding (what steers the
 * rotator) in the state table, enables rotation with the rotate function, and checks that
 * Secrets Manager reports it enabled with the requested rules.
 */
export async function registerCredential(
  deps: RegisterDeps,
  input: RegisterInput,
): Promise<RegisterResult> {
  const warnings: string[] = [];
  const rules = rotationRules(input.schedule, input.window);
  if (input.resourcePolicy && !input.rotatorRoleArn) {
    throw new RegistrationError(
      'no rotator role is known for the resource policy: pass --rotator-role or set GATEWARDEN_ROTATOR_ROLE_ARN (or --no-resource-policy)',
      { usage: true },
    );
  }
  const provider = input.kind === 'inboundClient' ? undefined : await loadProvider(deps, input);
  const use = provider ? await findUse(deps, provider, input) : undefined;
  const gatewayId = input.gatewayId ?? use?.gatewayId;
  if (!gatewayId)
    throw new RegistrationError('--gateway is required for an inbound client', { usage: true });
  const gateway = await deps.agentcore.gateway(gatewayId);
  const clientId = input.clientId ?? provider?.clientId;
  if (input.kind === 'inboundClient') checkInbound(gateway, clientId, warnings);
  const issuer = parseIssuer(withClientDefaults(input.issuer, clientId));
  const secretSource = input.providerSource ?? 'EXTERNAL';
  if (provider && secretSource === 'EXTERNAL' && !deps.providers) {
    throw new RegistrationError('no provider adapter is available to switch it to EXTERNAL');
  }

  const base = {
    schemaVersion: SCHEMA_VERSION,
    kind: input.kind,
    gatewayId,
    ...((input.targetId ?? use?.targetId) ? { targetId: input.targetId ?? use?.targetId } : {}),
    ...(provider
      ? {
          provider: {
            type: provider.type,
            name: provider.name,
            arn: provider.arn,
            secretSource,
          },
        }
      : {}),
    issuer,
    test: untestedOrProbed(input, testConfig(input, provider, gateway, use)),
    graceSeconds: input.graceSeconds,
    retiring: [],
    rotatedAt: new Date().toISOString(),
    ...(clientId ? { clientId } : {}),
  };
  const credential = await currentCredential(deps, input, provider, base);
  const doc = validateDocument({ ...base, ...credential });
  if (!doc.issuerCredentialId && deps.issuers) {
    // Proves the issuer configuration works before anything is created, and records which
    // credential is current when the issuer holds just one (later rotations retire it by id).
    const listed = await deps.issuers
      .get(doc.issuer.type)
      .list(doc.issuer, doc)
      .catch((error: unknown) => {
        throw new RegistrationError(
          `issuer ${doc.issuer.type} could not list its credentials: ${safeReason(error)}`,
          { cause: error },
        );
      });
    if (listed.length === 1 && listed[0]) doc.issuerCredentialId = listed[0].credentialId;
  }

  const destinations = await pinDestinations(deps.destinations, doc);

  const name =
    input.name ??
    credentialSecretName(gatewayId, input.kind, provider?.name ?? clientId ?? 'client');
  const claim = await claimIssuerClient(deps, doc, name, input.shareIssuerClient === true);
  const created = await deps.control
    .createSecret({
      name,
      value: JSON.stringify(doc),
      description: `gatewarden ${input.kind} credential of gateway ${gatewayId}${provider ? ` (provider ${provider.name})` : ''}`,
      ...(input.kmsKeyId ? { kmsKeyId: input.kmsKeyId } : {}),
      tags: { [TAGS.gateway]: gatewayId, [TAGS.kind]: input.kind },
    })
    .catch((error: unknown) => {
      if ((error as { name?: string }).name === 'ResourceExistsException') {
        throw new RegistrationError(
          `a secret named ${name} already exists: this credential is registered, nothing was created (rotate it with \`gatewarden rotate --secret ${name}\`; after a change, \`gatewarden register update --secret ${name}\`)`,
          {
            context: { name },
          },
        );
      }
      throw error;
    });

  if (input.resourcePolicy) {
    const readers = [
      gateway.roleArn,
      input.rotatorRoleArn,
      input.sweeperRoleArn,
      // Break-glass: the admin writes a value, then reviews it with `register update`, which
      // reads it. It may rewrite this policy anyway: reading adds no power.
      input.adminRoleArn,
      ...(input.extraReaders ?? []),
    ].filter((arn): arn is string => typeof arn === 'string' && arn.length > 0);
    const writers = [input.rotatorRoleArn, input.adminRoleArn].filter(
      (arn): arn is string => typeof arn === 'string' && arn.length > 0,
    );
    await deps.control.putResourcePolicy(
      created.arn,
      secretResourcePolicy({
        readers,
        writers,
        rotationLambdaArn: input.rotationLambdaArn,
        ...(input.sweeperRoleArn ? { stageMovers: [input.sweeperRoleArn] } : {}),
        // An EXTERNAL provider's reads come from AgentCore Identity, for that provider only.
        ...(provider && secretSource === 'EXTERNAL' ? { agentcoreProviderArn: provider.arn } : {}),
      }),
    );
  }
  if (input.resourcePolicy && !input.adminRoleArn) {
    warnings.push(
      'no admin role was named (--admin-role): only the rotator may write this secret; see docs/threat-model.md for break-glass',
    );
  }

  // Pinned before rotation is switched on, so no rotation ever runs unchecked.
  const firstVersion =
    created.versionId ?? currentVersion(await deps.control.describe(created.arn));
  const now = new Date().toISOString();
  await deps.bindings.putBinding({
    secretArn: created.arn,
    steering: { ...steeringOf(doc), ...destinations },
    revision: 1,
    boundAt: now,
    rotation: rules,
  });
  await deps.bindings.recordVersion(created.arn, {
    versionId: firstVersion,
    state: stateOf(doc),
    writtenBy: 'register',
    writtenAt: now,
  });
  if (claim) await deps.bindings.putIssuerClaims(claim.key, claim.names);
  await deps.tagger?.tag(rotatedResources(doc, gateway.arn));
  if (provider && secretSource === 'EXTERNAL') {
    await switchToExternal(deps, provider, created.arn, input.kind);
  }

  await deps.control
    .enableRotation(created.arn, { lambdaArn: input.rotationLambdaArn, rules })
    .catch((error: unknown) => {
      // The policy leaves the schedule to its writers: a registrar that is neither is refused.
      if (input.resourcePolicy && (error as { name?: string }).name === 'AccessDeniedException') {
        throw new RegistrationError(
          `secret ${created.arn} was created, but rotation could not be enabled: its policy leaves the schedule to the rotator and the admin role (--admin-role); register as one of them`,
          { cause: error, context: { secretArn: created.arn } },
        );
      }
      throw error;
    });
  const status = await deps.control.describe(created.arn);
  const problems = [
    status.rotationEnabled ? undefined : 'RotationEnabled is false',
    status.rotationLambdaArn === input.rotationLambdaArn
      ? undefined
      : 'the rotation function differs',
    rulesMatch(rules, status.rules) ? undefined : 'the rotation rules differ',
  ].filter((p): p is string => p !== undefined);
  if (problems.length > 0) {
    throw new RegistrationError(
      `secret ${created.arn} was created but rotation is not set up as asked: ${problems.join('; ')}`,
      { context: { secretArn: created.arn } },
    );
  }
  return { secretArn: created.arn, name, gatewayId, rules, warnings };
}

/**
 * One gatewarden secret per issuer client: a second registration would mint and revoke on the
 * same client as the first. Refused, naming the registered secret, unless shared explicitly.
 */
async function claimIssuerClient(
  deps: RegisterDeps,
  doc: SecretDocument,
  name: string,
  share: boolean,
): Promise<{ key: string; names: string[] } | undefined> {
  const key = issuerClientKey(doc);
  if (!key) return undefined;
  // Claims that fail their integrity check are refused unless sharing is asked for knowingly,
  // which signs a fresh list (the message of the refusal says so).
  const names = await deps.bindings.issuerClaims(key).catch((error: unknown) => {
    if (share && error instanceof ItemIntegrityError) return [];
    throw error;
  });
  const others = names.filter((other) => other !== name);
  if (others.length > 0 && !share) {
    throw new RegistrationError(
      `the ${doc.issuer.type} client is already rotated by ${others.join(', ')}: two registrations would revoke each other's credentials; pass --share-issuer-client to share it knowingly`,
      { context: { issuer: doc.issuer.type } },
    );
  }
  return { key, names: [...new Set([...names, name])] };
}

/**
 * Points the provider at the new secret's credential field. The secret already holds the
 * provider's current value, so the gateway sees no change. If the switch fails, rotation stays
 * off (it is enabled only after this), so nothing is rotated under a provider that would not
 * follow.
 */
async function switchToExternal(
  deps: RegisterDeps,
  provider: { type: 'apiKey' | 'oauth2'; name: string },
  secretArn: string,
  kind: CredentialKind,
): Promise<void> {
  const jsonKey = kind === 'apiKey' ? 'apiKey' : 'clientSecret';
  try {
    await deps.providers?.useExternalSecret(provider, { secretId: secretArn, jsonKey });
  } catch (error) {
    throw new RegistrationError(
      `could not point provider ${provider.name} at the gatewarden secret (${error instanceof Error ? error.name : 'error'}); secret ${secretArn} was created without rotation: delete it and register again, or pass --managed`,
      { cause: error, context: { provider: provider.name, secretArn } },
    );
  }
}

/**
 * An API key is tested only by its probe (the deployed rotator has no data-plane read-back):
 * without one, registration needs an explicit `--no-test`, recorded in the document.
 */
function untestedOrProbed(
  input: RegisterInput,
  test: Record<string, unknown>,
): Record<string, unknown> {
  if (input.kind !== 'apiKey' || test.probe !== undefined) return test;
  if (!input.noTest) {
    throw new RegistrationError(
      'an API key needs --probe-url (a request that must succeed with the new key), or --no-test to rotate it untested',
    );
  }
  return { ...test, untested: true };
}

function currentVersion(status: { versionStages: Record<string, string[]> }): string {
  const found = versionWithStage(status, STAGE.current);
  if (!found) throw new RegistrationError('the new secret has no AWSCURRENT version');
  return found;
}

/** What the rotator will change with its own rights: the provider and a Cognito pool. */
function rotatedResources(doc: SecretDocument, gatewayArn: string): string[] {
  const arns: string[] = [];
  if (doc.provider?.arn) arns.push(doc.provider.arn);
  if (doc.issuer.type === 'cognito') {
    // The pool sits in the gateway's account, in its own region when the issuer names one.
    const [, partition, , region, account] = gatewayArn.split(':');
    arns.push(
      `arn:${partition}:cognito-idp:${doc.issuer.region ?? region}:${account}:userpool/${doc.issuer.userPoolId}`,
    );
  }
  return arns;
}
