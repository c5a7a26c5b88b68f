/**
 * The live tool listing of a CUSTOM_JWT gateway (`--listing-client SECRET`, the CLI only): a
 * client-credentials token from an inbound client gatewarden rotates for that gateway, at the
 * token endpoint of the gateway authorizer's discovery document (the local OIDC provider), sent
 * as a bearer token to the gateway's MCP endpoint (the local data-plane stand-in verifies it
 * against discoveryUrl, allowedClients). The operator's (the stack admin's) credentials read
 * the secret and its binding. Attacks first: who the binding says the client belongs to, where
 * the secret goes, and what reaches the output.
 */
import {
  BedrockAgentCoreControlClient,
  CreateGatewayCommand,
  CreateGatewayTargetCommand,
} from '@aws-sdk/client-bedrock-agentcore-control';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withLocalStateTable } from '../../../cli/commands/localState.js';
import { listingClientFromEnv } from '../../../lib/aws/listingClientPorts.js';
import { liveToolInventory } from '../../../lib/aws/toolInventory.js';
import type { Binding } from '../../../lib/rotation/binding.js';
import type { GatewayTools } from '../../../lib/tools/inventory.js';
import { sampleInvokeRecord } from '../../../lib/tools/sampleRecord.js';
import { localDiscoveryUrl } from '../../support/agentcore.js';
import { runCli } from '../../support/cli.js';
import { localStack, testClientConfig, uniqueName } from '../../support/localStack.js';
import { localBindings, localStateTable, registerOidcClient, sm } from '../rotation/support.js';

const control = new BedrockAgentCoreControlClient(testClientConfig());
const GATEWAY_ROLE = 'arn:aws:iam::123456789012:role/gatewarden-test-gateway';

/** A fake IdP and trap: serves a discovery document the test sets, records every request. */
let trap: Server;
let trapOrigin = '';
const trapHits: string[] = [];
let trapDiscovery: Record<string, unknown> = {};

