/**
 * UpdateOauth2CredentialProvider is a full replace (REFERENCE, checked 2026-12): the request the
 * real SDK serialises must carry every input field of the vendor, rebuilt from the Get output —
 * or the update wipes the issuer, endpoints or Microsoft tenant. The AgentCore control API is
 * played by a recording HTTP endpoint here, because what is under test is the serialised
 * request itself (the local stand-in keeps what it is sent and cannot show what was dropped).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BedrockAgentCoreControlClient } from '@aws-sdk/client-bedrock-agentcore-control';
import { AgentCoreProviders } from '../../../lib/aws/identityProviders.js';

const DISCOVERY = 'https://idp.example/.well-known/openid-configuration';
const META = {
  issuer: 'https://idp.example',
  authorizationEndpoint: 'https://idp.example/authorize',
  tokenEndpoint: 'https://idp.example/token',
};
const TENANT = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';

let server: Server;
let endpoint = '';
let getResponse: Record<string, unknown> = {};
const updates: Record<string, unknown>[] = [];

async function body(request: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of request) text += String(chunk);
  return text;
}

beforeAll(async () => {
  server = createServer((request, response) => {
    void body(request).then((text) => {
      if (request.url?.endsWith('/UpdateOauth2CredentialProvider')) {
        updates.push(JSON.parse(text) as Record<string, unknown>);
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(getResponse));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

function providers(): AgentCoreProviders {
  return new AgentCoreProviders(
    new BedrockAgentCoreControlClient({
      endpoint,
      region: 'us-east-1',
      maxAttempts: 1,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    }),
  );
}

/** [vendor, output member as Get returns it, input member the Update must carry]. */
const VENDORS: [string, string, Record<string, unknown>, Record<string, unknown>][] = [
  [
    'CustomOauth2',
    'customOauth2ProviderConfig',
    {
      clientId: 'c1',
      oauthDiscovery: { discoveryUrl: DISCOVERY },
      clientAuthenticationMethod: 'CLIENT_SECRET_POST',
    },
    {
      clientId: 'c1',
      oauthDiscovery: { discoveryUrl: DISCOVERY },
      clientAuthenticationMethod: 'CLIENT_SECRET_POST',
    },
  ],
  [
    'MicrosoftOauth2',
    'microsoftOauth2ProviderConfig',
    {
      clientId: 'c1',
      oauthDiscovery: {
        authorizationServerMetadata: {
          ...META,
          issuer: `https://login.microsoftonline.com/${TENANT}/v2.0`,
        },
      },
    },
    { clientId: 'c1', tenantId: TENANT },
  ],
  [
    'SalesforceOauth2',
    'salesforceOauth2ProviderConfig',
    { clientId: 'c1', oauthDiscovery: { authorizationServerMetadata: META } },
    { clientId: 'c1' },
  ],
  [
    'CognitoOauth2 (included vendor)',
    'includedOauth2ProviderConfig',
    { clientId: 'c1', oauthDiscovery: { authorizationServerMetadata: META } },
    {
      clientId: 'c1',
      issuer: META.issuer,
      authorizationEndpoint: META.authorizationEndpoint,
      tokenEndpoint: META.tokenEndpoint,
    },
  ],
  [
    'GoogleOauth2',
    'googleOauth2ProviderConfig',
    { clientId: 'c1', oauthDiscovery: { authorizationServerMetadata: META } },
    { clientId: 'c1' },
  ],
];

describe('OAuth2 provider updates carry every input field (full replace)', () => {
  it.each(VENDORS)('%s: a new client secret', async (vendor, member, output, input) => {
    // Prepare
    updates.length = 0;
    getResponse = {
      name: 'p',
      credentialProviderVendor: vendor.split(' ')[0],
      oauth2ProviderConfigOutput: { [member]: output },
    };

    // Act: what register pinned, then the rotator's update against that pin.
    const pinned = await providers().readOauth2Destination('p');
    await providers().updateOauth2ClientSecret('p', 'c1', 'NEW-SECRET', pinned);

    // Assess: the serialised request, field by field.
    expect(updates).toEqual([
      {
        name: 'p',
        credentialProviderVendor: vendor.split(' ')[0],
        oauth2ProviderConfigInput: { [member]: { ...input, clientSecret: 'NEW-SECRET' } },
      },
    ]);
  });

  it.each(VENDORS)('%s: switched to an EXTERNAL secret', async (vendor, member, output, input) => {
    updates.length = 0;
    getResponse = {
      name: 'p',
      credentialProviderVendor: vendor.split(' ')[0],
      oauth2ProviderConfigOutput: { [member]: output },
    };
    const ref = {
      secretId: 'arn:aws:secretsmanager:us-east-1:1:secret:gatewarden/x',
      jsonKey: 'clientSecret',
    };

    await providers().useExternalSecret({ type: 'oauth2', name: 'p' }, ref);

    const sent = (updates[0]?.oauth2ProviderConfigInput as Record<string, unknown>)[member];
    expect(sent).toEqual({ ...input, clientSecretSource: 'EXTERNAL', clientSecretConfig: ref });
  });

  it('refuses a Microsoft provider whose tenant it cannot see, sending nothing', async () => {
    updates.length = 0;
    getResponse = {
      name: 'p',
      credentialProviderVendor: 'MicrosoftOauth2',
      oauth2ProviderConfigOutput: {
        microsoftOauth2ProviderConfig: { clientId: 'c1', oauthDiscovery: {} },
      },
    };
    await expect(providers().readOauth2Destination('p')).rejects.toThrow(/would wipe tenantId/);
    expect(updates).toEqual([]);
  });

  it.each(VENDORS)(
    '%s: a live configuration changed since it was pinned is not written back',
    async (vendor, member, output) => {
      // Prepare: pinned, then someone with UpdateOauth2CredentialProvider changes the vendor
      // configuration (a new client id, and a token endpoint / discovery URL where there is one).
      updates.length = 0;
      getResponse = {
        name: 'p',
        credentialProviderVendor: vendor.split(' ')[0],
        oauth2ProviderConfigOutput: { [member]: output },
      };
      const pinned = await providers().readOauth2Destination('p');
      getResponse = {
        ...getResponse,
        oauth2ProviderConfigOutput: { [member]: { ...output, clientId: 'attacker-client' } },
      };

      // Act / Assess
      await expect(
        providers().updateOauth2ClientSecret('p', 'c1', 'NEW-SECRET', pinned),
      ).rejects.toMatchObject({
        name: 'BindingMismatchError',
        fields: ['destinations.oauth2.config.clientId'],
      });
      expect(updates).toEqual([]);
    },
  );
});
