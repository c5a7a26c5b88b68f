/**
 * The rotation trust boundary, attacked: a principal with only `secretsmanager:PutSecretValue`
 * rewrites one steering field of a gatewarden document. Rotation (the driver and the rotate
 * function's step handler) and the sweep must then refuse before any issuer, probe, verifier,
 * gateway or provider call, name the field in the `Rotation Failed` alert, and leave the
 * current credential working. In-memory ports (faults.trace records every outbound call).
 */
import { driveRotation } from '../../../lib/rotation/driver.js';
import { BindingMismatchError, ItemIntegrityError } from '../../../lib/rotation/errors.js';
import { handleRotationStep } from '../../../lib/rotation/handleStep.js';
import { rebindCredential } from '../../../lib/rotation/rebind.js';
import type { IssuerConfig, SecretDocument } from '../../../lib/rotation/secretDocument.js';
import { sweepSecret } from '../../../lib/rotation/sweep.js';
import { CapturingSink, makeWorld, secretOf, type WorldOptions } from './support/fakes.js';
import { controlOver } from './support/FakeSecretStore.js';

const ATTACKER = 'https://attacker.example/collect';

const ISSUERS = {
  okta: {
    type: 'okta',
    orgUrl: 'https://acme.okta.com',
    appId: 'app-1',
    apiTokenSecretArn: 'gatewarden-admin/okta-token',
  },
  entra: {
    type: 'entra',
    tenantId: 'tenant-1',
    applicationObjectId: 'object-1',
    adminCredentialsSecretArn: 'gatewarden-admin/entra-admin',
    graphUrl: 'https://graph.microsoft.com',
    loginUrl: 'https://login.microsoftonline.com',
  },
  auth0: {
    type: 'auth0',
    domainUrl: 'https://acme.eu.auth0.com',
    managementCredentialsSecretArn: 'gatewarden-admin/auth0-admin',
  },
  rfc7592: {
    type: 'rfc7592',
    registrationClientUri: 'https://idp.example/reg/client-1',
    registrationAccessTokenSecretArn: 'gatewarden-admin/rat',
  },
  webhook: {
    type: 'webhook',
    url: 'https://keys.example/mint',
    hmacSecretArn: 'gatewarden-admin/webhook-hmac',
    timeoutMs: 5000,
  },
  cognito: { type: 'cognito', userPoolId: 'us-east-1_pool', clientId: 'client-1' },
} satisfies Record<string, IssuerConfig>;

type Doc = SecretDocument & Record<string, unknown>;
type Rewrite = (doc: Doc) => void;
const oauth = (issuer: IssuerConfig): WorldOptions => ({ kind: 'oauthClient', issuer });
const past = '2020-01-01T00:00:00.000Z';

function probeOf(doc: Doc): NonNullable<Doc['test']['probe']> {
  if (!doc.test.probe) throw new Error('the fixture has no probe');
  return doc.test.probe;
}

function providerOf(doc: Doc): NonNullable<Doc['provider']> {
  if (!doc.provider) throw new Error('the fixture has no provider');
  return doc.provider;
}

