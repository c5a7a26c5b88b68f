import { IssuerHttpError } from '../../../lib/rotation/issuers/vendorHttp.js';
import { MemoryBindingStore } from '../../../lib/rotation/memoryBindings.js';
import { MemoryRotationControl } from '../../../lib/rotation/onDemandMemory.js';
import { registerCredential, type RegisterInput } from '../../../lib/rotation/register.js';
import {
  extractValue,
  parseDurationSeconds,
  RegistrationError,
  rotationRules,
} from '../../../lib/rotation/registerOptions.js';
import { secretResourcePolicy } from '../../../lib/rotation/registerPolicy.js';
import type {
  AgentCoreReader,
  GatewayInfo,
  ProviderInfo,
  ProviderSourceSwitch,
  ProviderType,
  TargetUse,
} from '../../../lib/rotation/registerPorts.js';
import { secretDocumentSchema } from '../../../lib/rotation/secretDocument.js';
import type { DiscoveredIssuer, Oauth2Destination } from '../../../lib/rotation/destinations.js';
import type { DestinationReaders } from '../../../lib/rotation/liveDestinations.js';

const CANARY = 'CANARY-register-unit-9f8e7d6c5b4a';
const ROTATE = 'arn:aws:lambda:us-east-1:123456789012:function:gatewarden-rotate';
const ROTATOR = 'arn:aws:iam::123456789012:role/rotator';

/** In-memory AgentCore control plane for registration. */
class MemoryAgentCore implements AgentCoreReader {
  providers = new Map<string, ProviderInfo>();
  gateways = new Map<string, GatewayInfo>();
  uses: TargetUse[] = [];
  async provider(type: ProviderType, name: string): Promise<ProviderInfo> {
    const found = this.providers.get(`${type}/${name}`);
    if (!found)
      throw Object.assign(new Error(`provider ${name} not found`), {
        name: 'ResourceNotFoundException',
      });
    return found;
  }
  async gateway(id: string): Promise<GatewayInfo> {
    const found = this.gateways.get(id);
    if (!found)
      throw Object.assign(new Error(`gateway ${id} not found`), {
        name: 'ResourceNotFoundException',
      });
    return found;
  }
  async targetsUsing(arn: string, gatewayId?: string): Promise<TargetUse[]> {
    return this.uses.filter(
      (u) => u.providerArn === arn && (!gatewayId || u.gatewayId === gatewayId),
    );
  }
}

/** Records provider source switches (EXTERNAL adoption) as AgentCore would apply them. */
class MemoryProviderSwitch implements ProviderSourceSwitch {
  readonly switched: { name: string; secretId: string; jsonKey: string }[] = [];
  fail?: Error;
  async useExternalSecret(
    provider: { name: string },
    ref: { secretId: string; jsonKey: string },
  ): Promise<void> {
    if (this.fail) throw this.fail;
    this.switched.push({ name: provider.name, ...ref });
  }
}

/** The live authorizer (from the in-memory gateways), discovery documents, OAuth2 configs. */
class MemoryDestinations implements DestinationReaders {
  readonly documents = new Map<string, DiscoveredIssuer>();
  readonly oauth2 = new Map<string, Oauth2Destination>();
  constructor(private readonly agentcore: MemoryAgentCore) {}
  readonly gateways = {
    jwtAuthorizer: async (id: string) => this.agentcore.gateways.get(id)?.jwt,
  };
  readonly providers = {
    readOauth2Destination: async (name: string): Promise<Oauth2Destination> => {
      const found = this.oauth2.get(name);
      if (!found) throw new Error(`no OAuth2 provider ${name}`);
      return found;
    },
  };
  readonly discovery = {
    discover: async (url: string): Promise<DiscoveredIssuer> => {
      const found = this.documents.get(url);
      if (!found) throw new Error('discovery answered HTTP 404');
      return found;
    },
  };
}

