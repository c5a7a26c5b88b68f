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

  it('reads the URL from the secret (JSON form) and posts the alert there', async () => {
    const name = uniqueName('gatewarden-test/chat-webhook');
    created.push(name);
    await secrets.send(
      new CreateSecretCommand({
        Name: name,
        SecretString: JSON.stringify({ url: `${base}/services/T0/B0/canary-hook-token` }),
      }),
    );
    const sink = new ChatWebhookSink(new SecretsManagerWebhookUrl(name, secrets), reachLoopback());

    await sink.publish(findingToAlert(finding()));

    expect(received).toHaveLength(1);
    expect(received[0]?.path).toBe('/services/T0/B0/canary-hook-token');
    expect(JSON.parse(received[0]?.body ?? '')).toMatchObject({
      text: expect.stringContaining('[gatewarden CRITICAL]'),
    });
  });

  it('treats a missing secret as "no chat channel" instead of failing', async () => {
    const sink = new ChatWebhookSink(
      new SecretsManagerWebhookUrl(uniqueName('gatewarden-test/absent'), secrets),
    );
    const before = received.length;
    await expect(sink.publish(findingToAlert(finding()))).resolves.toBeUndefined();
    expect(received).toHaveLength(before);
  });

  it('names the secret, never its content, when it holds no URL', async () => {
    const name = uniqueName('gatewarden-test/bad-hook');
    created.push(name);
    await secrets.send(new CreateSecretCommand({ Name: name, SecretString: 'canary-not-a-url' }));
    const error = await new SecretsManagerWebhookUrl(name, secrets).url().catch((e: unknown) => e);
    expect(String(error)).toContain(name);
    expect(String(error)).not.toContain('canary-not-a-url');
  });
});
