import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ChatWebhookSink, parseWebhookSecret } from '../../../lib/aws/chatWebhookSink.js';
import { findingToAlert } from '../../../lib/detection/alerts.js';
import { finding } from './deployedFixtures.js';

/** A real HTTP endpoint standing in for Slack's incoming webhook. */
function startWebhook(status: number): Promise<{ server: Server; url: string; bodies: unknown[] }> {
  const bodies: unknown[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    req.on('end', () => {
      bodies.push(JSON.parse(text));
      res.writeHead(status).end(status === 200 ? 'ok' : 'invalid_token');
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        server,
        url: `http://127.0.0.1:${port}/services/T000/B000/canarywebhooktoken`,
        bodies,
      });
    }),
  );
}

describe('ChatWebhookSink', () => {
  it('posts a Slack-style message to the webhook', async () => {
    const hook = await startWebhook(200);
    try {
      await new ChatWebhookSink({ url: async () => hook.url }).publish(findingToAlert(finding()));
      expect(hook.bodies).toHaveLength(1);
      expect(hook.bodies[0]).toMatchObject({ text: expect.stringContaining('CRITICAL') });
    } finally {
      hook.server.close();
    }
  });

  it('fails with the status but never the URL (the URL is a credential)', async () => {
    const hook = await startWebhook(403);
    try {
      const sink = new ChatWebhookSink({ url: async () => hook.url });
      const error = await sink.publish(findingToAlert(finding())).catch((e: unknown) => e);
      expect(String(error)).toContain('HTTP 403');
      expect(String(error)).not.toContain('canarywebhooktoken');
    } finally {
      hook.server.close();
    }
  });

  it('hides the URL when the endpoint cannot be reached', async () => {
    const sink = new ChatWebhookSink({
      url: async () => 'http://127.0.0.1:1/hooks/canarywebhooktoken',
    });
    const error = await sink.publish(findingToAlert(finding())).catch((e: unknown) => e);
    expect(String(error)).toMatch(/chat webhook request failed/);
    expect(String(error)).not.toContain('canarywebhooktoken');
  });

  it('does nothing when no webhook is configured', async () => {
    await expect(
      new ChatWebhookSink({ url: async () => undefined }).publish(findingToAlert(finding())),
    ).resolves.toBeUndefined();
  });
});

describe('parseWebhookSecret', () => {
  it.each([
    ['https://hooks.slack.com/services/T/B/x', 'https://hooks.slack.com/services/T/B/x'],
    ['{"url":"https://chat.example.com/hook"}', 'https://chat.example.com/hook'],
    ['{"webhookUrl":"https://chat.example.com/h2"}', 'https://chat.example.com/h2'],
    ['ftp://example.com/x', undefined],
    ['{"url": 3}', undefined],
    ['{not json', undefined],
    ['', undefined],
  ])('%s → %s', (value, expected) => {
    expect(parseWebhookSecret(value)).toBe(expected);
  });
});
