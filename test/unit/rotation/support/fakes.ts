/**
 * In-memory fakes of every rotation port, with Secrets Manager's version/stage semantics and an
 * issuer that really mints and revokes, so tests can check what works where. A `FaultPlan`
 * lets tests fail any call (before or after its effect) to build the fault matrix.
 */
import { randomUUID } from 'node:crypto';
import { FakeSecretStore } from './FakeSecretStore.js';
import { FakeClock, FaultPlan } from './faults.js';
import type { Alert, AlertSink } from '../../../../lib/alerts/alert.js';
import type {
  IssuedCredential,
  Issuer,
  IssuerCredentialInfo,
} from '../../../../lib/rotation/issuer.js';
import type {
  ApiKeyProbe,
  CredentialVerifier,
  GatewayReader,
  JwtAuthorizer,
  ProviderReader,
  ProviderUpdater,
  RotationDeps,
} from '../../../../lib/rotation/ports.js';
import type { IssuerConfig, SecretDocument } from '../../../../lib/rotation/secretDocument.js';
import { stateOf, steeringOf } from '../../../../lib/rotation/binding.js';
import {
  assertSameDestination,
  type Destinations,
  neededDestinations,
  type Oauth2Destination,
} from '../../../../lib/rotation/destinations.js';
import { MemoryBindingStore } from '../../../../lib/rotation/memoryBindings.js';
import { secretDocumentSchema } from '../../../../lib/rotation/secretDocument.js';

export { FakeSecretStore } from './FakeSecretStore.js';
export { FakeClock, FaultPlan, faultError, type FaultKind } from './faults.js';

interface HeldCredential {
  id: string;
  secret: string;
  label?: string;
  active: boolean;
  createdAt: number;
}

/** An issuer holding real (fake) credentials: overlap like Cognito, or replace like Auth0. */
export class FakeIssuer implements Issuer {
  readonly type = 'generated' as const;
  readonly held: HeldCredential[] = [];
  private seq = 0;
  constructor(
    private readonly faults: FaultPlan,
    readonly supportsOverlap = true,
    readonly maxActive: number | undefined = 2,
    private readonly labels = false,
    private readonly canary = 'CANARY',
    private readonly clock: FakeClock = new FakeClock(),
  ) {}

  seed(secret: string): string {
    const id = `cred-${++this.seq}`;
    this.held.push({ id, secret, active: true, createdAt: this.clock.time });
    return id;
  }

  active(): HeldCredential[] {
    return this.held.filter((c) => c.active);
  }

  isValid(secret: string | undefined): boolean {
    return secret !== undefined && this.held.some((c) => c.active && c.secret === secret);
  }

  mint(
    _config: IssuerConfig,
    _doc: SecretDocument,
    idempotencyKey: string,
  ): Promise<IssuedCredential> {
    return this.faults.call('issuer.mint', () => {
      if (
        this.maxActive !== undefined &&
        this.supportsOverlap &&
        this.active().length >= this.maxActive
      ) {
        throw Object.assign(new Error('limit exceeded'), { name: 'LimitExceededException' });
      }
      if (!this.supportsOverlap) for (const c of this.held) c.active = false;
      const id = `cred-${++this.seq}`;
      const secret = `${this.canary}-${id}-${randomUUID()}`;
      this.held.push({
        id,
        secret,
        active: true,
        createdAt: this.clock.time,
        ...(this.labels ? { label: idempotencyKey } : {}),
      });
      return { credentialId: id, apiKey: secret, clientSecret: secret };
    });
  }

  revoke(_config: IssuerConfig, _doc: SecretDocument, credentialId: string): Promise<void> {
    return this.faults.call('issuer.revoke', () => {
      for (const c of this.held) if (c.id === credentialId) c.active = false;
    });
  }

  list(): Promise<IssuerCredentialInfo[]> {
    return this.faults.call('issuer.list', () =>
      this.active().map((c) => ({
        credentialId: c.id,
        createdAt: new Date(c.createdAt).toISOString(),
        ...(c.label ? { idempotencyKey: c.label } : {}),
      })),
    );
  }
}

