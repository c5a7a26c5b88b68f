import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  DeleteMessageCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { createLocalStage, LOCAL_STAGE } from '../../../scripts/localStage.js';
import { testClientConfig } from '../../support/localStack.js';

const run = promisify(execFile);
const ROOT = process.cwd();

/**
 * The sample events drive the real bundles through `serverless invoke local --stage local`,
 * whose params point the functions at resources on the local stack: proves the events, the
 * `local` stage wiring and the ESM bundles (esbuild output, require shim). The report is left
 * out: it inventories the whole shared local account, so its run time depends on other tests.
 */
async function invokeLocal(fn: string, eventFile: string): Promise<Record<string, unknown>> {
  const { stdout } = await run(
    path.join(ROOT, 'node_modules/.bin/serverless'),
    ['invoke', 'local', '--stage', 'local', '-f', fn, '-p', `events/${eventFile}`],
    { cwd: ROOT, env: process.env, maxBuffer: 32 * 1024 * 1024, timeout: 240_000 },
  );
  // Log lines are one JSON object each; the result is printed last, indented.
  const start = stdout.lastIndexOf('\n{\n');
  const text = start >= 0 ? stdout.slice(start + 1) : stdout.trim();
  return JSON.parse(text) as Record<string, unknown>;
}

beforeAll(async () => {
  await createLocalStage();
}, 60_000);

describe('serverless invoke local with the sample events', () => {
  it('detect alerts on an UpdateGateway that removed inbound auth', async () => {
    const result = await invokeLocal('detect', 'detect.updateGateway.json');
    const counts = result.counts as Record<string, number>;
    expect(counts.processed).toBe(1);
    expect(counts.failed).toBe(0);
    // First run alerts; a rerun within the dedup window counts duplicates instead.
    expect((counts.alert ?? 0) + (counts.duplicate ?? 0)).toBeGreaterThanOrEqual(1);
  }, 240_000);

  it('detect dead-letters the malformed event to the local DLQ', async () => {
    const result = await invokeLocal('detect', 'detect.malformed.json');
    expect(result.counts).toMatchObject({ processed: 0, 'dead-lettered': 1, failed: 0 });

    const sqs = new SQSClient(testClientConfig());
    const { QueueUrl } = await sqs.send(
      new GetQueueUrlCommand({ QueueName: LOCAL_STAGE.deadLetterQueue }),
    );
    const malformed = JSON.parse(
      await readFile(path.join(ROOT, 'events/detect.malformed.json'), 'utf8'),
    ) as { id: string };
    // Drain the local DLQ (earlier runs left their own copies) until this event shows up.
    const bodies: string[] = [];
    for (let i = 0; i < 50 && !bodies.some((b) => b.includes(malformed.id)); i++) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }),
      );
      if (Messages.length === 0) break;
      for (const message of Messages) {
        bodies.push(message.Body ?? '');
        await sqs.send(
          new DeleteMessageCommand({ QueueUrl, ReceiptHandle: message.ReceiptHandle }),
        );
      }
    }
    expect(bodies.some((b) => b.includes(malformed.id))).toBe(true);
  }, 240_000);
});