beforeAll(async () => {
  await localStateTable();
  trap = createServer((request, response) => {
    trapHits.push(`${request.method ?? ''} ${request.url ?? ''}`);
    if (request.url === '/idp/.well-known/openid-configuration') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(trapDiscovery));
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ access_token: 'trapped.token.value', token_type: 'Bearer' }));
  });
  await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
  trapOrigin = `http://127.0.0.1:${(trap.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => trap.close(resolve));
});

beforeEach(() => {
  trapHits.length = 0;
});

/** A CUSTOM_JWT gateway with one MCP server target (`docs`) whose tools it synchronized. */
async function jwtGateway(discoveryUrl: string, allowedClients: string[]) {
  const created = await control.send(
    new CreateGatewayCommand({
      name: uniqueName('jwtlist').slice(0, 48),
      roleArn: GATEWAY_ROLE,
      protocolType: 'MCP',
      authorizerType: 'CUSTOM_JWT',
      authorizerConfiguration: {
        customJWTAuthorizer: { discoveryUrl, allowedClients, allowedScopes: ['gateway:invoke'] },
      },
    }),
  );
  const id = created.gatewayId ?? '';
  await control.send(
    new CreateGatewayTargetCommand({
      gatewayIdentifier: id,
      name: 'docs',
      targetConfiguration: { mcp: { mcpServer: { endpoint: 'https://docs.example.com/mcp' } } },
    }),
  );
  const seeded = await fetch(`${localStack().endpoint}/_gatewarden/gateway/synchronized-tools`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      gatewayId: id,
      target: 'docs',
      tools: [{ name: 'search', inputSchema: { type: 'object' } }, { name: 'fetch' }],
    }),
  });
  if (seeded.status !== 201) throw new Error(`seeding failed: ${seeded.status}`);
  return { id, arn: created.gatewayArn ?? '' };
}

/**
 * An inbound client secret (value and tags as `extra` says) and the binding `register` pins for
 * it: which gateway, which client, and the authorizer's discovery document as it is now.
 */
async function registeredClient(
  boundGatewayId: string,
  client: { clientId: string; clientSecret: string },
  discoveryUrl: string,
  extra: { value?: Record<string, unknown>; tags?: Record<string, string> } = {},
): Promise<string> {
  const secret = await sm().send(
    new CreateSecretCommand({
      Name: `gatewarden/${uniqueName('jwtlist')}`,
      SecretString: JSON.stringify({
        schemaVersion: 1,
        kind: 'inboundClient',
        gatewayId: boundGatewayId,
        clientId: client.clientId,
        clientSecret: client.clientSecret,
        issuer: { type: 'generated' },
        test: {},
        ...extra.value,
      }),
      Tags: Object.entries(extra.tags ?? {}).map(([Key, Value]) => ({ Key, Value })),
    }),
  );
  const secretArn = secret.ARN ?? '';
  const doc = (await (await fetch(discoveryUrl)).json()) as Record<string, string>;
  const steering = {
    kind: 'inboundClient',
    gatewayId: boundGatewayId,
    clientId: client.clientId,
    issuer: { type: 'generated', length: 40, excludePunctuation: true },
    test: { attempts: 5 },
    graceSeconds: 0,
    destinations: {
      inbound: {
        discoveryUrl,
        issuer: doc.issuer ?? '',
        jwksUri: doc.jwks_uri ?? '',
        discoveryTokenEndpoint: doc.token_endpoint ?? '',
        tokenEndpoint: doc.token_endpoint ?? '',
      },
    },
  } as Binding['steering'];
  await localBindings().putBinding({
    secretArn,
    steering,
    revision: 1,
    boundAt: new Date().toISOString(),
  });
  return secretArn;
}

/** The live inventory with the listing, as the CLI wires it (the operator's credentials). */
async function listWith(gatewayId: string, secretId: string) {
  const env = await withLocalStateTable(process.env);
  return liveToolInventory({
    listFromGateway: true,
    listingClient: listingClientFromEnv(secretId, env),
  }).read(gatewayId);
}

const docsOf = (read: { gateways: GatewayTools[] }) =>
  read.gateways[0]?.targets.find((t) => t.name === 'docs');

describe('attacks on the listing client', () => {
  it('a secret registered for ANOTHER gateway is refused, whatever its value and tags say', async () => {
    // Prepare: a real client the gateway accepts, bound to another gateway; its value and tags
    // name the gateway being listed.
    const client = await registerOidcClient();
    const gw = await jwtGateway(localDiscoveryUrl(), [client.clientId]);
    const other = await jwtGateway(localDiscoveryUrl(), [client.clientId]);
    const secret = await registeredClient(other.id, client, localDiscoveryUrl(), {
      value: { gatewayId: gw.id },
      tags: { 'gatewarden:gateway': gw.id, gatewayId: gw.id },
    });
    // Act
    const read = await listWith(gw.id, secret);
    // Assess
    expect(docsOf(read)?.tools).toEqual([]);
    expect(docsOf(read)?.toolsUnknown).toContain(
      `live listing failed: listing client: ${secret} is registered for another gateway, not ${gw.id}`,
    );
  }, 60_000);

  it('a secret that is not registered at all is refused', async () => {
    const client = await registerOidcClient();
    const gw = await jwtGateway(localDiscoveryUrl(), [client.clientId]);
    const plain = await sm().send(
      new CreateSecretCommand({
        Name: `gatewarden/${uniqueName('jwtlist-unbound')}`,
        SecretString: JSON.stringify({
          clientId: client.clientId,
          clientSecret: client.clientSecret,
          gatewayId: gw.id,
        }),
      }),
    );
    const read = await listWith(gw.id, plain.ARN ?? '');
    expect(docsOf(read)?.toolsUnknown).toMatch(
      /is not registered with gatewarden as an inbound client/,
    );
  }, 60_000);

  it('a secret whose value names another token endpoint or discovery URL is not followed', async () => {
    // Prepare: the value points everything it can at the trap.
    const client = await registerOidcClient();
    const gw = await jwtGateway(localDiscoveryUrl(), [client.clientId]);
    const secret = await registeredClient(gw.id, client, localDiscoveryUrl(), {
      value: {
        test: {
          tokenEndpoint: `${trapOrigin}/token`,
          discoveryUrl: `${trapOrigin}/idp/.well-known/openid-configuration`,
        },
        tokenEndpoint: `${trapOrigin}/token`,
        token_endpoint: `${trapOrigin}/token`,
      },
    });
    // Act
    const read = await listWith(gw.id, secret);
    // Assess: listed through the gateway authorizer's issuer; the trap saw nothing.
    expect(read.issues).toEqual([]);
    expect(
      docsOf(read)
        ?.tools.map((t) => t.name)
        .sort(),
    ).toEqual(['docs___fetch', 'docs___search']);
    expect(trapHits).toEqual([]);
  }, 60_000);

  it.each([
    [
      'a token_endpoint on another origin than its issuer',
      () => ({
        issuer: `${trapOrigin}/idp`,
        token_endpoint: `${localStack().oidcIssuer}/token`,
        jwks_uri: `${trapOrigin}/idp/jwks`,
      }),
      /the token endpoint is not served by the issuer/,
    ],
    [
      'an issuer that is not the discovery URL’s issuer',
      () => ({
        issuer: localStack().oidcIssuer,
        token_endpoint: `${trapOrigin}/idp/token`,
        jwks_uri: `${trapOrigin}/idp/jwks`,
      }),
      /the discovery document's issuer is not its discovery URL's issuer/,
    ],
  ])(
    'a discovery document with %s: no secret is sent',
    async (_name, doc, reason) => {
      // Prepare: the gateway trusts the trap's discovery URL, pinned as it is (so only the
      // document's own rules decide).
      trapDiscovery = doc();
      const discoveryUrl = `${trapOrigin}/idp/.well-known/openid-configuration`;
      const client = await registerOidcClient();
      const gw = await jwtGateway(discoveryUrl, [client.clientId]);
      const secret = await registeredClient(gw.id, client, discoveryUrl);
      trapHits.length = 0;
      // Act
      const read = await listWith(gw.id, secret);
      // Assess: the discovery document was read, nothing was posted anywhere.
      expect(docsOf(read)?.toolsUnknown).toMatch(reason);
      expect(trapHits).toEqual(['GET /idp/.well-known/openid-configuration']);
    },
    60_000,
  );

  it('a gateway whose authorizer moved to another discovery URL since registration is refused', async () => {
    trapDiscovery = {
      issuer: `${trapOrigin}/idp`,
      token_endpoint: `${trapOrigin}/idp/token`,
      jwks_uri: `${trapOrigin}/idp/jwks`,
    };
    const client = await registerOidcClient();
    const gw = await jwtGateway(`${trapOrigin}/idp/.well-known/openid-configuration`, [
      client.clientId,
    ]);
    // Pinned at registration: the local OIDC provider's discovery URL.
    const secret = await registeredClient(gw.id, client, localDiscoveryUrl());
    trapHits.length = 0;
    const read = await listWith(gw.id, secret);
    expect(docsOf(read)?.toolsUnknown).toMatch(/not the one pinned when/);
    expect(trapHits).toEqual([]);
  }, 60_000);

  it('a 401 from the gateway leaves the target unknown with the status', async () => {
    // Prepare: a registered client the gateway's authorizer does not allow.
    const client = await registerOidcClient();
    const gw = await jwtGateway(localDiscoveryUrl(), ['someone-else']);
    const secret = await registeredClient(gw.id, client, localDiscoveryUrl());
    // Act
    const read = await listWith(gw.id, secret);
    // Assess
    expect(docsOf(read)?.tools).toEqual([]);
    expect(docsOf(read)?.toolsUnknown).toMatch(/live listing failed: initialize: HTTP 401/);
  }, 60_000);
});

describe('a CUSTOM_JWT gateway listed with its registered inbound client (the CLI)', () => {
  it('fills the MCP server target, and no secret or token reaches the output', async () => {
    // Prepare
    const client = await registerOidcClient();
    const gw = await jwtGateway(localDiscoveryUrl(), [client.clientId]);
    const secret = await registeredClient(gw.id, client, localDiscoveryUrl());
    const dir = mkdtempSync(join(tmpdir(), 'gw-jwtlist-'));
    writeFileSync(
      join(dir, 'trail.json'),
      JSON.stringify({
        Records: [
          sampleInvokeRecord({
            gatewayArn: gw.arn,
            tool: 'docs___search',
            targetId: 'T',
            claims: { sub: client.clientId, client_id: client.clientId },
            time: '2026-12-01T10:00:00Z',
          }),
        ],
      }),
    );
    const out = join(dir, 'out');
    // Act
    const run = await runCli([
      'tools',
      '--trail',
      dir,
      '--gateway',
      gw.id,
      '--list-tools-from-gateway',
      '--listing-client',
      secret,
      '--out',
      out,
      '--format',
      'json,md',
    ]);
    // Assess
    expect(run.code).toBe(0);
    const json = readFileSync(join(out, 'tools.json'), 'utf8');
    const report = JSON.parse(json) as {
      gateways: { gatewayId: string; access?: { toolsExposed: string[] | null } }[];
    };
    expect(report.gateways[0]?.access?.toolsExposed?.slice().sort()).toEqual([
      'docs___fetch',
      'docs___search',
    ]);
    const printed = `${run.stdout}\n${run.stderr}\n${json}\n${readFileSync(join(out, 'tools.md'), 'utf8')}`;
    expect(printed).not.toContain(client.clientSecret);
    expect(printed).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]+|Bearer |Basic /);
  }, 120_000);

  it('--listing-client without --list-tools-from-gateway is a usage error', async () => {
    const run = await runCli([
      'tools',
      '--trail',
      '/nonexistent',
      '--gateway',
      'g',
      '--listing-client',
      's',
      '--out',
      '/tmp/x',
    ]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/--listing-client is for --list-tools-from-gateway/);
  });
});
