/**
 * Contract tests of the vendor issuers (Okta, Entra, Auth0, webhook) against local servers
 * that speak each vendor's documented HTTP API (test/support/vendors). No AWS involved: the
 * admin secrets come from an in-memory reader, as the issuers take a ReadSecret port.
 */
import type { Issuer, IssuedCredential } from '../../../lib/rotation/issuer.js';
import { Auth0Issuer } from '../../../lib/rotation/issuers/auth0.js';
import { EntraIssuer } from '../../../lib/rotation/issuers/entra.js';
import { OktaIssuer } from '../../../lib/rotation/issuers/okta.js';
import { IssuerHttpError } from '../../../lib/rotation/issuers/vendorHttp.js';
import { WebhookIssuer } from '../../../lib/rotation/issuers/webhook.js';
import {
  issuerConfigSchema,
  secretDocumentSchema,
  type IssuerConfig,
  type SecretDocument,
} from '../../../lib/rotation/secretDocument.js';
import { Auth0Stub } from '../../support/vendors/auth0.js';
import { EntraStub } from '../../support/vendors/entra.js';
import { OktaStub } from '../../support/vendors/okta.js';
import type { VendorServer } from '../../support/vendors/server.js';
import { WebhookStub } from '../../support/vendors/webhook.js';

const ADMIN_CANARY = 'CANARY-admin-secret-7f3a9c';
const admin = { clientId: 'admin-app', clientSecret: ADMIN_CANARY };
const secrets = new Map<string, string>();
const readSecret = async (id: string): Promise<string> => {
  const value = secrets.get(id);
  if (value === undefined) throw new Error(`no secret ${id}`);
  return value;
};

/** One vendor under contract: how to build it and how to ask the vendor if a secret works. */
interface Harness {
  name: string;
  server: VendorServer;
  issuer: Issuer;
  config: IssuerConfig;
  doc: SecretDocument;
  /** Whether the vendor accepts this credential right now. */
  works(credential: {
    clientSecret?: string;
    apiKey?: string;
    credentialId?: string;
  }): Promise<boolean>;
  initial: { clientSecret?: string; apiKey?: string };
}

function docFor(
  config: IssuerConfig,
  kind: 'apiKey' | 'oauthClient',
  creds: Record<string, string>,
): SecretDocument {
  return secretDocumentSchema.parse({
    schemaVersion: 1,
    kind,
    gatewayId: 'gw-contract',
    issuer: config,
    ...creds,
  });
}

async function tokenWorks(
  url: string,
  clientId: string,
  clientSecret: string,
  json = false,
): Promise<boolean> {
  const params = {
    grant_type: 'client_credentials',
    client_id: clientId,
    client_secret: clientSecret,
  };
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': json ? 'application/json' : 'application/x-www-form-urlencoded' },
    body: json ? JSON.stringify(params) : new URLSearchParams(params).toString(),
  });
  return response.ok;
}

