// Quiet tests (issue 12): the engine's structured log lines (Powertools JSON, at WARN in tests
// — see jest.config.js) go to .gatewarden/test-logs.jsonl instead of the terminal, so `npm test`
// prints jest's progress and summary. GATEWARDEN_TEST_LOGS=1 shows them (at every level) again.
// Runs in each test worker before the test file; a test that spies on process.stdout/stderr
// to scan log lines (the canary tests) still sees every line first, as its spy wraps this.
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

if (process.env.GATEWARDEN_TEST_LOGS !== '1') {
  const dir = join(dirname(fileURLToPath(import.meta.url)), '../../.gatewarden');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'test-logs.jsonl');
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    stream.write = (chunk, ...rest) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      if (text.startsWith('{"level":')) {
        appendFileSync(file, text.endsWith('\n') ? text : `${text}\n`);
        const callback = rest.find((arg) => typeof arg === 'function');
        if (callback) callback();
        return true;
      }
      return write(chunk, ...rest);
    };
  }
}
