import { jest } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';

/**
 * The quiet-test router (test/support/quietLogs.js, a jest setup file): structured log lines
 * land in .gatewarden/test-logs.jsonl, everything else still reaches the terminal.
 */
const LOG_FILE = join(process.cwd(), '.gatewarden/test-logs.jsonl');

describe('quiet test logs', () => {
  it('moves JSON log lines to the log file and lets other output through', () => {
    // Prepare
    const marker = randomUUID();
    const passedThrough: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write');

    // Act
    process.stdout.write(`{"level":"WARN","message":"quiet ${marker}"}\n`);
    process.stderr.write(`{"level":"ERROR","message":"quiet ${marker}"}\n`);
    spy.mockImplementationOnce((chunk) => {
      passedThrough.push(String(chunk));
      return true;
    });
    process.stdout.write(`plain ${marker}\n`);
    spy.mockRestore();

    // Assess
    const logged = readFileSync(LOG_FILE, 'utf8')
      .split('\n')
      .filter((line) => line.includes(marker));
    expect(logged).toEqual([
      `{"level":"WARN","message":"quiet ${marker}"}`,
      `{"level":"ERROR","message":"quiet ${marker}"}`,
    ]);
    expect(passedThrough).toEqual([`plain ${marker}\n`]);
  });
});