const harnesses: Record<string, () => Promise<Harness>> = {
  okta: async () => {
    const stub = new OktaStub('CANARY-okta-token-1b2c3d');
    const url = await stub.server.start();
    const initial = stub.addApp('0oa-app-1');
    secrets.set('gatewarden-admin/okta-admin', stub.apiToken);
    const config = issuerConfigSchema.parse({
      type: 'okta',
      orgUrl: url,
      appId: '0oa-app-1',
      apiTokenSecretArn: 'gatewarden-admin/okta-admin',
    });
    return {
      name: 'okta',
      server: stub.server,
      issuer: new OktaIssuer({ readSecret, timeoutMs: 500 }),
      config,
      doc: docFor(config, 'oauthClient', { clientId: '0oa-app-1', clientSecret: initial }),
      works: (c) => tokenWorks(`${url}/oauth2/v1/token`, '0oa-app-1', c.clientSecret ?? ''),
      initial: { clientSecret: initial },
    };
  },
  entra: async () => {
    const stub = new EntraStub('tenant-1', admin);
    const url = await stub.server.start();
    const initial = stub.addApp('obj-1', 'app-1');
    secrets.set('gatewarden-admin/entra-admin', JSON.stringify(admin));
    const config = issuerConfigSchema.parse({
      type: 'entra',
      tenantId: 'tenant-1',
      applicationObjectId: 'obj-1',
      adminCredentialsSecretArn: 'gatewarden-admin/entra-admin',
      graphUrl: url,
      loginUrl: url,
    });
    return {
      name: 'entra',
      server: stub.server,
      issuer: new EntraIssuer({ readSecret, timeoutMs: 500 }),
      config,
      doc: docFor(config, 'oauthClient', { clientId: 'app-1', clientSecret: initial }),
      works: (c) => tokenWorks(`${url}/tenant-1/oauth2/v2.0/token`, 'app-1', c.clientSecret ?? ''),
      initial: { clientSecret: initial },
    };
  },
  auth0: async () => {
    const stub = new Auth0Stub(admin);
    const url = await stub.server.start();
    const initial = stub.addClient('client-1');
    secrets.set('gatewarden-admin/auth0-admin', JSON.stringify(admin));
    const config = issuerConfigSchema.parse({
      type: 'auth0',
      domainUrl: url,
      managementCredentialsSecretArn: 'gatewarden-admin/auth0-admin',
    });
    return {
      name: 'auth0',
      server: stub.server,
      issuer: new Auth0Issuer({ readSecret, timeoutMs: 500 }),
      config,
      doc: docFor(config, 'oauthClient', { clientId: 'client-1', clientSecret: initial }),
      works: (c) => tokenWorks(`${url}/oauth/token`, 'client-1', c.clientSecret ?? '', true),
      initial: { clientSecret: initial },
    };
  },
  webhook: async () => {
    const stub = new WebhookStub('CANARY-hmac-key-5e6f7a8b9c');
    const url = await stub.server.start();
    secrets.set('gatewarden-admin/webhook-hmac', stub.hmacKey);
    const config = issuerConfigSchema.parse({
      type: 'webhook',
      url,
      hmacSecretArn: 'gatewarden-admin/webhook-hmac',
      timeoutMs: 500,
    });
    const seeded = stub.handle(JSON.stringify({ action: 'mint', idempotencyKey: 'seed' })).json as {
      apiKey: string;
    };
    return {
      name: 'webhook',
      server: stub.server,
      issuer: new WebhookIssuer({ readSecret }),
      config,
      doc: docFor(config, 'apiKey', { apiKey: seeded.apiKey }),
      works: async (c) =>
        [...stub.keys.values()].some((k) => k.apiKey === (c.apiKey ?? c.clientSecret)),
      initial: { apiKey: seeded.apiKey },
    };
  },
};

