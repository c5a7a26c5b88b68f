/**
 * Where a credential goes outside the document, attacked: a principal with only
 * `UpdateGateway` repoints the CUSTOM_JWT authorizer's discovery URL, or one with only
 * `UpdateOauth2CredentialProvider` repoints a MANAGED provider's vendor configuration. Rotation
 * must compare the live value with the pin and stop before any issuer, verifier or provider
 * write, naming the field (never the value); only `register update` accepts the change.
 * In-memory ports (faults.trace records every outbound call); the pure comparisons first.
 */
import { driveRotation } from '../../../lib/rotation/driver.js';
import {
  destinationChanges,
  inboundDestination,
  tokenEndpointServesIssuer,
} from '../../../lib/rotation/destinations.js';
import { BindingMismatchError } from '../../../lib/rotation/errors.js';
import { handleRotationStep } from '../../../lib/rotation/handleStep.js';
import type { DestinationReaders } from '../../../lib/rotation/liveDestinations.js';
import { rebindCredential } from '../../../lib/rotation/rebind.js';
import {
  CapturingSink,
  FAKE_IDP,
  fakeOauth2Destination,
  makeWorld,
  type World,
} from './support/fakes.js';
import { controlOver } from './support/FakeSecretStore.js';

const ATTACKER = 'https://attacker.example';

/** The driver's failure wraps the step's error: its message names the fields. */
async function failureOf(rotation: Promise<unknown>): Promise<string> {
  const error = await rotation.then(
    () => undefined,
    (e: unknown) => e,
  );
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  return cause instanceof Error ? `${cause.name}: ${cause.message}` : 'no failure';
}
const OUTBOUND = /^(issuer\.(mint|revoke)|verifier|provider\.update)/;

describe('the pure comparison of a live destination with its pin', () => {
  it.each([
    ['https://idp.example', 'https://idp.example/oauth2/token', true],
    ['https://idp.example/tenant', 'https://idp.example:443/other/token', true],
    ['https://idp.example', 'https://idp.example.attacker.example/token', false],
    ['https://idp.example', 'http://idp.example/token', false],
    ['https://idp.example', 'https://idp.example:8443/token', false],
    ['http://127.0.0.1:4000/cognito/p', 'http://127.0.0.1:4000/cognito/p/oauth2/token', true],
    [
      'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_x',
      'https://acme.auth.us-east-1.amazoncognito.com/oauth2/token',
      true,
    ],
    [
      'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_x',
      'https://acme.auth.eu-west-1.amazoncognito.com/oauth2/token',
      false,
    ],
    ['https://cognito-idp.us-east-1.amazonaws.com/us-east-1_x', 'https://login.acme.com/t', false],
    ['not a url', 'https://idp.example/token', false],
  ])('issuer %s, token endpoint %s: served by the issuer = %s', (issuer, token, expected) => {
    expect(tokenEndpointServesIssuer(issuer, token)).toBe(expected);
  });

  it('names changed leaf fields under destinations.<kind>, never values', () => {
    const pinned = fakeOauth2Destination('client-1');
    const live = {
      ...pinned,
      config: { clientId: 'client-1', oauthDiscovery: { discoveryUrl: `${ATTACKER}/d` } },
    };
    const fields = destinationChanges('oauth2', pinned, live);
    expect(fields).toEqual(['destinations.oauth2.config.oauthDiscovery.discoveryUrl']);
    expect(fields.join()).not.toContain('attacker');
    expect(destinationChanges('oauth2', pinned, structuredClone(pinned))).toEqual([]);
    // An authorizer that is gone changes all of what was pinned.
    expect(destinationChanges('inbound', { discoveryUrl: 'x' }, undefined)).toEqual([
      'destinations.inbound.discoveryUrl',
    ]);
  });

  it('pins the discovery document’s token endpoint, or an override on the issuer’s origin', () => {
    const discovered = {
      issuer: FAKE_IDP,
      tokenEndpoint: `${FAKE_IDP}/token`,
      jwksUri: `${FAKE_IDP}/jwks`,
    };
    expect(inboundDestination('u', discovered).tokenEndpoint).toBe(`${FAKE_IDP}/token`);
    expect(inboundDestination('u', discovered, `${FAKE_IDP}/v2/token`)).toMatchObject({
      tokenEndpoint: `${FAKE_IDP}/v2/token`,
      discoveryTokenEndpoint: `${FAKE_IDP}/token`,
    });
    expect(() => inboundDestination('u', discovered, `${ATTACKER}/token`)).toThrow(
      /not on the issuer's origin/,
    );
  });
});

