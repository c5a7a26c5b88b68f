/**
 * The chat webhook URL comes from a secret, so whoever writes the secret chooses where findings
 * go (issue 17 §9). The sink speaks https only, resolves the host once, refuses every address
 * that is not public — loopback (the Lambda runtime API), private, link-local (the metadata
 * service), CGNAT, unique-local, unspecified, multicast, and IPv4-mapped forms of those —,
 * connects to the address it checked, follows no redirect and caps the reply. Real https
 * servers on 127.0.0.1 with a certificate generated here.
 *
 * Delivery to 127.0.0.1 needs the sink's TEST-ONLY constructor option (`testOnly`: the test
 * server's address and CA). It is a constructor argument only: the deployed function reads no
 * setting that could set it, and the last test checks that no code outside tests passes it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  ChatWebhookError,
  type ChatWebhookOptions,
  ChatWebhookSink,
  parseWebhookSecret,
  SecretsManagerWebhookUrl,
} from '../../../lib/aws/chatWebhookSink.js';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { findingToAlert } from '../../../lib/detection/alerts.js';
import { isPublicAddress } from '../../../lib/shared/publicAddress.js';
import { testCertificate, TlsTestServer } from '../../support/tlsServer.js';
import { finding } from './deployedFixtures.js';

const HOOK_PATH = '/services/T000/B000/canarywebhooktoken';
const MiB = 1024 * 1024;

/** The test-only way to reach the test's own server on the loopback. */
const reachLoopback = (): ChatWebhookOptions => ({
  testOnly: { allowAddresses: ['127.0.0.1'], ca: testCertificate().cert },
});
/** Trusts the test CA but makes no exception to the address rule: what production does. */
const productionRules = (): ChatWebhookOptions => ({
  testOnly: { allowAddresses: [], ca: testCertificate().cert },
});

function sinkTo(url: string, options: ChatWebhookOptions): ChatWebhookSink {
  return new ChatWebhookSink({ url: async () => url }, options);
}

async function failureOf(sink: ChatWebhookSink): Promise<Error> {
  const outcome = await sink.publish(findingToAlert(finding())).then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(outcome instanceof Error)) throw new Error('expected the delivery to be refused');
  return outcome;
}

let hook: TlsTestServer;
beforeAll(async () => {
  hook = await new TlsTestServer((request, response) =>
    response.writeHead(request.path.includes('forbidden') ? 403 : 200).end('ok'),
  ).start();
});
afterAll(() => hook.stop());
beforeEach(() => void (hook.requests.length = 0));

describe('ChatWebhookSink delivers over https', () => {
  it('posts a Slack-style message to the webhook', async () => {
    await sinkTo(`${hook.origin}${HOOK_PATH}`, reachLoopback()).publish(findingToAlert(finding()));
    expect(hook.requests).toHaveLength(1);
    expect(hook.requests[0]?.path).toBe(HOOK_PATH);
    expect(JSON.parse(hook.requests[0]?.body ?? '')).toMatchObject({
      text: expect.stringContaining('CRITICAL'),
    });
  });

  it('fails with the status but never the URL (the URL is a credential)', async () => {
    const error = await failureOf(
      sinkTo(`${hook.origin}/forbidden/canarywebhooktoken`, reachLoopback()),
    );
    expect(String(error)).toContain('HTTP 403');
    expect(String(error)).not.toContain('canarywebhooktoken');
  });

  it('hides the URL when the endpoint cannot be reached', async () => {
    const error = await failureOf(
      sinkTo('https://127.0.0.1:1/hooks/canarywebhooktoken', reachLoopback()),
    );
    expect(error.message).toMatch(/chat webhook request failed/);
    expect(String(error)).not.toContain('canarywebhooktoken');
  });

  it('does nothing when no webhook is configured', async () => {
    await expect(
      new ChatWebhookSink({ url: async () => undefined }).publish(findingToAlert(finding())),
    ).resolves.toBeUndefined();
  });

  it('resolves once and connects to the address it checked (no second resolution)', async () => {
    // Prepare: a resolver that answers the test server first and another address after.
    const answers = [['127.0.0.1'], ['127.0.0.2']];
    const asked: string[] = [];
    const sink = sinkTo(`https://hooks.example.test:${hook.port}${HOOK_PATH}`, {
      ...reachLoopback(),
      resolve: async (host) => {
        asked.push(host);
        return answers.shift() ?? [];
      },
    });
    // Act
    await sink.publish(findingToAlert(finding()));
    // Assess
    expect(asked).toEqual(['hooks.example.test']);
    expect(hook.requests).toHaveLength(1);
  });
});