describe.each(Object.keys(harnesses))('%s issuer contract', (vendor) => {
  let h: Harness;
  beforeEach(async () => {
    const make = harnesses[vendor];
    if (!make) throw new Error(vendor);
    h = await make();
  });
  afterEach(async () => {
    await h.server.stop();
  });

  it('mints a new credential the vendor accepts, and overlaps only if it says so', async () => {
    // Act
    const minted = await h.issuer.mint(h.config, h.doc, 'token-1');

    // Assess
    expect(minted.credentialId).toBeTruthy();
    const value = minted.apiKey ?? minted.clientSecret;
    expect(value).toBeTruthy();
    expect(value).not.toBe(h.initial.apiKey ?? h.initial.clientSecret);
    await expect(h.works(minted)).resolves.toBe(true);
    await expect(h.works(h.initial)).resolves.toBe(h.issuer.supportsOverlap);
    const listed = await h.issuer.list(h.config, h.doc);
    expect(listed.map((c) => c.credentialId)).toContain(minted.credentialId);
  });

  it('revokes the previous credential so the vendor refuses it; revoking again is fine', async () => {
    // Prepare
    const before = (await h.issuer.list(h.config, h.doc)).map((c) => c.credentialId);
    const minted = await h.issuer.mint(h.config, h.doc, 'token-1');

    // Act
    for (const id of before.filter((id) => id !== minted.credentialId)) {
      await h.issuer.revoke(h.config, h.doc, id);
      await h.issuer.revoke(h.config, h.doc, id);
    }

    // Assess
    await expect(h.works(minted)).resolves.toBe(true);
    await expect(h.works(h.initial)).resolves.toBe(false);
    const after = (await h.issuer.list(h.config, h.doc)).map((c) => c.credentialId);
    expect(after).toEqual([minted.credentialId]);
  });

  it.each([
    [500, true],
    [429, true],
    [403, false],
  ])(
    'maps HTTP %s to a %s-retryable IssuerHttpError without leaking secrets',
    async (status, retryable) => {
      h.server.failNext(status, 5);
      const error = await h.issuer.mint(h.config, h.doc, 'token-x').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(IssuerHttpError);
      expect((error as IssuerHttpError).retryable).toBe(retryable);
      expect((error as Error).message).toContain(String(status));
      expect(
        JSON.stringify({ m: (error as Error).message, c: (error as IssuerHttpError).context }),
      ).not.toMatch(/CANARY/);
    },
  );

  it('times out a call that hangs', async () => {
    h.server.failNext('hang', 5);
    const started = Date.now();
    const error = await h.issuer.list(h.config, h.doc).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IssuerHttpError);
    expect((error as Error).message).toMatch(/timed out/);
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});

describe('issuer HTTPS rule', () => {
  it.each([
    [
      'okta',
      {
        type: 'okta',
        orgUrl: 'http://example.com',
        appId: 'a',
        apiTokenSecretArn: 'gatewarden-admin/okta-admin',
      },
      new OktaIssuer({ readSecret }),
    ],
    [
      'auth0',
      {
        type: 'auth0',
        domainUrl: 'http://example.com',
        managementCredentialsSecretArn: 'gatewarden-admin/auth0-admin',
      },
      new Auth0Issuer({ readSecret }),
    ],
    [
      'webhook',
      {
        type: 'webhook',
        url: 'http://example.com/hook',
        hmacSecretArn: 'gatewarden-admin/webhook-hmac',
      },
      new WebhookIssuer({ readSecret }),
    ],
  ] as const)('refuses plain http to a non-loopback %s host', async (_name, raw, issuer) => {
    secrets.set('gatewarden-admin/okta-admin', 'x'.repeat(20));
    secrets.set('gatewarden-admin/auth0-admin', JSON.stringify(admin));
    secrets.set('gatewarden-admin/webhook-hmac', 'k'.repeat(20));
    const config = issuerConfigSchema.parse(raw);
    const doc = docFor(config, 'oauthClient', { clientId: 'c', clientSecret: 's' });
    await expect((issuer as Issuer).list(config, doc)).rejects.toThrow(/must use https/);
  });
});

describe('webhook specifics', () => {
  let stub: WebhookStub;
  let config: IssuerConfig;
  let doc: SecretDocument;
  beforeEach(async () => {
    stub = new WebhookStub('hmac-key-0123456789abcdef');
    const url = await stub.server.start();
    secrets.set('gatewarden-admin/wh', stub.hmacKey);
    config = issuerConfigSchema.parse({
      type: 'webhook',
      url,
      hmacSecretArn: 'gatewarden-admin/wh',
      timeoutMs: 500,
    });
    doc = docFor(config, 'apiKey', { apiKey: 'k'.repeat(20) });
  });
  afterEach(async () => stub.server.stop());

  it('returns the same credential when a mint is retried with the same idempotency key', async () => {
    const issuer: Issuer = new WebhookIssuer({ readSecret });
    const a = await issuer.mint(config, doc, 'same-token');
    const b = await issuer.mint(config, doc, 'same-token');
    expect(b).toEqual(a);
    expect(stub.keys.size).toBe(1);
  });

  it('is refused by the endpoint when signed with the wrong key', async () => {
    secrets.set('gatewarden-admin/wh-wrong', 'wrong-key-0123456789abcdef');
    const wrong = issuerConfigSchema.parse({
      ...config,
      hmacSecretArn: 'gatewarden-admin/wh-wrong',
    });
    await expect((new WebhookIssuer({ readSecret }) as Issuer).list(wrong, doc)).rejects.toThrow(
      /HTTP 401/,
    );
    expect(stub.rejectedSignatures).toBe(1);
  });

  it('is refused when the timestamp is stale (replay)', async () => {
    const stale: Issuer = new WebhookIssuer({
      readSecret,
      now: () => Math.floor(Date.now() / 1000) - 3600,
    });
    await expect(stale.list(config, doc)).rejects.toThrow(/HTTP 401/);
  });

  it('speaks the same protocol to a Lambda function (invoker faked: moto cannot run Lambdas)', async () => {
    // The Lambda invoke call itself is faked because the local stack cannot run functions;
    // the payload still goes through the real signature check and the stub's logic.
    const { verifyWebhookSignature } = await import('../../../lib/rotation/issuers/webhook.js');
    const lambdaConfig = issuerConfigSchema.parse({
      type: 'webhook',
      lambdaArn: 'arn:aws:lambda:us-east-1:123456789012:function:mint-keys',
      hmacSecretArn: 'gatewarden-admin/wh',
    });
    const issuer: Issuer = new WebhookIssuer({
      readSecret,
      invokeLambda: async (_arn, payload) => {
        const event = JSON.parse(payload) as { timestamp: number; signature: string; body: string };
        if (
          !verifyWebhookSignature(
            stub.hmacKey,
            String(event.timestamp),
            event.body,
            event.signature,
          )
        ) {
          return { payload: '{"errorMessage":"bad signature"}', functionError: 'Unhandled' };
        }
        return { payload: JSON.stringify(stub.handle(event.body).json ?? {}) };
      },
    });
    const minted: IssuedCredential = await issuer.mint(lambdaConfig, doc, 'lambda-token');
    expect(stub.keys.has(minted.credentialId)).toBe(true);
    secrets.set('gatewarden-admin/wh', 'another-key-0123456789abc');
    await expect(issuer.list(lambdaConfig, doc)).rejects.toThrow(
      /Lambda list failed \(Unhandled\)/,
    );
  });
});

describe('entra specifics', () => {
  it('removes a password left by a crashed attempt with the same rotation token before minting', async () => {
    const stub = new EntraStub('t', admin);
    const url = await stub.server.start();
    try {
      stub.addApp('obj', 'app');
      secrets.set('gatewarden-admin/ea', JSON.stringify(admin));
      const config = issuerConfigSchema.parse({
        type: 'entra',
        tenantId: 't',
        applicationObjectId: 'obj',
        adminCredentialsSecretArn: 'gatewarden-admin/ea',
        graphUrl: url,
        loginUrl: url,
      });
      const doc = docFor(config, 'oauthClient', {
        clientId: 'app',
        clientSecret: 'initial-secret',
      });
      const issuer: Issuer = new EntraIssuer({ readSecret });
      const crashed = await issuer.mint(config, doc, 'tok');
      const retried = await issuer.mint(config, doc, 'tok');
      const ids = (await issuer.list(config, doc)).map((c) => c.credentialId);
      expect(ids).toContain(retried.credentialId);
      const labelled = (await issuer.list(config, doc)).find(
        (c) => c.credentialId === retried.credentialId,
      );
      expect(labelled?.idempotencyKey).toBe('tok');
      expect(ids).not.toContain(crashed.credentialId);
      expect(ids).toHaveLength(2);
    } finally {
      await stub.server.stop();
    }
  });
});

describe('issuer errors and the engine', () => {
  it.each([
    [503, true],
    [429, true],
    [400, false],
  ])('HTTP %s is transient for the engine: %s', async (status, transient) => {
    const { isTransient, IssuerError } = await import('../../../lib/rotation/errors.js');
    const stub = new WebhookStub('hmac-key-0123456789abcdef');
    const url = await stub.server.start();
    try {
      secrets.set('gatewarden-admin/wh2', stub.hmacKey);
      const config = issuerConfigSchema.parse({
        type: 'webhook',
        url,
        hmacSecretArn: 'gatewarden-admin/wh2',
      });
      stub.server.failNext(status);
      const error = await (new WebhookIssuer({ readSecret }) as Issuer)
        .list(config, docFor(config, 'apiKey', { apiKey: 'k'.repeat(20) }))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(IssuerError);
      expect(isTransient(error)).toBe(transient);
    } finally {
      await stub.server.stop();
    }
  });
});

describe('webhook Lambda variant through the real SDK', () => {
  it('reports a function error by kind only, never the payload it returned', async () => {
    // The local stack's Lambda cannot run code (no Docker): its Invoke answers a handled error,
    // which is exactly the failure path to check with the real client.
    const { LambdaClient } = await import('@aws-sdk/client-lambda');
    const { lambdaInvoker } = await import('../../../lib/aws/lambdaInvoker.js');
    const { localClient, localStack } = await import('../../support/localStack.js');
    const { ensureLocalRotationFunction } =
      await import('../../support/vendors/rotationFunction.js');
    const functionArn = await ensureLocalRotationFunction({
      region: localStack().region,
      maxAttempts: 1,
    });
    secrets.set('gatewarden-admin/wh-lambda', 'lambda-hmac-key-0123456789');
    const config = issuerConfigSchema.parse({
      type: 'webhook',
      lambdaArn: functionArn,
      hmacSecretArn: 'gatewarden-admin/wh-lambda',
    });
    const issuer: Issuer = new WebhookIssuer({
      readSecret,
      invokeLambda: lambdaInvoker(localClient(LambdaClient)),
    });

    const error = await issuer
      .mint(config, docFor(config, 'apiKey', { apiKey: 'k'.repeat(20) }), 't')
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(IssuerHttpError);
    expect((error as Error).message).toMatch(/^webhook Lambda mint failed \(\w+\)$/);
  });
});
