/**
 * ATTACK: an outbound OAuth client (kind oauthClient) is tested at its document's discovery
 * URL. Whoever controls what that URL serves (the IdP host, its DNS) names their own token
 * endpoint, JWKS and issuer, receives the new client secret in the Basic header, answers with
 * a self-signed JWT, and the test passes. `register` now pins what the discovery document said
 * (`destinations.outbound`, token endpoint on the issuer's origin); the test of a new secret
 * passes the pin to the verifier, and a document that differs gets no credential. A
 * registration that pins nothing yet fails closed before any outbound call.
 */
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { driveRotation } from '../../../lib/rotation/driver.js';
import { BindingMismatchError } from '../../../lib/rotation/errors.js';
import { readDestinations } from '../../../lib/rotation/liveDestinations.js';
import { HttpCredentialVerifier } from '../../../lib/rotation/verifier.js';
import { FAKE_IDP, fakeDestinations, makeWorld } from './support/fakes.js';

const DISCOVERY = `${FAKE_IDP}/.well-known/openid-configuration`;
const ATTACKER = 'https://attacker.example';
const OUTBOUND = /^(issuer\.(mint|revoke)|verifier|provider\.update)/;

/** A discovery document on the IdP host that names the attacker; every request recorded. */
async function attackerServed() {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'a1', alg: 'RS256' };
  const requested: string[] = [];
  const received: string[] = [];
  const fetchFn = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input);
    requested.push(url);
    const json = (body: unknown) =>
      new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } });
    if (url === DISCOVERY)
      return json({
        issuer: ATTACKER,
        token_endpoint: `${ATTACKER}/token`,
        jwks_uri: `${ATTACKER}/jwks`,
      });
    if (url === `${ATTACKER}/jwks`) return json({ keys: [jwk] });
    if (url === `${ATTACKER}/token`) {
      received.push(new Headers(init?.headers).get('authorization') ?? '');
      const token = await new SignJWT({ client_id: 'agent' })
        .setProtectedHeader({ alg: 'RS256', kid: 'a1' })
        .setIssuer(ATTACKER)
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey);
      return json({ access_token: token });
    }
    return new Response('{}', { status: 404 });
  }) as typeof fetch;
  return { fetchFn, requested, received };
}

it('an outbound client secret never goes to a token endpoint the discovery document names now', async () => {
  // Prepare: what register pinned from the IdP's document; the document now names the attacker.
  const world = makeWorld({ kind: 'oauthClient' });
  const doc = world.store.valueAt(world.secretName, 'AWSCURRENT');
  const pinned = doc && fakeDestinations(doc).outbound;
  expect(pinned?.tokenEndpoint).toBe(`${FAKE_IDP}/token`);
  const { fetchFn, requested, received } = await attackerServed();

  // Act
  const attempt = new HttpCredentialVerifier(fetchFn).verifyClient({
    clientId: 'agent',
    clientSecret: 'new-secret',
    discoveryUrl: DISCOVERY,
    ...(pinned ? { pinned, pinnedAs: 'outbound' as const } : {}),
  });

  // Assess: refused before the token request, naming the fields; no request to another host.
  await expect(attempt).rejects.toBeInstanceOf(BindingMismatchError);
  await expect(attempt).rejects.toThrow(
    /destinations\.outbound\.discoveryTokenEndpoint, destinations\.outbound\.issuer, destinations\.outbound\.jwksUri/,
  );
  expect(received).toEqual([]);
  expect(requested).toEqual([DISCOVERY]);
});

it('rotation passes the pin: an outbound client is tested only at its pinned issuer', async () => {
  const world = makeWorld({ kind: 'oauthClient' });
  const doc = world.store.valueAt(world.secretName, 'AWSCURRENT');
  if (!doc) throw new Error('no current document');
  const seen: unknown[] = [];
  const verify = world.deps.verifier.verifyClient.bind(world.deps.verifier);
  world.deps.verifier.verifyClient = (input) => {
    seen.push({ pinned: input.pinned, pinnedAs: input.pinnedAs });
    return verify(input);
  };

  await driveRotation(world.deps, world.secretName);

  expect(seen.length).toBeGreaterThan(0);
  for (const call of seen)
    expect(call).toEqual({ pinned: fakeDestinations(doc).outbound, pinnedAs: 'outbound' });
});

it('an outbound registration that pins no destination fails closed, naming register update', async () => {
  const world = makeWorld({ kind: 'oauthClient' });
  const arn = (await world.store.describe(world.secretName)).arn;
  const binding = world.bindings.bindings.get(arn);
  if (binding?.steering.destinations) delete binding.steering.destinations.outbound;

  const error = await driveRotation(world.deps, world.secretName).then(
    () => undefined,
    (e: unknown) => (e as { cause?: unknown }).cause,
  );

  expect(error).toBeInstanceOf(BindingMismatchError);
  expect((error as Error).message).toMatch(
    /does not pin .*destinations\.outbound.*register update/,
  );
  expect(world.faults.trace.filter((op) => OUTBOUND.test(op))).toEqual([]);
});

it('register refuses an outbound discovery document whose token endpoint is off the issuer origin', async () => {
  const world = makeWorld({ kind: 'oauthClient' });
  const doc = world.store.valueAt(world.secretName, 'AWSCURRENT');
  if (!doc) throw new Error('no current document');
  const readers = {
    gateways: world.deps.gateways,
    providers: world.providers,
    discovery: {
      discover: () =>
        Promise.resolve({
          issuer: FAKE_IDP,
          tokenEndpoint: `${ATTACKER}/token`,
          jwksUri: `${FAKE_IDP}/jwks`,
        }),
    },
  };
  await expect(readDestinations(readers, doc)).rejects.toThrow(
    /not on the issuer's origin: a client's secret goes only to the issuer that signs its tokens/,
  );
});
