import { readFileSync } from 'node:fs';
import type { Context, SQSEvent } from 'aws-lambda';
import { MemoryAlertSink } from '../../../lib/alerts/alert.js';
import { parseDetectionConfig } from '../../../lib/detection/config.js';
import { DetectionEngine } from '../../../lib/detection/engine.js';
import { memoryState } from '../../../lib/detection/memoryStores.js';
import { MemoryDeadLetterQueue, type ProcessDeps } from '../../../lib/detection/process.js';
import { allRules } from '../../../lib/detection/registry.js';
import {
  DetectInvocationError,
  configFromEnv,
  makeHandler,
  redactingLogger,
  type CloudTrailEventBridgeEvent,
} from '../../../functions/detect.js';
import { envelope, updateGatewayRecord } from './deployedFixtures.js';

const context = {} as Context;
/** Test envelopes are plain objects; the handler validates them at runtime anyway. */
const ev = (event: unknown) => event as CloudTrailEventBridgeEvent;
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

function deps(overrides: Partial<ProcessDeps> = {}) {
  const config = parseDetectionConfig({});
  const state = memoryState();
  const sink = new MemoryAlertSink();
  const deadLetters = new MemoryDeadLetterQueue();
  const all: ProcessDeps = {
    engine: new DetectionEngine({ config, state }),
    rules: allRules,
    dedup: state.dedup,
    remediation: config.remediation,
    sinks: [sink],
    deadLetters,
    logger: silent,
    ...overrides,
  };
  return { all, sink, deadLetters };
}

const sqsEvent = (...bodies: string[]): SQSEvent => ({
  Records: bodies.map((body, i) => ({
    messageId: `msg-${i}`,
    receiptHandle: 'rh',
    body,
    attributes: {} as SQSEvent['Records'][number]['attributes'],
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:gw-detect',
    awsRegion: 'us-east-1',
  })),
});

describe('detect handler', () => {
  it('evaluates an EventBridge CloudTrail event and publishes the finding', async () => {
    const { all, sink } = deps();
    const handler = makeHandler(all);
    const result = await handler(ev(envelope(updateGatewayRecord())), context);
    expect(result).toMatchObject({ counts: { processed: 1 } });
    expect(sink.alerts.map((a) => a.attributes?.ruleId)).toContain('gateway-auth-weakened');
  });

  it('dead-letters a malformed EventBridge event and returns normally', async () => {
    const { all, deadLetters } = deps();
    const handler = makeHandler(all);
    const malformed = envelope({ eventName: 'UpdateGateway' });
    const result = await handler(ev(malformed), context);
    expect(result).toMatchObject({ counts: { 'dead-lettered': 1 } });
    expect(JSON.parse(deadLetters.letters[0]?.body ?? '{}')).toEqual(malformed);
  });

  it('throws for an EventBridge event it could not alert on, so Lambda retries it', async () => {
    const { all } = deps({
      sinks: [{ name: 'sns', publish: async () => Promise.reject(new Error('throttled')) }],
    });
    const handler = makeHandler(all);
    await expect(handler(ev(envelope(updateGatewayRecord())), context)).rejects.toBeInstanceOf(
      DetectInvocationError,
    );
  });

  it('reports only the failed messages of an SQS batch', async () => {
    const { all, deadLetters } = deps({
      deadLetters: {
        send: async (letter) => {
          if (letter.body.includes('poison')) throw new Error('queue unavailable');
        },
      },
    });
    const handler = makeHandler(all);
    const result = await handler(
      sqsEvent(
        JSON.stringify(envelope(updateGatewayRecord())),
        'poison pill',
        JSON.stringify({ not: 'an event' }),
      ),
      context,
    );
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'msg-1' }] });
    expect(deadLetters.letters).toHaveLength(0);
  });

  it('resolves its dependencies lazily, on the first invocation', async () => {
    let built = 0;
    const { all } = deps();
    const handler = makeHandler(() => {
      built += 1;
      return all;
    });
    expect(built).toBe(0);
    await handler(ev(envelope(updateGatewayRecord())), context);
    await handler(ev(envelope(updateGatewayRecord())), context);
    expect(built).toBe(1);
  });
});