/** [what, world, the field the alert must name, the attacker's rewrite]. */
const CASES: [string, WorldOptions, string, Rewrite][] = [
  ['probe URL', {}, 'test.probe.url', (d) => void (probeOf(d).url = ATTACKER)],
  ['probe header', {}, 'test.probe.parameterName', (d) => void (probeOf(d).parameterName = 'x')],
  [
    'probe added',
    { kind: 'oauthClient' },
    'test.probe',
    (d) =>
      void (d.test.probe = {
        url: ATTACKER,
        method: 'GET',
        location: 'HEADER',
        parameterName: 'x-api-key',
        expectStatus: 200,
      }),
  ],
  [
    'token endpoint',
    { kind: 'oauthClient' },
    'test.tokenEndpoint',
    (d) => void (d.test.tokenEndpoint = ATTACKER),
  ],
  [
    'discovery URL',
    { kind: 'oauthClient' },
    'test.discoveryUrl',
    (d) => void (d.test.discoveryUrl = ATTACKER),
  ],
  ['scopes', { kind: 'oauthClient' }, 'test.scopes', (d) => void (d.test.scopes = ['admin'])],
  ['audience', { kind: 'oauthClient' }, 'test.audience', (d) => void (d.test.audience = 'other')],
  ['test attempts', {}, 'test.attempts', (d) => void (d.test.attempts = 20)],
  [
    'Okta org URL',
    oauth(ISSUERS.okta),
    'issuer.orgUrl',
    (d) => void ((d.issuer as unknown as Doc).orgUrl = ATTACKER),
  ],
  [
    'Okta app',
    oauth(ISSUERS.okta),
    'issuer.appId',
    (d) => void ((d.issuer as unknown as Doc).appId = 'other-app'),
  ],
  [
    'Okta admin secret',
    oauth(ISSUERS.okta),
    'issuer.apiTokenSecretArn',
    (d) => void ((d.issuer as unknown as Doc).apiTokenSecretArn = 'gatewarden-admin/other'),
  ],
  [
    'Entra login URL',
    oauth(ISSUERS.entra),
    'issuer.loginUrl',
    (d) => void ((d.issuer as unknown as Doc).loginUrl = ATTACKER),
  ],
  [
    'Entra Graph URL',
    oauth(ISSUERS.entra),
    'issuer.graphUrl',
    (d) => void ((d.issuer as unknown as Doc).graphUrl = ATTACKER),
  ],
  [
    'Entra tenant',
    oauth(ISSUERS.entra),
    'issuer.tenantId',
    (d) => void ((d.issuer as unknown as Doc).tenantId = 'evil-tenant'),
  ],
  [
    'Entra application',
    oauth(ISSUERS.entra),
    'issuer.applicationObjectId',
    (d) => void ((d.issuer as unknown as Doc).applicationObjectId = 'other'),
  ],
  [
    'Entra admin secret',
    oauth(ISSUERS.entra),
    'issuer.adminCredentialsSecretArn',
    (d) => void ((d.issuer as unknown as Doc).adminCredentialsSecretArn = 'gatewarden-admin/other'),
  ],
  [
    'Auth0 domain',
    oauth(ISSUERS.auth0),
    'issuer.domainUrl',
    (d) => void ((d.issuer as unknown as Doc).domainUrl = ATTACKER),
  ],
  [
    'Auth0 admin secret',
    oauth(ISSUERS.auth0),
    'issuer.managementCredentialsSecretArn',
    (d) =>
      void ((d.issuer as unknown as Doc).managementCredentialsSecretArn = 'gatewarden-admin/other'),
  ],
  [
    'RFC 7592 registration URI',
    oauth(ISSUERS.rfc7592),
    'issuer.registrationClientUri',
    (d) => void ((d.issuer as unknown as Doc).registrationClientUri = ATTACKER),
  ],
  [
    'RFC 7592 token secret',
    oauth(ISSUERS.rfc7592),
    'issuer.registrationAccessTokenSecretArn',
    (d) =>
      void ((d.issuer as unknown as Doc).registrationAccessTokenSecretArn =
        'gatewarden-admin/other'),
  ],
  [
    'webhook URL',
    { issuer: ISSUERS.webhook },
    'issuer.url',
    (d) => void ((d.issuer as unknown as Doc).url = ATTACKER),
  ],
  [
    'webhook Lambda',
    { issuer: ISSUERS.webhook },
    'issuer.lambdaArn',
    (d) =>
      void ((d.issuer as unknown as Doc).lambdaArn =
        'arn:aws:lambda:us-east-1:999999999999:function:x'),
  ],
  [
    'webhook HMAC secret',
    { issuer: ISSUERS.webhook },
    'issuer.hmacSecretArn',
    (d) => void ((d.issuer as unknown as Doc).hmacSecretArn = 'gatewarden-admin/other'),
  ],
  [
    'issuer type',
    { issuer: ISSUERS.webhook },
    'issuer.type',
    (d) => void (d.issuer = { type: 'generated', length: 40, excludePunctuation: true }),
  ],
  [
    'Cognito pool',
    oauth(ISSUERS.cognito),
    'issuer.userPoolId',
    (d) => void ((d.issuer as unknown as Doc).userPoolId = 'us-east-1_other'),
  ],
  [
    'Cognito client',
    oauth(ISSUERS.cognito),
    'issuer.clientId',
    (d) => void ((d.issuer as unknown as Doc).clientId = 'other-client'),
  ],
  [
    'Cognito region',
    oauth(ISSUERS.cognito),
    'issuer.region',
    (d) => void ((d.issuer as unknown as Doc).region = 'eu-west-1'),
  ],
  [
    'provider name',
    {},
    'provider.name',
    (d) => void (providerOf(d).name = 'someone-elses-provider'),
  ],
  [
    'provider ARN',
    {},
    'provider.arn',
    (d) =>
      void (providerOf(d).arn =
        'arn:aws:bedrock-agentcore:us-east-1:1:token-vault/default/apikeycredentialprovider/x'),
  ],
  [
    'provider source',
    {},
    'provider.secretSource',
    (d) => void (providerOf(d).secretSource = 'EXTERNAL'),
  ],
  [
    'provider type',
    { kind: 'oauthClient' },
    'provider.type',
    (d) => void (providerOf(d).type = 'apiKey'),
  ],
  ['gateway', { kind: 'inboundClient' }, 'gatewayId', (d) => void (d.gatewayId = 'gw-other')],
  ['client id', { kind: 'oauthClient' }, 'clientId', (d) => void (d.clientId = 'attacker-client')],
  ['grace period', {}, 'graceSeconds', (d) => void (d.graceSeconds = 0)],
  [
    'retiring entries',
    {},
    'retiring',
    (d) => void d.retiring.push({ issuerCredentialId: 'cred-1', retireAfter: past }),
  ],
  [
    'issuer credential id',
    {},
    'issuerCredentialId',
    (d) => void (d.issuerCredentialId = 'someone-elses'),
  ],
];