/** Runs the scheduled createSecret through the rotate function's handler, then the driver. */
async function rotateBoth(world: World, alerts: CapturingSink): Promise<void> {
  const token = 'scheduled-1';
  world.store.beginRotation(world.secretName, token);
  await expect(
    handleRotationStep(
      { ...world.deps, alerts: [alerts] },
      { step: 'createSecret', secretId: world.secretName, token },
    ),
  ).rejects.toBeInstanceOf(BindingMismatchError);
  await expect(driveRotation(world.deps, world.secretName)).rejects.toThrow(/BindingMismatchError/);
}

const REPOINTS: [string, () => World, (world: World) => void, string][] = [
  [
    'UpdateGateway repoints the inbound authorizer’s discovery URL',
    () => makeWorld({ kind: 'inboundClient' }),
    (world) => {
      const gateways = world.deps.gateways as { authorizer?: { discoveryUrl: string } };
      if (gateways.authorizer)
        gateways.authorizer.discoveryUrl = `${ATTACKER}/.well-known/openid-configuration`;
    },
    'destinations.inbound.discoveryUrl',
  ],
  [
    'UpdateGateway removes the inbound authorizer',
    () => makeWorld({ kind: 'inboundClient' }),
    (world) => void ((world.deps.gateways as { authorizer?: unknown }).authorizer = undefined),
    'destinations.inbound.discoveryUrl',
  ],
  [
    'UpdateOauth2CredentialProvider repoints a MANAGED provider’s discovery URL',
    () => makeWorld({ kind: 'oauthClient', secretSource: 'MANAGED' }),
    (world) => {
      const config = fakeOauth2Destination('client-1');
      config.config.oauthDiscovery = { discoveryUrl: `${ATTACKER}/.well-known/oidc` };
      world.providers.oauth2Configs.set('prov-1', config);
    },
    'destinations.oauth2.config.oauthDiscovery.discoveryUrl',
  ],
  [
    'UpdateOauth2CredentialProvider switches a MANAGED provider to explicit endpoints',
    () => makeWorld({ kind: 'oauthClient', secretSource: 'MANAGED' }),
    (world) => {
      const config = fakeOauth2Destination('client-1');
      config.config.oauthDiscovery = {
        authorizationServerMetadata: { issuer: FAKE_IDP, tokenEndpoint: `${ATTACKER}/token` },
      };
      world.providers.oauth2Configs.set('prov-1', config);
    },
    'destinations.oauth2.config.oauthDiscovery.authorizationServerMetadata',
  ],
  [
    'UpdateOauth2CredentialProvider sets a private endpoint',
    () => makeWorld({ kind: 'oauthClient', secretSource: 'MANAGED' }),
    (world) => {
      const config = fakeOauth2Destination('client-1');
      config.config.privateEndpoint = {
        selfManagedLatticeResource: { resourceConfigurationIdentifier: 'rc-1' },
      };
      world.providers.oauth2Configs.set('prov-1', config);
    },
    'destinations.oauth2.config.privateEndpoint',
  ],
];

describe('a writer of the live authorizer or provider cannot steer the rotator', () => {
  it.each(REPOINTS)('%s: refused before any outbound call', async (_what, make, repoint, field) => {
    // Prepare
    const world = make();
    repoint(world);
    const alerts = new CapturingSink(world.faults);

    // Act
    await rotateBoth(world, alerts);

    // Assess: nothing minted, tested, sent or written; the alert names the field, not the value.
    expect(world.faults.trace.filter((op) => OUTBOUND.test(op))).toEqual([]);
    const alert = JSON.stringify(alerts.alerts[0]);
    expect(alerts.alerts[0]?.detailType).toBe('Rotation Failed');
    expect(alert).toContain(field);
    expect(alert).not.toContain('attacker');
    expect(world.issuer.isValid(world.initialSecret)).toBe(true);
    expect(world.store.valueAt(world.secretName, 'AWSCURRENT')?.clientSecret).toBe(
      world.initialSecret,
    );
    if (world.store.valueAt(world.secretName, 'AWSCURRENT')?.provider)
      expect(world.providers.values.get('prov-1')).toBe(world.initialSecret);
  });

  it('a MANAGED provider repointed between the check and the write is not written', async () => {
    // Prepare: the repoint lands after createSecret checked (as setSecret's test runs).
    const world = makeWorld({ kind: 'oauthClient', secretSource: 'MANAGED' });
    const verify = world.verifier.verifyClient.bind(world.verifier);
    world.verifier.verifyClient = async (input) => {
      await verify(input);
      const config = fakeOauth2Destination('client-1');
      config.config.clientId = 'attacker-client';
      world.providers.oauth2Configs.set('prov-1', config);
    };

    // Act
    expect(await failureOf(driveRotation(world.deps, world.secretName))).toMatch(
      /BindingMismatchError: .*destinations\.oauth2\.config\.clientId/,
    );

    // Assess: the provider still holds the working secret; AWSCURRENT did not move.
    // (The fake refuses inside the update call, as the adapter does between its Get and Update.)
    expect(world.providers.history).toEqual([]);
    expect(world.providers.values.get('prov-1')).toBe(world.initialSecret);
    expect(world.store.valueAt(world.secretName, 'AWSCURRENT')?.clientSecret).toBe(
      world.initialSecret,
    );
  });
});