/** AgentCore Identity providers: what each MANAGED provider currently holds. */
export class FakeProviders implements ProviderUpdater, ProviderReader {
  readonly values = new Map<string, string>();
  /** Every value any provider was ever given, in order. */
  readonly history: string[] = [];
  constructor(private readonly faults: FaultPlan) {}
  updateApiKey(name: string, apiKey: string): Promise<void> {
    return this.faults.call('provider.update', () => this.set(name, apiKey));
  }
  /** The vendor configuration each OAuth2 provider has live (a test may repoint it). */
  readonly oauth2Configs = new Map<string, Oauth2Destination>();
  updateOauth2ClientSecret(
    name: string,
    _clientId: string,
    clientSecret: string,
    pinned: Oauth2Destination,
  ): Promise<void> {
    return this.faults.call('provider.update', () => {
      assertSameDestination('oauth2', pinned, this.oauth2Config(name), { provider: name });
      this.set(name, clientSecret);
    });
  }
  readOauth2Destination(name: string): Promise<Oauth2Destination> {
    return this.faults.call('provider.get', () => this.oauth2Config(name));
  }
  oauth2Config(name: string): Oauth2Destination {
    return structuredClone(this.oauth2Configs.get(name) ?? fakeOauth2Destination('client-1'));
  }
  private set(name: string, value: string): void {
    this.values.set(name, value);
    this.history.push(value);
  }
  readApiKey(name: string): Promise<string> {
    return this.faults.call('provider.read', () => this.values.get(name) ?? '');
  }
}

/** Verifies against the fake issuer: a credential works when the issuer holds it active. */
export class FakeVerifier implements CredentialVerifier {
  readonly calls: { clientId?: string; authorizer?: JwtAuthorizer }[] = [];
  constructor(
    private readonly faults: FaultPlan,
    private readonly issuer: FakeIssuer,
  ) {}
  verifyClient(input: {
    clientId: string;
    clientSecret: string;
    authorizer?: JwtAuthorizer;
  }): Promise<void> {
    return this.faults.call('verifier.token', () => {
      this.calls.push({
        clientId: input.clientId,
        ...(input.authorizer ? { authorizer: input.authorizer } : {}),
      });
      if (
        input.authorizer?.allowedClients &&
        !input.authorizer.allowedClients.includes(input.clientId)
      ) {
        throw Object.assign(new Error('client not allowed'), { name: 'JwtClaimError' });
      }
      if (!this.issuer.isValid(input.clientSecret))
        throw Object.assign(new Error('invalid_client'), { name: 'TokenError' });
    });
  }
  probeApiKey(_probe: ApiKeyProbe, apiKey: string): Promise<void> {
    return this.faults.call('verifier.probe', () => {
      if (!this.issuer.isValid(apiKey))
        throw Object.assign(new Error('probe got 401'), { name: 'ProbeError' });
    });
  }
}

export class FakeGateways implements GatewayReader {
  constructor(
    private readonly faults: FaultPlan,
    public authorizer: JwtAuthorizer | undefined = {
      discoveryUrl: 'https://idp.example/.well-known/openid-configuration',
      allowedClients: ['client-1'],
    },
  ) {}
  jwtAuthorizer(): Promise<JwtAuthorizer | undefined> {
    return this.faults.call('gateway.get', () => this.authorizer);
  }
}

export class CapturingSink implements AlertSink {
  readonly name = 'capture';
  readonly alerts: Alert[] = [];
  constructor(private readonly faults: FaultPlan) {}
  publish(alert: Alert): Promise<void> {
    return this.faults.call('events.publish', () => void this.alerts.push(alert));
  }
}

export interface World {
  deps: RotationDeps;
  store: FakeSecretStore;
  /** The binding `register` pinned and the ledger of versions, as the state table holds them. */
  bindings: MemoryBindingStore;
  issuer: FakeIssuer;
  providers: FakeProviders;
  verifier: FakeVerifier;
  sink: CapturingSink;
  clock: FakeClock;
  faults: FaultPlan;
  secretName: string;
  initialSecret: string;
}

export interface WorldOptions {
  kind?: SecretDocument['kind'];
  secretSource?: 'MANAGED' | 'EXTERNAL';
  overlap?: boolean;
  labels?: boolean;
  graceSeconds?: number;
  fault?: ConstructorParameters<typeof FaultPlan>[0];
  canary?: string;
  testAttempts?: number;
  /** Register the current credential without its issuer id (as `register` may). */
  unknownCurrentId?: boolean;
  /** Credentials the issuer holds at once (default 2, like Cognito and Okta). */
  maxActive?: number;
  /** The registered issuer configuration (the fake issuer serves every type). */
  issuer?: IssuerConfig;
}