/** Outbound operations of the fakes: issuers, probe/token verifier, gateway, provider. */
const OUTBOUND = /^(issuer|verifier|gateway|provider)\./;

describe('a writer of the secret value cannot steer the rotator', () => {
  it.each(CASES)(
    'rewritten %s: rotation and sweep refuse, naming the field',
    async (_what, options, field, rewrite) => {
      // Prepare: the attacker rewrites the document with PutSecretValue (a new AWSCURRENT).
      const world = makeWorld(options);
      const doc = world.store.valueAt(world.secretName, 'AWSCURRENT') as Doc;
      const working = secretOf(doc);
      rewrite(doc);
      world.store.putValue(world.secretName, JSON.stringify(doc));
      const alerts = new CapturingSink(world.faults);
      world.clock.advance(7 * 86_400); // any grace period has passed: a sweep would revoke

      // Act: the scheduled rotation (rotate function), an on-demand one (driver), the sweep.
      const token = 'scheduled-1';
      world.store.beginRotation(world.secretName, token);
      const scheduled = handleRotationStep(
        { ...world.deps, alerts: [alerts] },
        { step: 'createSecret', secretId: world.secretName, token },
      );
      await expect(scheduled).rejects.toBeInstanceOf(BindingMismatchError);
      await expect(driveRotation(world.deps, world.secretName)).rejects.toThrow(
        /BindingMismatchError/,
      );
      await expect(sweepSecret(world.deps, world.secretName)).rejects.toThrow(field);

      // Assess: no outbound call at all; the alert names the field; the credential still works.
      expect(world.faults.trace.filter((op) => OUTBOUND.test(op))).toEqual([]);
      const alert = alerts.alerts[0];
      expect(alert?.detailType).toBe('Rotation Failed');
      expect(JSON.stringify(alert)).toContain(field);
      expect(JSON.stringify(alert)).not.toContain(ATTACKER);
      const current = world.store.valueAt(world.secretName, 'AWSCURRENT');
      expect(world.issuer.isValid(secretOf(current))).toBe(true);
      expect(world.issuer.isValid(working)).toBe(true);
      if (options.kind !== 'inboundClient')
        expect(world.providers.values.get('prov-1')).toBe(world.initialSecret);
    },
  );

  it('refuses a document rewritten with the same fields (not written by gatewarden)', async () => {
    // Prepare: a byte-different rewrite that changes no steering field (a new value only).
    const world = makeWorld();
    const doc = world.store.valueAt(world.secretName, 'AWSCURRENT') as Doc;
    world.store.putValue(world.secretName, JSON.stringify({ ...doc, apiKey: 'attacker-key-1234' }));

    // Act + Assess
    await expect(driveRotation(world.deps, world.secretName)).rejects.toThrow(/BindingMismatch/);
    expect(world.faults.trace.filter((op) => OUTBOUND.test(op))).toEqual([]);
  });

  it('fails closed for a secret without a binding', async () => {
    const world = makeWorld();
    world.bindings.bindings.clear();
    await expect(driveRotation(world.deps, world.secretName)).rejects.toThrow(/BindingMismatch/);
    expect(world.faults.trace.filter((op) => OUTBOUND.test(op))).toEqual([]);
  });

  it('neither adopts nor retires a stale AWSPENDING the rotator did not write', async () => {
    // Prepare: a forged pending version claims someone else's credential at the issuer. (The
    // issuer labels what gatewarden mints, so the victim's is no orphan of a crashed mint.)
    const world = makeWorld({ labels: true, maxActive: 5 });
    await driveRotation(world.deps, world.secretName); // the issuer now holds a labelled key
    const victim = world.issuer.seed('someone-elses-secret');
    const forged = {
      ...(world.store.valueAt(world.secretName, 'AWSCURRENT') as Doc),
      issuerCredentialId: victim,
    };
    world.store.beginRotation(world.secretName, 'forged');
    await world.store.putPending(world.secretName, {
      token: 'forged',
      value: JSON.stringify(forged),
    });
    world.clock.advance(3600); // stale

    // Act: rotate, then let every grace period pass and sweep.
    await driveRotation(world.deps, world.secretName);
    world.clock.advance(7 * 86_400);
    await sweepSecret(world.deps, world.secretName);

    // Assess: the victim's credential was never adopted, retired or revoked.
    const current = world.store.valueAt(world.secretName, 'AWSCURRENT');
    expect(current?.issuerCredentialId).not.toBe(victim);
    expect(current?.retiring.map((r) => r.issuerCredentialId)).not.toContain(victim);
    expect(world.issuer.held.find((c) => c.id === victim)?.active).toBe(true);
  });
});