function readersOf(world: World): DestinationReaders {
  return {
    gateways: world.deps.gateways,
    providers: world.providers,
    discovery: {
      discover: async (url) => ({
        issuer: new URL(url).origin,
        tokenEndpoint: `${new URL(url).origin}/token`,
        jwksUri: `${new URL(url).origin}/jwks`,
      }),
    },
  };
}

describe('register update is the one way to accept a live change', () => {
  it.each([
    ['inboundClient', 'inbound'],
    ['oauthClient', 'outbound'],
  ] as const)(
    'fails closed for a registration (%s) without its pinned %s destination, until register update pins it',
    async (kind, pinned) => {
      // Prepare: a binding from before destinations were pinned (an outbound client's MANAGED
      // provider configuration was pinned earlier: only its issuer is missing).
      const world = makeWorld({ kind });
      const arn = (await world.store.describe(world.secretName)).arn;
      const binding = world.bindings.bindings.get(arn);
      if (binding?.steering.destinations) delete binding.steering.destinations[pinned];

      // Act / Assess: refused before anything, telling the operator what to run.
      expect(await failureOf(driveRotation(world.deps, world.secretName))).toMatch(
        /BindingMismatchError: .*does not pin .*register update/,
      );
      expect(world.faults.trace.filter((op) => OUTBOUND.test(op) || op === 'gateway.get')).toEqual(
        [],
      );

      // register update shows what it would pin, field by field, then pins it.
      const deps = {
        control: controlOver(world.store),
        bindings: world.bindings,
        destinations: readersOf(world),
      };
      const shown = await rebindCredential(deps, { secretId: world.secretName, apply: false });
      expect(shown.changes.map((change) => change.field)).toEqual([
        `destinations.${pinned}.discoveryUrl`,
        `destinations.${pinned}.issuer`,
        `destinations.${pinned}.jwksUri`,
        `destinations.${pinned}.discoveryTokenEndpoint`,
        `destinations.${pinned}.tokenEndpoint`,
      ]);
      await rebindCredential(deps, {
        secretId: world.secretName,
        apply: true,
        expect: shown.reviewHash,
      });
      await expect(driveRotation(world.deps, world.secretName)).resolves.toBeDefined();
    },
  );

  it('shows a repointed authorizer with its old and new value, and pins it only when asked', async () => {
    // Prepare
    const world = makeWorld({ kind: 'inboundClient' });
    const gateways = world.deps.gateways as { authorizer?: { discoveryUrl: string } };
    if (gateways.authorizer)
      gateways.authorizer.discoveryUrl = 'https://idp2.example/.well-known/openid-configuration';
    const deps = {
      control: controlOver(world.store),
      bindings: world.bindings,
      destinations: readersOf(world),
    };

    // Act
    const shown = await rebindCredential(deps, { secretId: world.secretName, apply: false });

    // Assess
    expect(shown.applied).toBe(false);
    expect(shown.changes).toContainEqual({
      field: 'destinations.inbound.discoveryUrl',
      before: `${FAKE_IDP}/.well-known/openid-configuration`,
      after: 'https://idp2.example/.well-known/openid-configuration',
    });
    expect(await failureOf(driveRotation(world.deps, world.secretName))).toMatch(
      /BindingMismatchError: .*destinations\.inbound\.discoveryUrl/,
    );
    await rebindCredential(deps, {
      secretId: world.secretName,
      apply: true,
      expect: shown.reviewHash,
    });
    await expect(driveRotation(world.deps, world.secretName)).resolves.toBeDefined();
  });
});
