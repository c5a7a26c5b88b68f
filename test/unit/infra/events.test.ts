import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { validateRecord } from '../../../lib/detection/record.js';
import { parseTag } from '../../../lib/rotation/onDemand.js';
import { SAMPLE, sampleSecret } from '../../../scripts/localSamples.js';

/**
 * The sample events in events/ (for `serverless invoke local -p` and for tests) have the
 * shapes their functions receive from AWS.
 */
const EVENTS_DIR = path.join(process.cwd(), 'events');
const FUNCTIONS = ['rotate', 'rotateNow', 'detect', 'report'];

async function load(file: string): Promise<unknown> {
  return JSON.parse(await readFile(path.join(EVENTS_DIR, file), 'utf8'));
}

let files: string[];
beforeAll(async () => {
  files = (await readdir(EVENTS_DIR)).filter((f) => f.endsWith('.json')).sort();
});

const rotationEvent = z
  .object({
    Step: z.enum(['createSecret', 'setSecret', 'testSecret', 'finishSecret']),
    SecretId: z.string().regex(/^arn:aws:secretsmanager:[^:]+:\d{12}:secret:gatewarden\//),
    ClientRequestToken: z.string().uuid(),
    RotationToken: z.string().optional(),
  })
  .strict();

const envelope = z.object({
  version: z.literal('0'),
  id: z.string().min(1),
  'detail-type': z.string().min(1),
  source: z.string().min(1),
  account: z.string().regex(/^\d{12}$/),
  time: z.string().min(1),
  region: z.string().min(1),
  resources: z.array(z.string()),
  detail: z.record(z.string(), z.unknown()),
});

describe('sample events', () => {
  it('name a function and a case, and every function has one', () => {
    for (const file of files) {
      expect(FUNCTIONS).toContain(file.split('.')[0]);
      expect(file).toMatch(/^\w+\.\w+\.json$/);
    }
    for (const fn of FUNCTIONS) {
      expect(files.some((f) => f.startsWith(`${fn}.`))).toBe(true);
    }
  });

  it.each(['createSecret', 'setSecret', 'testSecret', 'finishSecret'])(
    'rotate.%s.json is a Secrets Manager rotation event for that step, on the sample secret',
    async (step) => {
      const event = rotationEvent.parse(await load(`rotate.${step}.json`));
      expect(event.Step).toBe(step);
      // What `npm run invoke:local` creates (a partial ARN: the suffix is random on every stack).
      expect(event.SecretId).toBe(sampleSecret(SAMPLE.gatewayId).partialArn);
    },
  );

  it('name the sample gateway and secret the local setup creates', async () => {
    expect(await load('rotateNow.gateway.json')).toEqual({ gatewayId: SAMPLE.gatewayId });
    expect(await load('rotateNow.secret.json')).toEqual({
      secretId: sampleSecret(SAMPLE.gatewayId).name,
    });
  });

  it.each([
    ['rotateNow.secret.json', 'secretId'],
    ['rotateNow.gateway.json', 'gatewayId'],
    ['rotateNow.tag.json', 'tag'],
    ['rotateNow.sweep.json', 'sweep'],
  ])('%s selects by %s only', async (file, key) => {
    const event = (await load(file)) as Record<string, unknown>;
    expect(Object.keys(event)).toEqual([key]);
    // The tag the local setup puts on the sample secret (scripts/localSamples.ts), nothing else.
    if (key === 'tag')
      expect(parseTag(String(event.tag))).toEqual({ key: SAMPLE.tag.Key, value: SAMPLE.tag.Value });
    if (key === 'sweep') expect(event.sweep).toBe(true);
  });

  it('every detect event but the malformed one carries a valid CloudTrail record', async () => {
    const detect = files.filter((f) => f.startsWith('detect.') && f !== 'detect.malformed.json');
    expect(detect.length).toBeGreaterThanOrEqual(2);
    for (const file of detect) {
      const event = envelope.parse(await load(file));
      expect(event['detail-type']).toMatch(/^AWS (API Call|Service Event) via CloudTrail$/);
      const result = validateRecord(event.detail);
      expect({ file, ok: result.ok }).toEqual({ file, ok: true });
    }
  });

  it('detect.malformed.json is rejected with a reason naming what is missing', async () => {
    const event = envelope.parse(await load('detect.malformed.json'));
    const result = validateRecord(event.detail);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toContain('eventName');
      expect(result.reason).toContain('userIdentity');
    }
  });

  it('report.schedule.json is an EventBridge scheduled event', async () => {
    const event = envelope.parse(await load('report.schedule.json'));
    expect(event.source).toBe('aws.events');
    expect(event['detail-type']).toBe('Scheduled Event');
    expect(event.resources[0]).toMatch(/:rule\/gatewarden-\w+-report$/);
  });
});