/** A gatewarden secret whose current credential is live at the fake issuer and provider. */
export function makeWorld(options: WorldOptions = {}): World {
  const faults = new FaultPlan(options.fault);
  const clock = new FakeClock();
  const canary = options.canary ?? 'CANARY';
  const issuer = new FakeIssuer(
    faults,
    options.overlap ?? true,
    options.overlap === false ? undefined : (options.maxActive ?? 2),
    options.labels ?? false,
    canary,
    clock,
  );
  const store = new FakeSecretStore(faults, clock);
  const providers = new FakeProviders(faults);
  const verifier = new FakeVerifier(faults, issuer);
  const sink = new CapturingSink(faults);
  const kind = options.kind ?? 'apiKey';
  const initialSecret = `${canary}-initial-${randomUUID()}`;
  const credentialId = issuer.seed(initialSecret);
  const secretName = `gatewarden/gw-1/${kind}/p-${randomUUID().slice(0, 8)}`;
  const doc = {
    schemaVersion: 1,
    kind,
    gatewayId: 'gw-1',
    ...(kind === 'inboundClient'
      ? {}
      : {
          provider: {
            type: kind === 'apiKey' ? 'apiKey' : 'oauth2',
            name: 'prov-1',
            secretSource: options.secretSource ?? 'MANAGED',
          },
        }),
    issuer: options.issuer ?? { type: 'generated', length: 40, excludePunctuation: true },
    test: {
      attempts: options.testAttempts ?? 3,
      ...(kind === 'apiKey'
        ? {
            probe: {
              url: 'https://api.example/ping',
              method: 'GET',
              location: 'HEADER',
              parameterName: 'x-api-key',
              expectStatus: 200,
            },
          }
        : {}),
      ...(kind === 'oauthClient'
        ? { discoveryUrl: 'https://idp.example/.well-known/openid-configuration' }
        : {}),
    },
    graceSeconds: options.graceSeconds ?? 3600,
    ...(options.unknownCurrentId ? {} : { issuerCredentialId: credentialId }),
    retiring: [],
    ...(kind === 'apiKey'
      ? { apiKey: initialSecret }
      : { clientId: 'client-1', clientSecret: initialSecret }),
  } as SecretDocument;
  const created = store.create(secretName, doc);
  const bindings = new MemoryBindingStore();
  void pin(bindings, created, secretDocumentSchema.parse(doc));
  providers.values.set('prov-1', initialSecret);
  clock.advance(1); // registration happened before anything the test does
  const deps: RotationDeps = {
    store,
    bindings,
    providers,
    providerReader: providers,
    gateways: new FakeGateways(faults),
    verifier,
    issuers: { get: () => issuer as unknown as Issuer },
    clock,
    events: [sink],
    backoffMs: () => 1000,
  };
  return {
    deps,
    store,
    bindings,
    issuer,
    providers,
    verifier,
    sink,
    clock,
    faults,
    secretName,
    initialSecret,
  };
}

/** The IdP the fake gateway's authorizer trusts (FakeGateways' discovery URL). */
export const FAKE_IDP = 'https://idp.example';

/** A custom OAuth2 provider's vendor configuration on {@link FAKE_IDP}. */
export function fakeOauth2Destination(clientId: string): Oauth2Destination {
  return {
    vendor: 'CustomOauth2',
    member: 'customOauth2ProviderConfig',
    config: {
      clientId,
      oauthDiscovery: { discoveryUrl: `${FAKE_IDP}/.well-known/openid-configuration` },
    },
  };
}

/** What `register` reads live and pins for the fakes' gateway and providers. */
export function fakeDestinations(doc: SecretDocument): Destinations {
  const needed = neededDestinations(doc);
  const issuerPin = (discoveryUrl: string) => ({
    discoveryUrl,
    issuer: FAKE_IDP,
    jwksUri: `${FAKE_IDP}/jwks`,
    discoveryTokenEndpoint: `${FAKE_IDP}/token`,
    tokenEndpoint: `${FAKE_IDP}/token`,
  });
  return {
    ...(needed.includes('inbound')
      ? { inbound: issuerPin(`${FAKE_IDP}/.well-known/openid-configuration`) }
      : {}),
    ...(needed.includes('oauth2') ? { oauth2: fakeOauth2Destination('client-1') } : {}),
    ...(needed.includes('outbound') && doc.test.discoveryUrl
      ? { outbound: issuerPin(doc.test.discoveryUrl) }
      : {}),
  };
}

/** What `gatewarden register` pins for a secret it created: binding and first version. */
export async function pin(
  bindings: MemoryBindingStore,
  created: { arn: string; versionId: string },
  doc: SecretDocument,
): Promise<void> {
  const destinations = fakeDestinations(doc);
  await bindings.putBinding({
    secretArn: created.arn,
    steering: {
      ...steeringOf(doc),
      ...(Object.keys(destinations).length > 0 ? { destinations } : {}),
    },
    revision: 1,
    boundAt: new Date(0).toISOString(),
  });
  await bindings.recordVersion(created.arn, {
    versionId: created.versionId,
    state: stateOf(doc),
    writtenBy: 'register',
    writtenAt: new Date(0).toISOString(),
  });
}

/** The credential value a document holds. */
export function secretOf(doc: SecretDocument | undefined): string | undefined {
  return doc?.kind === 'apiKey' ? doc.apiKey : doc?.clientSecret;
}