describe('detect handler output', () => {
  it('writes no secret value to the logs, the alerts or the dead letters', async () => {
    // Prepare: canaries where a careless handler would leak them
    const canaries = [
      'canary-api-key-5d1e',
      'canary-client-secret-9b2c',
      'canary-webhook-7a7a',
      // Under a harmless-looking key: only caught if the event is never logged whole.
      'canary-event-body-3f3f',
    ];
    // Capture what reaches the logger, after the same redaction the deployed wiring applies.
    const captured: string[] = [];
    const capture = (message: string, attributes?: Record<string, unknown>) =>
      captured.push(`${message} ${JSON.stringify(attributes ?? {})}`);
    const realLogger = redactingLogger({ info: capture, warn: capture, error: capture });
    const { all, sink, deadLetters } = deps({ logger: realLogger });
    const providerChange = updateGatewayRecord({
      eventName: 'UpdateApiKeyCredentialProvider',
      eventID: 'e0f9a6c1-0000-4000-8000-0000000000c1',
      requestParameters: { name: 'weather', apiKey: canaries[0] },
      responseElements: { clientSecret: canaries[1] },
    });
    const malformed = envelope({
      eventVersion: '1.09',
      requestParameters: { token: canaries[2], note: canaries[3] },
    });
    const failing = deps({
      logger: realLogger,
      sinks: [
        { name: 'sns', publish: async () => Promise.reject(new Error(`boom ${canaries[0]}`)) },
      ],
    });
    // Act
    await makeHandler(all)(ev(envelope(providerChange)), context);
    await makeHandler(all)(ev(malformed), context);
    await makeHandler(failing.all)(ev(envelope(providerChange)), context).catch(() => undefined);
    // Assess
    const everything = [
      captured.join(''),
      JSON.stringify(sink.alerts),
      deadLetters.letters.map((l) => l.reason).join('\n'),
    ].join('\n');
    expect(captured.length).toBeGreaterThan(0);
    expect(sink.alerts.length).toBeGreaterThan(0);
    for (const canary of canaries) expect(everything).not.toContain(canary);
  });
});

describe('detect handler on the sample events (events/detect.*.json)', () => {
  it.each([
    ['detect.updateGateway.json', 'processed', 'gateway-auth-weakened'],
    ['detect.getSecretValue.json', 'processed', 'secret-read-by-unexpected-principal'],
    ['detect.rotationFailed.json', 'processed', 'secret-rotation-problem'],
    ['detect.malformed.json', 'dead-lettered', undefined],
  ])('%s is %s', async (file, status, ruleId) => {
    const { all, sink, deadLetters } = deps();
    const event = JSON.parse(readFileSync(`events/${file}`, 'utf8')) as unknown;
    const result = await makeHandler(all)(ev(event), context);
    expect(result).toMatchObject({ counts: { [status]: 1 } });
    if (ruleId) expect(sink.alerts.map((a) => a.attributes?.ruleId)).toContain(ruleId);
    else expect(deadLetters.letters[0]?.reason).toContain('eventVersion');
  });
});

describe('configFromEnv', () => {
  it('uses defaults without configuration and honours the auto-remediation switch', () => {
    expect(configFromEnv({}).remediation.enabled).toBe(false);
    expect(configFromEnv({ GATEWARDEN_AUTO_REMEDIATION: 'true' }).remediation.enabled).toBe(true);
    expect(
      configFromEnv({ GATEWARDEN_DETECTION_CONFIG: '{"dryRunRules":["gateway-modified"]}' })
        .dryRunRules,
    ).toEqual(['gateway-modified']);
  });

  it('keeps remediation off when the stack parameter is false (the role cannot rotate)', () => {
    const json = '{"remediation":{"enabled":true}}';
    expect(configFromEnv({ GATEWARDEN_DETECTION_CONFIG: json }).remediation.enabled).toBe(true);
    expect(
      configFromEnv({ GATEWARDEN_DETECTION_CONFIG: json, GATEWARDEN_AUTO_REMEDIATION: 'false' })
        .remediation.enabled,
    ).toBe(false);
  });

  it('names the variable and the problem for bad configuration', () => {
    expect(() =>
      configFromEnv({ GATEWARDEN_DETECTION_CONFIG: '{"channels":{"sns":"loud"}}' }),
    ).toThrow(/channels\.sns/);
    expect(() => configFromEnv({ GATEWARDEN_DETECTION_CONFIG: 'not json' })).toThrow(
      /GATEWARDEN_DETECTION_CONFIG is not valid JSON/,
    );
  });
});
