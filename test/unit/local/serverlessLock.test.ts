import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withServerlessLock } from '../../../local/serverlessLock.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the tree serverless lock (one package or deploy at a time)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-serverless-lock-'));
  let n = 0;
  const lockFile = () => join(dir, `lock-${++n}`);

  it('runs holders one after another, never two at once', async () => {
    const file = lockFile();
    const events: string[] = [];
    const holder = (name: string) =>
      withServerlessLock(
        async () => {
          events.push(`${name} in`);
          await sleep(150);
          events.push(`${name} out`);
          return name;
        },
        undefined,
        file,
      );
    await expect(Promise.all([holder('a'), holder('b'), holder('c')])).resolves.toEqual([
      'a',
      'b',
      'c',
    ]);
    for (let i = 0; i < events.length; i += 2) {
      expect(events[i]?.replace(' in', '')).toBe(events[i + 1]?.replace(' out', ''));
    }
    expect(existsSync(file)).toBe(false);
  });

  it('waits for a lock another live process holds, and says so once', async () => {
    const file = lockFile();
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      writeFileSync(file, String(other.pid));
      const said: string[] = [];
      let entered = 0;
      const waiting = withServerlessLock(
        async () => {
          entered = Date.now();
        },
        (line) => said.push(line),
        file,
      );
      await sleep(600);
      expect(entered).toBe(0);
      const released = Date.now();
      rmSync(file);
      await waiting;
      expect(entered).toBeGreaterThanOrEqual(released);
      expect(said).toEqual([`waiting for another serverless run in this tree (pid ${other.pid})`]);
    } finally {
      other.kill();
    }
  });

  it('takes over a lock whose process is gone', async () => {
    const file = lockFile();
    const gone = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], {
      encoding: 'utf8',
    });
    writeFileSync(file, gone.stdout.trim());
    let seen = '';
    await withServerlessLock(
      async () => {
        seen = readFileSync(file, 'utf8');
      },
      undefined,
      file,
    );
    expect(seen).toBe(String(process.pid));
    expect(existsSync(file)).toBe(false);
  });

  it('lets go of the lock when the work fails', async () => {
    const file = lockFile();
    await expect(
      withServerlessLock(
        async () => {
          throw new Error('serverless failed');
        },
        undefined,
        file,
      ),
    ).rejects.toThrow('serverless failed');
    expect(existsSync(file)).toBe(false);
  });
});
