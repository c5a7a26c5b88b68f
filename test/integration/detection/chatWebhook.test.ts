import {
  CreateSecretCommand,
  DeleteSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { ChatWebhookSink, SecretsManagerWebhookUrl } from '../../../lib/aws/chatWebhookSink.js';
import { findingToAlert } from '../../../lib/detection/alerts.js';
import { testClientConfig, uniqueName } from '../../support/localStack.js';
import { testCertificate, TlsTestServer } from '../../support/tlsServer.js';
import { finding } from '../../unit/detection/deployedFixtures.js';
import { requireLocalStack } from './stack.js';

/**
 * The optional chat channel: webhook URL from Secrets Manager (local stack), real https POST to
 * a server on 127.0.0.1 — reachable only through the sink's TEST-ONLY constructor option (the
 * server's address and CA), which the deployed function never passes.
 */
describe('chat webhook from Secrets Manager', () => {
  const secrets = new SecretsManagerClient(testClientConfig());
  const server = new TlsTestServer();
  const received = server.requests;
  let base = '';
  const created: string[] = [];
  const reachLoopback = () => ({
    testOnly: { allowAddresses: ['127.0.0.1'], ca: testCertificate().cert },
  });

  beforeAll(async () => {
    requireLocalStack();
    await server.start();
    base = server.origin;
  });

  afterAll(async () => {
    await server.stop();
    for (const id of created) {
      await secrets
        .send(new DeleteSecretCommand({ SecretId: id, ForceDeleteWithoutRecovery: true }))
        .catch(() => undefined);
    }
    secrets.destroy();
  });

  /** Creates a secret and returns its ARN: what the stack hands detect for its own secret. */
  async function createHook(name: string, value: string): Promise<string> {
    created.push(name);
    const out = await secrets.send(new CreateSecretCommand({ Name: name, SecretString: value }));
    if (!out.ARN) throw new Error('CreateSecret returned no ARN');
    return out.ARN;
  }

  it('reads the URL from the secret (JSON form) and posts the alert there', async () => {
    const arn = await createHook(
      uniqueName('gatewarden-test/chat-webhook'),
      JSON.stringify({ url: `${base}/services/T0/B0/canary-hook-token` }),
    );
    const sink = new ChatWebhookSink(new SecretsManagerWebhookUrl(arn, secrets), reachLoopback());

    await sink.publish(findingToAlert(finding()));

    expect(received).toHaveLength(1);
    expect(received[0]?.path).toBe('/services/T0/B0/canary-hook-token');
    expect(JSON.parse(received[0]?.body ?? '')).toMatchObject({
      text: expect.stringContaining('[gatewarden CRITICAL]'),
    });
  });

  it("refuses a secret planted under the name after the stack's was deleted: nothing is posted", async () => {
    // Prepare: the stack's secret (its ARN is what detect is given), still unset…
    const name = uniqueName('gatewarden-test/chat-webhook');
    const owned = await createHook(name, '{"url":""}');
    // …deleted by someone with DeleteSecret, and a secret of the same name created with
    // CreateSecret, pointing at the attacker's endpoint.
    await secrets.send(
      new DeleteSecretCommand({ SecretId: owned, ForceDeleteWithoutRecovery: true }),
    );
    const attacker = new TlsTestServer();
    await attacker.start();
    try {
      const planted = await createHook(name, JSON.stringify({ url: `${attacker.origin}/collect` }));
      expect(planted).not.toBe(owned);
      const sink = new ChatWebhookSink(
        new SecretsManagerWebhookUrl(owned, secrets),
        reachLoopback(),
      );

      // Act
      await sink.publish(findingToAlert(finding())).catch(() => undefined);

      // Assess
      expect(attacker.requests).toHaveLength(0);
    } finally {
      await attacker.stop();
    }
  });

  it("refuses to read a chat webhook secret by name (it could be anyone's)", async () => {
    const name = uniqueName('gatewarden-test/chat-webhook');
    await createHook(name, JSON.stringify({ url: `${base}/by-name` }));
    const before = received.length;
    const error = await new ChatWebhookSink(
      new SecretsManagerWebhookUrl(name, secrets),
      reachLoopback(),
    )
      .publish(findingToAlert(finding()))
      .catch((e: unknown) => e);
    expect(String(error)).toMatch(/must be named by its full ARN/);
    expect(received).toHaveLength(before);
  });

  it('treats the stack\'s initial value and a missing secret as "no chat channel"', async () => {
    const unset = await createHook(uniqueName('gatewarden-test/chat-webhook'), '{"url":""}');
    const absent = unset.replace(/chat-webhook-[^:]+$/, 'absent-AbCdEf');
    const before = received.length;
    for (const arn of [unset, absent]) {
      const sink = new ChatWebhookSink(new SecretsManagerWebhookUrl(arn, secrets));
      await expect(sink.publish(findingToAlert(finding()))).resolves.toBeUndefined();
    }
    expect(received).toHaveLength(before);
  });

  it('names the secret, never its content, when it holds no URL', async () => {
    const arn = await createHook(uniqueName('gatewarden-test/bad-hook'), 'canary-not-a-url');
    const error = await new SecretsManagerWebhookUrl(arn, secrets).url().catch((e: unknown) => e);
    expect(String(error)).toContain(arn);
    expect(String(error)).not.toContain('canary-not-a-url');
  });
});