describe('ChatWebhookSink refuses where a planted URL must not lead (zero requests)', () => {
  let plain: Server;
  let plainHits = 0;
  beforeAll(async () => {
    plain = createServer((_request, response) => {
      plainHits++;
      response.writeHead(200).end('ok');
    });
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise((resolve) => plain.close(resolve)));

  it('http: (even to a server the test allows)', async () => {
    const port = (plain.address() as AddressInfo).port;
    const error = await failureOf(sinkTo(`http://127.0.0.1:${port}${HOOK_PATH}`, reachLoopback()));
    expect(error).toBeInstanceOf(ChatWebhookError);
    expect(error.message).toBe('chat webhook URL must use https');
    expect(plainHits).toBe(0);
  });

  it.each([
    ['127.0.0.1 (loopback)', () => `https://127.0.0.1:${hook.port}${HOOK_PATH}`],
    ['localhost', () => `https://localhost:${hook.port}${HOOK_PATH}`],
    [
      '::ffff:127.0.0.1 (IPv4-mapped loopback)',
      () => `https://[::ffff:127.0.0.1]:${hook.port}${HOOK_PATH}`,
    ],
    ['169.254.169.254 (instance metadata)', () => 'https://169.254.169.254/latest/meta-data/'],
    [
      '[fd00:ec2::254] (instance metadata, IPv6)',
      () => 'https://[fd00:ec2::254]/latest/meta-data/',
    ],
    ['10.0.0.8 (private)', () => 'https://10.0.0.8/hook'],
    ['0.0.0.0 (unspecified)', () => `https://0.0.0.0:${hook.port}${HOOK_PATH}`],
  ])('%s', async (_what, url) => {
    const error = await failureOf(sinkTo(url(), productionRules()));
    expect(error).toBeInstanceOf(ChatWebhookError);
    expect(error.message).toMatch(/^chat webhook host is not a public address .*: refused$/);
    expect(hook.requests).toHaveLength(0);
  });

  it.each([
    ['a private address', ['10.1.2.3']],
    ['the loopback, where the test server listens', ['127.0.0.1']],
    [
      'a public address and the loopback (every address is checked)',
      ['93.184.216.34', '127.0.0.1'],
    ],
    ['CGNAT', ['100.64.0.9']],
    ['link-local IPv6', ['fe80::1']],
    ['nothing', []],
  ])('a host name resolving to %s', async (_what, addresses) => {
    const sink = sinkTo(`https://hooks.example.test:${hook.port}${HOOK_PATH}`, {
      ...productionRules(),
      resolve: async () => addresses,
    });
    const error = await failureOf(sink);
    expect(error.message).toMatch(/^chat webhook host is not a public address/);
    expect(hook.requests).toHaveLength(0);
  });

  it('an https server that redirects: not followed, the target receives nothing', async () => {
    // Prepare: the (allowed) webhook answers 307 towards a second server.
    const target = await new TlsTestServer().start();
    const redirector = await new TlsTestServer((_request, response) =>
      response.writeHead(307, { location: `${target.origin}${HOOK_PATH}` }).end(),
    ).start();
    try {
      // Act
      const error = await failureOf(sinkTo(`${redirector.origin}${HOOK_PATH}`, reachLoopback()));
      // Assess
      expect(error.message).toBe('chat webhook answered a redirect (HTTP 307): not followed');
      expect(redirector.requests).toHaveLength(1);
      expect(target.requests).toHaveLength(0);
      expect(String(error)).not.toContain(target.origin);
    } finally {
      await Promise.all([target.stop(), redirector.stop()]);
    }
  });

  it('a reply past 1 MiB is cut off with an error naming host and cap', async () => {
    const flood = await new TlsTestServer((_request, response) => {
      response.writeHead(200);
      const chunk = Buffer.alloc(64 * 1024, 'x');
      let sent = 0;
      const more = (): void => {
        while (sent < 5 * MiB && !response.destroyed) {
          sent += chunk.length;
          if (!response.write(chunk)) return void response.once('drain', more);
        }
        if (!response.destroyed) response.end();
      };
      more();
    }).start();
    try {
      const error = await failureOf(sinkTo(`${flood.origin}${HOOK_PATH}`, reachLoopback()));
      expect(error.message).toBe(
        `reply from 127.0.0.1:${flood.port} exceeds the 1 MiB cap: cut off, not read`,
      );
    } finally {
      await flood.stop();
    }
  });
});

describe('isPublicAddress', () => {
  it.each([
    ['93.184.216.34', true],
    ['8.8.8.8', true],
    ['2606:4700:4700::1111', true],
    ['::ffff:93.184.216.34', true],
    ['64:ff9b::5db8:d822', true], // NAT64 of a public address
    ['127.0.0.1', false],
    ['127.255.0.1', false],
    ['10.0.0.1', false],
    ['172.16.0.1', false],
    ['172.31.255.255', false],
    ['192.168.1.1', false],
    ['169.254.169.254', false],
    ['169.254.170.2', false], // ECS/Lambda container credentials
    ['100.64.0.1', false],
    ['0.0.0.0', false],
    ['224.0.0.1', false],
    ['255.255.255.255', false],
    ['192.0.0.192', false],
    ['::', false],
    ['::1', false],
    ['fe80::1', false],
    ['fc00::1', false],
    ['fd00:ec2::254', false],
    ['ff02::1', false],
    ['::ffff:127.0.0.1', false],
    ['::ffff:169.254.169.254', false],
    ['::ffff:a9fe:a9fe', false],
    ['::127.0.0.1', false], // IPv4-compatible
    ['64:ff9b::a9fe:a9fe', false], // NAT64 of the metadata service
    ['64:ff9b:1::a00:1', false], // local-use NAT64
    ['2002:7f00:1::1', false], // 6to4 of the loopback
    ['2002:a9fe:a9fe::1', false],
    ['2001:db8::1', false],
    ['2001::1', false], // Teredo
    ['fe80::1%eth0', false],
    ['not-an-address', false],
    ['', false],
  ])('%s → %s', (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });
});

describe('parseWebhookSecret', () => {
  it.each([
    ['https://hooks.slack.com/services/T/B/x', 'https://hooks.slack.com/services/T/B/x'],
    ['{"url":"https://chat.example.com/hook"}', 'https://chat.example.com/hook'],
    ['{"webhookUrl":"https://chat.example.com/h2"}', 'https://chat.example.com/h2'],
    ['http://chat.example.com/hook', undefined],
    ['https://user:pass@chat.example.com/hook', undefined],
    ['ftp://example.com/x', undefined],
    ['{"url": 3}', undefined],
    ['{not json', undefined],
    ['', undefined],
  ])('%s → %s', (value, expected) => {
    expect(parseWebhookSecret(value)).toBe(expected);
  });
});

describe("SecretsManagerWebhookUrl reads only the stack's secret", () => {
  const OWNED =
    'arn:aws:secretsmanager:us-east-1:123456789012:secret:gatewarden-settings/chat-webhook-AbCdEf';
  /**
   * A stand-in client: Secrets Manager (and moto) answer a read by ARN from that ARN only, so
   * an answer from another secret cannot be produced on the local stack — the check is proved
   * here. The planted-secret attack itself runs on the local stack
   * (test/integration/detection/chatWebhook.test.ts).
   */
  const answering = (ARN: string): SecretsManagerClient =>
    ({
      send: async () => ({ ARN, SecretString: '{"url":"https://attacker.example/c"}' }),
    }) as unknown as SecretsManagerClient;

  it('refuses an answer from another secret', async () => {
    const source = new SecretsManagerWebhookUrl(
      OWNED,
      answering(OWNED.replace('AbCdEf', 'XyZ123')),
    );
    await expect(source.url()).rejects.toThrow(/answered as another secret: refused/);
  });

  it('refuses a name (a planted secret could hold it)', async () => {
    const source = new SecretsManagerWebhookUrl(
      'gatewarden-settings/chat-webhook',
      answering(OWNED),
    );
    await expect(source.url()).rejects.toThrow(/must be named by its full ARN/);
  });

  it('reads the URL from its own secret', async () => {
    await expect(new SecretsManagerWebhookUrl(OWNED, answering(OWNED)).url()).resolves.toBe(
      'https://attacker.example/c',
    );
  });
});

describe('the test-only escape hatch', () => {
  it('is passed by no code outside tests (the deployed function cannot enable it)', () => {
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (/\.[cm]?[jt]s$/.test(name) && path !== join('lib', 'aws', 'chatWebhookSink.ts')) {
          if (readFileSync(path, 'utf8').includes('testOnly')) offenders.push(path);
        }
      }
    };
    for (const root of ['functions', 'lib', 'cli', 'scripts', 'local']) walk(root);
    expect(offenders).toEqual([]);
  });
});