function world(): {
  control: MemoryRotationControl;
  agentcore: MemoryAgentCore;
  bindings: MemoryBindingStore;
  providers: MemoryProviderSwitch;
  destinations: MemoryDestinations;
} {
  const control = new MemoryRotationControl();
  const agentcore = new MemoryAgentCore();
  const managed = control.add(
    'bedrock-agentcore-identity!default/apikey/weather',
    JSON.stringify({ api_key: CANARY }),
  );
  agentcore.providers.set('apiKey/weather', {
    type: 'apiKey',
    name: 'weather',
    arn: 'arn:aws:bedrock-agentcore:us-east-1:123456789012:token-vault/default/apikeycredentialprovider/weather',
    secretArn: managed.arn,
    jsonKey: 'api_key',
    secretSource: 'MANAGED',
  });
  agentcore.gateways.set('gw-1', {
    gatewayId: 'gw-1',
    arn: 'arn:gw-1',
    roleArn: 'arn:aws:iam::123456789012:role/gw-1',
    authorizerType: 'AWS_IAM',
  });
  agentcore.uses.push({
    gatewayId: 'gw-1',
    targetId: 't-1',
    providerArn:
      'arn:aws:bedrock-agentcore:us-east-1:123456789012:token-vault/default/apikeycredentialprovider/weather',
    parameterName: 'x-weather-key',
    location: 'HEADER',
  });
  const destinations = new MemoryDestinations(agentcore);
  destinations.documents.set('https://idp.example.com/.well-known/openid-configuration', {
    issuer: 'https://idp.example.com',
    tokenEndpoint: 'https://idp.example.com/oauth2/token',
    jwksUri: 'https://idp.example.com/jwks',
  });
  destinations.documents.set('https://idp.example/.well-known/openid-configuration', {
    issuer: 'https://idp.example',
    tokenEndpoint: 'https://idp.example/oauth2/token',
    jwksUri: 'https://idp.example/jwks',
  });
  const pool = 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_x';
  destinations.documents.set(`${pool}/.well-known/openid-configuration`, {
    issuer: pool,
    tokenEndpoint: 'https://acme.auth.us-east-1.amazoncognito.com/oauth2/token',
    jwksUri: `${pool}/.well-known/jwks.json`,
  });
  return {
    control,
    agentcore,
    bindings: new MemoryBindingStore(),
    providers: new MemoryProviderSwitch(),
    destinations,
  };
}

const apiKeyInput = (over: Partial<RegisterInput> = {}): RegisterInput => ({
  kind: 'apiKey',
  providerName: 'weather',
  issuer: { type: 'generated' },
  test: { probe: { url: 'https://api.example.com/ping' } },
  schedule: 'rate(30 days)',
  window: '3h',
  graceSeconds: 3600,
  rotationLambdaArn: ROTATE,
  rotatorRoleArn: ROTATOR,
  resourcePolicy: true,
  kmsKeyId: 'alias/gatewarden',
  ...over,
});

