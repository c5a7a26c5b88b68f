/**
 * The front keeps an idle keep-alive connection open. With Node's default five-second
 * keep-alive timeout it closed idle sockets while an SDK client could be sending on one, and the
 * client saw "socket hang up" (a CI failure: a test's clean-up request after a slow doctor run).
 * Served here: only the health answer, no moto behind it.
 */
import { connect, type Socket } from 'node:net';
import { startFront, type Front } from '../../../local/front.js';
import { createStandinRuntime } from '../../../local/standin/runtime.js';

let front: Front;

beforeAll(async () => {
  front = await startFront({
    motoUrl: 'http://127.0.0.1:9',
    routes: [],
    runtime: createStandinRuntime({ motoUrl: 'http://127.0.0.1:9', oidcIssuer: 'http://x' }),
    health: async () => ({ front: true }),
    log: () => undefined,
  });
});

afterAll(async () => {
  await front.close();
});

function request(socket: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString('utf8');
      if (text.includes('\r\n\r\n') && text.endsWith('}')) {
        socket.off('data', onData);
        resolve(text);
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.write(
      'GET /_gatewarden/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n',
    );
  });
}

it('answers a second request on a socket left idle past five seconds', async () => {
  const socket = connect(front.port, '127.0.0.1');
  let closedAt: number | undefined;
  socket.on('close', () => (closedAt = Date.now()));
  await new Promise((resolve) => socket.once('connect', resolve));
  try {
    expect(await request(socket)).toMatch(/^HTTP\/1\.1 200/);

    await new Promise((resolve) => setTimeout(resolve, 6_000));

    expect(closedAt).toBeUndefined();
    expect(await request(socket)).toMatch(/^HTTP\/1\.1 200/);
  } finally {
    socket.destroy();
  }
}, 20_000);
