/**
 * Deliveries moto makes inside its own process, decided first as AWS decides them: SNS sending
 * to a subscribed queue or invoking a subscribed function (`sns.amazonaws.com`, the topic as
 * `aws:SourceArn`), EventBridge sending to a rule's queue or topic target or its dead-letter
 * queue (`events.amazonaws.com`, the rule). Each is evaluated against the target's own policy
 * (queue, topic, function policy: the template's where moto dropped it) with the source keys
 * AWS sets. TEST/DEMO COMPONENT — local stack only.
 *
 * motoLauncher.py asks here before each delivery and delivers only what is allowed; a refusal is
 * listed with the gate's denials. The answer is a decision, never the delivery itself: nothing
 * is sent through this route, so a local caller asking it can learn a decision (and add a
 * denial to the list) but deliver nothing.
 */
import type { ServiceCall, StandinRoute } from './context.js';
import { awsJson, awsJsonError, StandinError } from './http.js';

/** Who delivers: only the service principals whose deliveries moto makes. */
const DELIVERING = new Set(['sns.amazonaws.com', 'events.amazonaws.com']);

interface Delivery {
  service: string;
  sourceArn: string;
  targetArn: string;
}

const ARN = /^arn:aws[\w-]*:(sqs|sns|lambda):([a-z0-9-]+):(\d{12}):(.+)$/;
const SOURCE_ARN = /^arn:aws[\w-]*:(sns|events):[a-z0-9-]+:\d{12}:.+$/;

function parse(body: Buffer): Delivery {
  const value = JSON.parse(body.toString('utf8')) as Partial<Delivery>;
  if (
    typeof value.service !== 'string' ||
    !DELIVERING.has(value.service) ||
    typeof value.sourceArn !== 'string' ||
    !SOURCE_ARN.test(value.sourceArn) ||
    typeof value.targetArn !== 'string' ||
    !ARN.test(value.targetArn)
  ) {
    throw new Error(
      'body must be {"service" (sns or events.amazonaws.com),"sourceArn","targetArn" (a queue, topic or function)}',
    );
  }
  return value as Delivery;
}

/** The call the service makes to deliver to `targetArn`, as the gate names calls. */
export function deliveryCall(delivery: Delivery): ServiceCall {
  const [, service = '', region = '', account = '', resource = ''] =
    ARN.exec(delivery.targetArn) ?? [];
  const common = { service: delivery.service, sourceArn: delivery.sourceArn, region };
  if (service === 'sqs') {
    return {
      ...common,
      signingName: 'sqs',
      operation: 'SendMessage',
      params: { QueueUrl: `https://sqs.${region}.amazonaws.com/${account}/${resource}` },
    };
  }
  if (service === 'sns') {
    return {
      ...common,
      signingName: 'sns',
      operation: 'Publish',
      params: { TopicArn: delivery.targetArn },
    };
  }
  return {
    ...common,
    signingName: 'lambda',
    operation: 'Invoke',
    params: { FunctionName: delivery.targetArn },
  };
}

export const serviceDeliveryRoute: StandinRoute = {
  name: 'admin:service-delivery',
  recordInCloudTrail: false,
  matches: (request) =>
    request.method === 'POST' && request.path === '/_gatewarden/iam/service-delivery',
  async handle(request, context) {
    let delivery: Delivery;
    try {
      delivery = parse(request.body);
    } catch (error) {
      return awsJsonError(new StandinError(400, 'ValidationException', (error as Error).message));
    }
    try {
      await context.authorizeServiceCall(deliveryCall(delivery));
    } catch (error) {
      if (error instanceof StandinError && error.status === 403) {
        return awsJson({ allowed: false, message: error.message });
      }
      throw error;
    }
    return awsJson({ allowed: true });
  },
};