describe('register update (the path for legitimate changes)', () => {
  it('shows the changed fields with their values, pins them with --yes, and rotation resumes', async () => {
    // Prepare: the admin moves the probe to a new URL (break-glass write).
    const world = makeWorld();
    const doc = world.store.valueAt(world.secretName, 'AWSCURRENT') as Doc;
    probeOf(doc).url = 'https://api.example/v2/ping';
    world.store.putValue(world.secretName, JSON.stringify(doc));
    const meta = await world.store.describe(world.secretName);
    const control = controlOver(world.store);
    await expect(driveRotation(world.deps, world.secretName)).rejects.toThrow(/BindingMismatch/);

    // Act: a dry run, then --yes.
    const dry = await rebindCredential(
      { control, bindings: world.bindings },
      { secretId: meta.arn, apply: false },
    );
    const applied = await rebindCredential(
      { control, bindings: world.bindings },
      { secretId: meta.arn, apply: true, expect: dry.reviewHash },
    );

    // Assess
    expect(dry.applied).toBe(false);
    expect(dry.changes).toEqual([
      {
        field: 'test.probe.url',
        before: 'https://api.example/ping',
        after: 'https://api.example/v2/ping',
      },
    ]);
    expect(applied).toMatchObject({ applied: true, revision: 2 });
    await expect(driveRotation(world.deps, world.secretName)).resolves.toMatchObject({
      secretArn: meta.arn,
    });
  });

  it('re-pins and signs what failed its integrity check, dropping unverifiable ledger records', async () => {
    // Prepare: the binding reads as unsigned (from before signing), and a ledger record of a
    // version that is not current fails its check (forged, naming someone else's credential).
    const world = makeWorld();
    const meta = await world.store.describe(world.secretName);
    const control = controlOver(world.store);
    await world.bindings.recordVersion(meta.arn, {
      versionId: 'forged',
      state: { issuerCredentialId: 'victim', retiring: [] },
      writtenBy: 'rotator',
      writtenAt: new Date(0).toISOString(),
    });
    world.bindings.unverified.add('forged');
    const pinned = world.bindings.binding.bind(world.bindings);
    let signed = false;
    world.bindings.binding = async (arn: string) => {
      if (!signed)
        throw new ItemIntegrityError('the registration binding is not signed', {
          context: { kind: 'binding', fields: 'binding', unsigned: true },
        });
      return pinned(arn);
    };
    const put = world.bindings.putBinding.bind(world.bindings);
    world.bindings.putBinding = async (binding) => {
      signed = true;
      return put(binding);
    };
    await expect(driveRotation(world.deps, world.secretName)).rejects.toThrow(/ItemIntegrityError/);

    // Act
    const dry = await rebindCredential(
      { control, bindings: world.bindings },
      { secretId: meta.arn, apply: false },
    );
    const applied = await rebindCredential(
      { control, bindings: world.bindings },
      { secretId: meta.arn, apply: true, expect: dry.reviewHash },
    );

    // Assess: every item named, nothing applied dry; then pinned, the forgery gone, rotation on.
    expect(dry).toMatchObject({ applied: false, unverified: ['binding', 'ledger forged'] });
    expect(applied).toMatchObject({ applied: true, revision: 1 });
    expect(await world.bindings.versionRecord(meta.arn, 'forged')).toBeUndefined();
    await expect(driveRotation(world.deps, world.secretName)).resolves.toMatchObject({
      secretArn: meta.arn,
    });
  });

  it.each([
    ['a backslash before the user info', 'https://attacker.example\\@api.example/v2/ping'],
    ['a backslash in the user info', 'https://attacker.example\\x:y@api.example/v2/ping'],
    ['a tab inside the host', 'https://attacker.exa\tmple/v2/ping'],
    ['a leading control character', '\u0001https://attacker.example\\@api.example/v2/ping'],
    [
      'a host longer than the shown width',
      `https://api.example.${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.attacker.example/v2/ping`,
    ],
  ])(
    'shows the host a rewritten URL really reaches (%s), not one it only looks like',
    async (_what, url) => {
      // Prepare: a writer of the secret value moves the probe; the review must show its host.
      const world = makeWorld();
      const doc = world.store.valueAt(world.secretName, 'AWSCURRENT') as Doc;
      probeOf(doc).url = url;
      world.store.putValue(world.secretName, JSON.stringify(doc));
      const meta = await world.store.describe(world.secretName);

      // Act: the review the operator decides from.
      const dry = await rebindCredential(
        { control: controlOver(world.store), bindings: world.bindings },
        { secretId: meta.arn, apply: false },
      );

      // Assess: the host shown is the one a request goes to (WHATWG parsing, as fetch does).
      const host = new URL(url).host;
      expect(host).toMatch(/attacker\.example$/);
      const change = dry.changes.find((c) => c.field === 'test.probe.url');
      expect(change?.after).toBeDefined();
      expect(new URL(change?.after ?? '').host).toBe(host);
      expect(change?.after).not.toMatch(/^https:\/\/api\.example\//);
    },
  );
});