describe('registerCredential', () => {
  it('builds a valid document from the provider and its target, and sets up the secret', async () => {
    // Prepare
    const { control, agentcore, bindings, providers } = world();

    // Act
    const result = await registerCredential(
      { control, agentcore, bindings, providers },
      apiKeyInput(),
    );

    // Assess
    const secret = control.get(result.secretArn);
    expect(secret.name).toBe('gatewarden/gw-1/apiKey/weather');
    expect(secret.tags).toEqual({ 'gatewarden:gateway': 'gw-1', 'gatewarden:kind': 'apiKey' });
    expect(secret.kmsKeyId).toBe('alias/gatewarden');
    expect(secret.rules).toEqual({ automaticallyAfterDays: 30, duration: '3h' });
    const doc = secretDocumentSchema.parse(JSON.parse(await control.getValue(result.secretArn)));
    expect(doc).toMatchObject({
      apiKey: CANARY,
      gatewayId: 'gw-1',
      targetId: 't-1',
      graceSeconds: 3600,
      test: {
        probe: {
          url: 'https://api.example.com/ping',
          parameterName: 'x-weather-key',
          location: 'HEADER',
        },
      },
    });
    const policy = JSON.parse(secret.policy ?? '{}') as { Statement: { Principal: unknown }[] };
    expect(policy.Statement[0]?.Principal).toEqual({
      AWS: [ROTATOR, 'arn:aws:iam::123456789012:role/gw-1'].sort(),
    });
    expect(JSON.stringify(result)).not.toContain(CANARY);
  });

  it.each([
    [
      'a provider no target uses',
      (w: ReturnType<typeof world>) => void (w.agentcore.uses = []),
      /no gateway target uses provider weather; pass --gateway/,
    ],
    [
      'a provider used by two gateways',
      (w: ReturnType<typeof world>) => {
        w.agentcore.uses.push({ ...(w.agentcore.uses[0] as TargetUse), gatewayId: 'gw-2' });
      },
      /used by several gateways \(gw-1, gw-2\)/,
    ],
  ])('refuses %s with a clear message and creates nothing', async (_name, mutate, message) => {
    const w = world();
    mutate(w);
    await expect(registerCredential(w, apiKeyInput())).rejects.toThrow(message);
    expect(w.control.calls).not.toContain('createSecret');
  });

  it('names missing issuer fields without echoing values', async () => {
    const w = world();
    await expect(
      registerCredential(
        w,
        apiKeyInput({ issuer: { type: 'webhook', url: 'https://hooks.example.com' } }),
      ),
    ).rejects.toThrow(/issuer options are incomplete: hmacSecretArn/);
  });

  it('takes the Cognito client id from the OAuth provider when not given', async () => {
    const w = world();
    const managed = w.control.add(
      'bedrock-agentcore-identity!default/oauth2/crm',
      JSON.stringify({ client_secret: CANARY }),
    );
    w.agentcore.providers.set('oauth2/crm', {
      type: 'oauth2',
      name: 'crm',
      arn: 'arn:aws:bedrock-agentcore:us-east-1:123456789012:token-vault/default/oauth2credentialprovider/crm',
      secretArn: managed.arn,
      jsonKey: 'client_secret',
      secretSource: 'MANAGED',
      clientId: 'cognito-client-1',
      discoveryUrl:
        'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_x/.well-known/openid-configuration',
    });
    const result = await registerCredential(w, {
      ...apiKeyInput(),
      kind: 'oauthClient',
      providerName: 'crm',
      gatewayId: 'gw-1',
      issuer: { type: 'cognito', userPoolId: 'us-east-1_x' },
      test: {},
    });
    const doc = JSON.parse(await w.control.getValue(result.secretArn)) as Record<string, unknown>;
    expect(doc).toMatchObject({
      clientId: 'cognito-client-1',
      clientSecret: CANARY,
      issuer: { type: 'cognito', userPoolId: 'us-east-1_x', clientId: 'cognito-client-1' },
    });
  });

  it('refuses a second registration on the same IdP client unless it is shared explicitly', async () => {
    // Prepare: one Cognito client used by two providers (say, two gateways).
    const w = world();
    for (const name of ['crm-a', 'crm-b']) {
      const managed = w.control.add(
        `bedrock-agentcore-identity!default/oauth2/${name}`,
        JSON.stringify({ client_secret: CANARY }),
      );
      w.agentcore.providers.set(`oauth2/${name}`, {
        type: 'oauth2',
        name,
        arn: `arn:aws:bedrock-agentcore:us-east-1:123456789012:token-vault/default/oauth2credentialprovider/${name}`,
        secretArn: managed.arn,
        jsonKey: 'client_secret',
        secretSource: 'MANAGED',
        clientId: 'shared-client',
      });
    }
    const input = (providerName: string, share = false): RegisterInput => ({
      ...apiKeyInput(),
      kind: 'oauthClient',
      providerName,
      gatewayId: 'gw-1',
      issuer: { type: 'cognito', userPoolId: 'us-east-1_x' },
      test: { discoveryUrl: 'https://idp.example/.well-known/openid-configuration' },
      ...(share ? { shareIssuerClient: true } : {}),
    });
    const first = await registerCredential(w, input('crm-a'));

    // Act + Assess: the second is refused, naming the first; creating nothing.
    const created = w.control.calls.filter((c) => c === 'createSecret').length;
    await expect(registerCredential(w, input('crm-b'))).rejects.toThrow(
      new RegExp(`already rotated by ${first.name}.*--share-issuer-client`),
    );
    expect(w.control.calls.filter((c) => c === 'createSecret')).toHaveLength(created);
    await expect(registerCredential(w, input('crm-b', true))).resolves.toMatchObject({
      name: 'gatewarden/gw-1/oauthClient/crm-b',
    });
  });

  it('pins the binding and the first version before rotation is on, tags the provider, and names the admin role a writer', async () => {
    // Prepare
    const { control, agentcore, bindings, providers } = world();
    const tagged: string[] = [];
    const admin = 'arn:aws:iam::123456789012:role/gatewarden-admin';
    const order: string[] = [];
    const put = bindings.putBinding.bind(bindings);
    bindings.putBinding = async (b) => {
      order.push(`binding:${control.get(b.secretArn).rotationEnabled}`);
      await put(b);
    };

    // Act
    const result = await registerCredential(
      {
        control,
        agentcore,
        bindings,
        providers,
        tagger: { tag: async (arns) => void tagged.push(...arns) },
      },
      apiKeyInput({ adminRoleArn: admin }),
    );

    // Assess: the binding holds the steering fields, never the value; rotation came after it.
    const binding = await bindings.binding(result.secretArn);
    expect(order).toEqual(['binding:false']);
    expect(binding).toMatchObject({
      revision: 1,
      // The schedule asked for, which doctor compares the live one with.
      rotation: { automaticallyAfterDays: 30, duration: '3h' },
      steering: {
        kind: 'apiKey',
        gatewayId: 'gw-1',
        issuer: { type: 'generated' },
        provider: { name: 'weather', secretSource: 'EXTERNAL' },
        test: { probe: { url: 'https://api.example.com/ping' } },
      },
    });
    expect(JSON.stringify(binding)).not.toContain(CANARY);
    const versionId = [...control.get(result.secretArn).versions.entries()].find(([, v]) =>
      v.stages.includes('AWSCURRENT'),
    )?.[0];
    expect(await bindings.versionRecord(result.secretArn, versionId ?? '')).toMatchObject({
      writtenBy: 'register',
      state: { retiring: [] },
    });
    expect(tagged).toEqual([
      'arn:aws:bedrock-agentcore:us-east-1:123456789012:token-vault/default/apikeycredentialprovider/weather',
    ]);
    const policy = JSON.parse(control.get(result.secretArn).policy ?? '{}') as {
      Statement: { Sid: string; Condition?: Record<string, Record<string, unknown>> }[];
    };
    const writers = policy.Statement.find((st) => st.Sid === 'OnlyRotatorAndAdminWrite');
    expect(writers?.Condition?.StringNotEquals?.['aws:PrincipalArn']).toEqual(
      [admin, ROTATOR].sort(),
    );
    expect(result.warnings).toEqual([]);
    // EXTERNAL by default: the provider now reads the new secret's apiKey field, and the
    // policy lets AgentCore Identity read it for that provider only.
    expect(providers.switched).toEqual([
      { name: 'weather', secretId: result.secretArn, jsonKey: 'apiKey' },
    ]);
    expect(
      policy.Statement.find((st) => st.Sid === 'AgentCoreIdentityReadsForTheProvider'),
    ).toMatchObject({
      Condition: {
        StringEquals: {
          'aws:SourceArn':
            'arn:aws:bedrock-agentcore:us-east-1:123456789012:token-vault/default/apikeycredentialprovider/weather',
          'aws:SourceAccount': '123456789012',
        },
      },
    });
  });

  it('adopts a provider that already reads a customer secret (EXTERNAL): value from there, then repointed', async () => {
    // Prepare: the provider reads agents/weather#key today.
    const w = world();
    const theirs = w.control.add('agents/weather', JSON.stringify({ key: CANARY }));
    const p = w.agentcore.providers.get('apiKey/weather');
    if (!p) throw new Error('fixture');
    Object.assign(p, { secretSource: 'EXTERNAL', secretArn: theirs.arn, jsonKey: 'key' });

    // Act
    const result = await registerCredential(w, apiKeyInput());

    // Assess
    const doc = secretDocumentSchema.parse(JSON.parse(await w.control.getValue(result.secretArn)));
    expect(doc.apiKey).toBe(CANARY);
    expect(w.providers.switched).toEqual([
      { name: 'weather', secretId: result.secretArn, jsonKey: 'apiKey' },
    ]);
  });

  it('keeps AgentCore’s own copy with --managed, and never switches the provider', async () => {
    const w = world();
    const result = await registerCredential(w, apiKeyInput({ providerSource: 'MANAGED' }));
    const doc = secretDocumentSchema.parse(JSON.parse(await w.control.getValue(result.secretArn)));
    expect(doc.provider?.secretSource).toBe('MANAGED');
    expect(w.providers.switched).toEqual([]);
    expect(w.control.get(result.secretArn).policy).not.toContain('AgentCoreIdentity');
  });

  it('leaves rotation off when the provider cannot be switched, and says what to do', async () => {
    const w = world();
    w.providers.fail = Object.assign(new Error('denied'), { name: 'AccessDeniedException' });
    await expect(registerCredential(w, apiKeyInput())).rejects.toThrow(
      /could not point provider weather at the gatewarden secret \(AccessDeniedException\).*--managed/,
    );
    const [secret] = [...w.control.secrets.values()];
    expect(secret?.rotationEnabled).toBe(false);
  });

  it('refuses an API key without a probe unless --no-test, which the document records', async () => {
    const w = world();
    await expect(registerCredential(w, apiKeyInput({ test: {} }))).rejects.toThrow(
      /an API key needs --probe-url .* or --no-test/,
    );
    expect(w.control.calls).not.toContain('createSecret');
    const result = await registerCredential(w, apiKeyInput({ test: {}, noTest: true }));
    const doc = secretDocumentSchema.parse(JSON.parse(await w.control.getValue(result.secretArn)));
    expect(doc.test).toMatchObject({ untested: true });
    expect(doc.test.probe).toBeUndefined();
  });

  it('warns when no admin role is named (only the rotator may then write the secret)', async () => {
    const w = world();
    const result = await registerCredential(w, apiKeyInput());
    expect(result.warnings.join('\n')).toMatch(/no admin role was named/);
  });

  it('needs a rotator role for the resource policy, and says so before creating anything', async () => {
    const w = world();
    await expect(registerCredential(w, apiKeyInput({ rotatorRoleArn: undefined }))).rejects.toThrow(
      /no rotator role is known for the resource policy/,
    );
    expect(w.control.calls).toEqual([]);
  });

  it('fails the check when Secrets Manager does not report rotation as asked', async () => {
    const w = world();
    w.control.enableRotation = async () => ({});
    await expect(registerCredential(w, apiKeyInput())).rejects.toThrow(
      /rotation is not set up as asked: RotationEnabled is false/,
    );
  });

  it('checks the issuer before creating anything, and records the one credential it holds', async () => {
    const w = world();
    const issuer = {
      type: 'generated' as const,
      supportsOverlap: true,
      mint: async () => ({ credentialId: 'x' }),
      revoke: async () => undefined,
      list: async () => [{ credentialId: 'key-1' }],
    };
    const issuers = { get: () => issuer };
    const ok = await registerCredential({ ...w, issuers }, apiKeyInput());
    expect(JSON.parse(await w.control.getValue(ok.secretArn))).toMatchObject({
      issuerCredentialId: 'key-1',
    });

    const broken = world();
    issuer.list = async () => {
      throw new IssuerHttpError('okta list secrets failed: HTTP 401 (E0000011)', {
        context: { vendor: 'okta', status: 401 },
      });
    };
    await expect(registerCredential({ ...broken, issuers }, apiKeyInput())).rejects.toThrow(
      /issuer generated could not list its credentials: okta list secrets failed: HTTP 401/,
    );
    expect(broken.control.calls).not.toContain('createSecret');
  });

  it('registers an inbound client from the secret agents read, and warns when it is not allowed', async () => {
    const w = world();
    w.agentcore.gateways.set('gw-jwt', {
      gatewayId: 'gw-jwt',
      arn: 'arn:gw-jwt',
      authorizerType: 'CUSTOM_JWT',
      jwt: {
        discoveryUrl: 'https://idp.example.com/.well-known/openid-configuration',
        allowedClients: ['other'],
      },
    });
    const agents = w.control.add('agents/client', JSON.stringify({ secret: CANARY }));
    const result = await registerCredential(w, {
      ...apiKeyInput(),
      kind: 'inboundClient',
      providerName: undefined,
      gatewayId: 'gw-jwt',
      clientId: 'client-1',
      issuer: {
        type: 'okta',
        orgUrl: 'https://acme.okta.com',
        appId: 'client-1',
        apiTokenSecretArn: 'gatewarden-admin/okta-token',
      },
      test: {},
      currentSecret: `${agents.arn}#secret`,
    });
    expect(result.warnings).toContain("client client-1 is not in the gateway's allowedClients");
    const doc = JSON.parse(await w.control.getValue(result.secretArn)) as Record<string, unknown>;
    expect(doc).toMatchObject({
      kind: 'inboundClient',
      clientId: 'client-1',
      clientSecret: CANARY,
    });
    expect((doc.test as Record<string, unknown>).discoveryUrl).toBe(
      'https://idp.example.com/.well-known/openid-configuration',
    );
    // Where the client's secret goes is pinned beside the document.
    expect((await w.bindings.binding(result.secretArn))?.steering.destinations).toEqual({
      inbound: {
        discoveryUrl: 'https://idp.example.com/.well-known/openid-configuration',
        issuer: 'https://idp.example.com',
        jwksUri: 'https://idp.example.com/jwks',
        discoveryTokenEndpoint: 'https://idp.example.com/oauth2/token',
        tokenEndpoint: 'https://idp.example.com/oauth2/token',
      },
    });
  });

  it.each([
    ['--token-endpoint on another host', { tokenEndpoint: 'https://collector.example/token' }, {}],
    [
      'a discovery document naming a token endpoint on another host',
      {},
      { tokenEndpoint: 'https://collector.example/token' },
    ],
  ])(
    'refuses an inbound client whose token endpoint is not on the issuer origin: %s',
    async (_what, test, document) => {
      // Prepare
      const w = world();
      const discoveryUrl = 'https://idp.example.com/.well-known/openid-configuration';
      w.agentcore.gateways.set('gw-jwt', {
        gatewayId: 'gw-jwt',
        arn: 'arn:gw-jwt',
        authorizerType: 'CUSTOM_JWT',
        jwt: { discoveryUrl, allowedClients: ['client-1'] },
      });
      const found = w.destinations.documents.get(discoveryUrl);
      if (found) w.destinations.documents.set(discoveryUrl, { ...found, ...document });
      const agents = w.control.add('agents/client', JSON.stringify({ secret: CANARY }));

      // Act / Assess: refused before any secret exists.
      await expect(
        registerCredential(w, {
          ...apiKeyInput(),
          kind: 'inboundClient',
          providerName: undefined,
          gatewayId: 'gw-jwt',
          clientId: 'client-1',
          issuer: { type: 'cognito', userPoolId: 'us-east-1_x' },
          test,
          currentSecret: `${agents.arn}#secret`,
        }),
      ).rejects.toThrow(/not on the issuer's origin/);
      expect(
        await w.control.describe('gatewarden/gw-jwt/inboundClient/client-1').catch(() => undefined),
      ).toBeUndefined();
    },
  );

  it('refuses an outbound OAuth client whose discovery document names a token endpoint off the issuer origin', async () => {
    // Prepare: the document at test.discoveryUrl sends tokens to another host.
    const w = world();
    const discoveryUrl = 'https://idp.example.com/.well-known/openid-configuration';
    const found = w.destinations.documents.get(discoveryUrl);
    if (found)
      w.destinations.documents.set(discoveryUrl, {
        ...found,
        tokenEndpoint: 'https://collector.example/token',
      });
    const managed = w.control.add(
      'bedrock-agentcore-identity!default/oauth2/crm',
      JSON.stringify({ client_secret: CANARY }),
    );
    w.agentcore.providers.set('oauth2/crm', {
      type: 'oauth2',
      name: 'crm',
      arn: 'arn:crm',
      secretArn: managed.arn,
      jsonKey: 'client_secret',
      secretSource: 'EXTERNAL',
      clientId: 'crm-client',
    });

    // Act / Assess: refused before any secret exists, naming the field.
    await expect(
      registerCredential(w, {
        ...apiKeyInput(),
        kind: 'oauthClient',
        providerName: 'crm',
        gatewayId: 'gw-1',
        issuer: { type: 'cognito', userPoolId: 'us-east-1_x' },
        test: { discoveryUrl },
      }),
    ).rejects.toThrow(/not on the issuer's origin: a client's secret goes only to the issuer/);
    expect(
      await w.control.describe('gatewarden/gw-1/oauthClient/crm').catch(() => undefined),
    ).toBeUndefined();
  });

  it('pins a MANAGED OAuth2 provider’s vendor configuration', async () => {
    // Prepare
    const w = world();
    const managed = w.control.add(
      'bedrock-agentcore-identity!default/oauth2/crm',
      JSON.stringify({ client_secret: CANARY }),
    );
    w.agentcore.providers.set('oauth2/crm', {
      type: 'oauth2',
      name: 'crm',
      arn: 'arn:crm',
      secretArn: managed.arn,
      jsonKey: 'client_secret',
      secretSource: 'MANAGED',
      clientId: 'crm-client',
    });
    const vendorConfig: Oauth2Destination = {
      vendor: 'CustomOauth2',
      member: 'customOauth2ProviderConfig',
      config: {
        clientId: 'crm-client',
        oauthDiscovery: {
          discoveryUrl: 'https://idp.example.com/.well-known/openid-configuration',
        },
      },
    };
    w.destinations.oauth2.set('crm', vendorConfig);

    // Act
    const result = await registerCredential(w, {
      ...apiKeyInput(),
      kind: 'oauthClient',
      providerName: 'crm',
      gatewayId: 'gw-1',
      providerSource: 'MANAGED',
      issuer: { type: 'cognito', userPoolId: 'us-east-1_x' },
      test: { discoveryUrl: 'https://idp.example.com/.well-known/openid-configuration' },
    });

    // Assess
    expect((await w.bindings.binding(result.secretArn))?.steering.destinations).toEqual({
      oauth2: vendorConfig,
      // The client test's issuer, read from test.discoveryUrl (the verifier uses only this).
      outbound: {
        discoveryUrl: 'https://idp.example.com/.well-known/openid-configuration',
        issuer: 'https://idp.example.com',
        jwksUri: 'https://idp.example.com/jwks',
        discoveryTokenEndpoint: 'https://idp.example.com/oauth2/token',
        tokenEndpoint: 'https://idp.example.com/oauth2/token',
      },
    });
  });

  it('refuses an inbound client of a gateway without a CUSTOM_JWT authorizer', async () => {
    const w = world();
    await expect(
      registerCredential(w, {
        ...apiKeyInput(),
        kind: 'inboundClient',
        gatewayId: 'gw-1',
        clientId: 'c',
        currentSecret: 'x',
      }),
    ).rejects.toThrow(/has authorizer AWS_IAM, not CUSTOM_JWT/);
  });
});

describe('registration options', () => {
  it.each([
    ['rate(30 days)', undefined, { automaticallyAfterDays: 30 }],
    ['rate(1 day)', undefined, { automaticallyAfterDays: 1 }],
    ['rate(12 hours)', '2h', { scheduleExpression: 'rate(12 hours)', duration: '2h' }],
    ['cron(0 4 ? * MON *)', '3h', { scheduleExpression: 'cron(0 4 ? * MON *)', duration: '3h' }],
  ])('turns %s / %s into %j', (schedule, window, expected) => {
    expect(rotationRules(schedule, window)).toEqual(expected);
  });

  it.each([
    ['rate(2 hours)', undefined, /every 4 hours/],
    ['rate(0 days)', undefined, /1 ≤ N ≤ 1000/],
    ['daily', undefined, /must be rate/],
    ['rate(1 day)', '24h', /shorter than the rotation interval/],
    ['rate(30 days)', '90m', /whole hours/],
  ])('rejects %s / %s', (schedule, window, message) => {
    expect(() => rotationRules(schedule, window)).toThrow(message);
  });

  it.each([
    ['24h', 86_400],
    ['30m', 1_800],
    ['7d', 604_800],
    ['0s', 0],
    ['120', 120],
  ])('parses the duration %s', (text, seconds) => {
    expect(parseDurationSeconds(text, '--grace')).toBe(seconds);
  });

  it('extracts values only where it is told, never guessing a key, and never echoes them', () => {
    expect(
      extractValue(JSON.stringify({ mine: 'v2', other: 'x' }), 'clientSecret', 's', 'mine'),
    ).toBe('v2');
    expect(extractValue('plain-value', 'apiKey', 's')).toBe('plain-value');
    // One string field is unambiguous; two are not, whatever their names look like.
    expect(extractValue(JSON.stringify({ api_key: 'v1', n: 3 }), 'apiKey', 's')).toBe('v1');
    expect(() =>
      extractValue(JSON.stringify({ api_key: CANARY, apiKey: CANARY }), 'apiKey', 's'),
    ).toThrow(/holds 2 string fields \(api_key, apiKey\); name the one with the apiKey as s#KEY/);
    expect(() => extractValue(JSON.stringify({ other: CANARY }), 'apiKey', 's', 'api_key')).toThrow(
      /has no apiKey under key api_key/,
    );
    for (const bad of [
      () => extractValue(JSON.stringify({ other: CANARY }), 'apiKey', 's', 'api_key'),
      () => extractValue(JSON.stringify({ a: CANARY, b: CANARY }), 'apiKey', 's'),
    ]) {
      expect(bad).toThrow(RegistrationError);
      try {
        bad();
      } catch (error) {
        expect((error as Error).message).not.toContain(CANARY);
      }
    }
  });

  it('refuses to read a provider secret whose JSON key the provider does not report', async () => {
    const w = world();
    const provider = w.agentcore.providers.get('apiKey/weather');
    if (provider) delete provider.jsonKey;
    await expect(registerCredential(w, apiKeyInput())).rejects.toThrow(
      /provider weather reports its secret but no apiKeySecretJsonKey; pass --current-secret ID#KEY or --mint-initial/,
    );
    expect([...w.control.secrets.values()].map((secret) => secret.name)).toEqual([
      'bedrock-agentcore-identity!default/apikey/weather',
    ]);
  });

  it('writes a policy that denies every other reader, calls through AgentCore included', () => {
    const policy = JSON.parse(
      secretResourcePolicy({ readers: ['b', 'a', 'a'], writers: ['w'], rotationLambdaArn: ROTATE }),
    ) as {
      Statement: Record<string, unknown>[];
    };
    expect(policy.Statement[0]).toMatchObject({ Effect: 'Allow', Principal: { AWS: ['a', 'b'] } });
    expect(policy.Statement[1]).toMatchObject({
      Effect: 'Deny',
      Condition: {
        StringNotEquals: { 'aws:PrincipalArn': ['a', 'b'] },
      },
    });
    expect(JSON.stringify(policy)).not.toContain('aws:CalledVia');
    expect(() =>
      secretResourcePolicy({ readers: [], writers: ['w'], rotationLambdaArn: ROTATE }),
    ).toThrow(/at least one reader/);
  });
});
