/**
 * The decision route moto asks before it delivers (local/standin/serviceDelivery.ts): which
 * call each delivery is, and that nothing but SNS or EventBridge deliveries to a queue, topic
 * or function can be asked about.
 */
import type { ServiceCall, StandinContext } from '../../../local/standin/context.js';
import { StandinError } from '../../../local/standin/http.js';
import { deliveryCall, serviceDeliveryRoute } from '../../../local/standin/serviceDelivery.js';
import { signedRequest } from './support.js';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:alerts';
const RULE = 'arn:aws:events:us-east-1:123456789012:rule/detect';

describe('deliveryCall', () => {
  it.each([
    [
      'a queue',
      'sns.amazonaws.com',
      TOPIC,
      'arn:aws:sqs:eu-west-1:210987654321:inbox',
      {
        signingName: 'sqs',
        operation: 'SendMessage',
        region: 'eu-west-1',
        params: { QueueUrl: 'https://sqs.eu-west-1.amazonaws.com/210987654321/inbox' },
      },
    ],
    [
      'a topic',
      'events.amazonaws.com',
      RULE,
      TOPIC,
      {
        signingName: 'sns',
        operation: 'Publish',
        region: 'eu-west-1',
        params: { TopicArn: TOPIC },
      },
    ],
    [
      'a function',
      'sns.amazonaws.com',
      TOPIC,
      'arn:aws:lambda:eu-west-1:123456789012:function:f',
      {
        signingName: 'lambda',
        operation: 'Invoke',
        region: 'eu-west-1',
        params: { FunctionName: 'arn:aws:lambda:eu-west-1:123456789012:function:f' },
      },
    ],
  ])('names delivering to %s', (_kind, service, sourceArn, targetArn, call) => {
    expect(deliveryCall({ service, sourceArn, targetArn })).toEqual({
      service,
      sourceArn,
      ...call,
    });
  });
});

describe('the decision route', () => {
  const asked: ServiceCall[] = [];
  const context = (refuse: boolean) =>
    ({
      authorizeServiceCall: async (call: ServiceCall) => {
        asked.push(call);
        if (refuse) throw new StandinError(403, 'AccessDeniedException', 'not authorized');
      },
    }) as unknown as StandinContext;
  const ask = async (body: unknown, refuse = false) => {
    const request = signedRequest({
      service: 'none',
      path: '/_gatewarden/iam/service-delivery',
      body,
    });
    const response = await serviceDeliveryRoute.handle(request, context(refuse));
    return { status: response.status, body: JSON.parse(String(response.body)) as unknown };
  };
  beforeEach(() => {
    asked.length = 0;
  });

  it('answers allowed or refused, with the refusal', async () => {
    const body = { service: 'sns.amazonaws.com', sourceArn: TOPIC, targetArn: TOPIC };
    expect(await ask(body)).toEqual({ status: 200, body: { allowed: true } });
    expect(await ask(body, true)).toEqual({
      status: 200,
      body: { allowed: false, message: 'not authorized' },
    });
  });

  it.each([
    ['another service principal', { service: 'lambda.amazonaws.com' }],
    ['a source that is no topic or rule', { sourceArn: 'arn:aws:iam::123456789012:role/r' }],
    ['a target that is no queue, topic or function', { targetArn: 'arn:aws:s3:::bucket' }],
  ])('refuses to decide for %s', async (_kind, change) => {
    const body = { service: 'sns.amazonaws.com', sourceArn: TOPIC, targetArn: TOPIC, ...change };
    expect((await ask(body)).status).toBe(400);
    expect(asked).toEqual([]);
  });
});
