/**
 * EventBridge delivering to an event bus target through the target's role (cross-Region
 * routing: a us-east-1 rule putting global-service events on a stage's bus in its region).
 * TEST/DEMO COMPONENT — local stack only.
 *
 * moto delivers such a target in-process, ignoring its `RoleArn` and the bus's policy; its
 * launcher (motoLauncher.py) hands the delivery here instead. As AWS does it: EventBridge
 * (`events.amazonaws.com`, the rule as `aws:SourceArn`) assumes the role, which the role's trust
 * policy must allow, and puts the event as that role, which its identity policy (and, across
 * accounts, the bus policy) must allow. Refused: nothing is put, the refusal is listed with the
 * gate's denials (EventBridge never fails the original put for a target).
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { FrontRequest, StandinRoute } from './context.js';
import { awsJson, awsJsonError, StandinError } from './http.js';

interface Delivery {
  ruleArn: string;
  roleArn: string;
  targetArn: string;
  event: {
    source: string;
    'detail-type': string;
    detail: unknown;
    time?: string;
    resources?: string[];
  };
}

function parse(body: Buffer): Delivery {
  const value = JSON.parse(body.toString('utf8')) as Partial<Delivery>;
  const event = value.event;
  if (
    typeof value.ruleArn !== 'string' ||
    !/^arn:[^:]+:events:[a-z0-9-]+:\d{12}:rule\/[\w./-]+$/.test(value.ruleArn) ||
    typeof value.roleArn !== 'string' ||
    typeof value.targetArn !== 'string' ||
    !/^arn:[^:]+:events:[^:]+:\d{12}:event-bus\/[\w.-]+$/.test(value.targetArn) ||
    typeof event?.source !== 'string' ||
    typeof event['detail-type'] !== 'string'
  ) {
    throw new Error(
      'body must be {"ruleArn" (a rule),"roleArn","targetArn" (an event bus),"event"}',
    );
  }
  return value as Delivery;
}

export const ruleDeliveryRoute: StandinRoute = {
  name: 'admin:rule-delivery',
  recordInCloudTrail: false,
  matches: (request) =>
    request.method === 'POST' && request.path === '/_gatewarden/eventbridge/rule-delivery',
  async handle(request, context) {
    let delivery: Delivery;
    try {
      delivery = parse(request.body);
    } catch (error) {
      return awsJsonError(new StandinError(400, 'ValidationException', (error as Error).message));
    }
    const region = delivery.targetArn.split(':')[3] ?? '';
    const entry = {
      Source: delivery.event.source,
      DetailType: delivery.event['detail-type'],
      Detail: JSON.stringify(delivery.event.detail ?? {}),
      EventBusName: delivery.targetArn,
      Resources: delivery.event.resources ?? [],
      ...(delivery.event.time ? { Time: new Date(delivery.event.time) } : {}),
    };
    try {
      await context.authorizeServiceCall({
        service: 'events.amazonaws.com',
        sourceArn: delivery.ruleArn,
        role: delivery.roleArn,
        signingName: 'events',
        operation: 'PutEvents',
        region,
        params: { Entries: [entry] },
      });
    } catch (error) {
      if (error instanceof StandinError) return awsJsonError(error);
      throw error;
    }
    // Straight to moto, in the bus's region and account (a stage's bus in another account of
    // the organization): the `aws.` source is AWS's own, which the front refuses to PutEvents
    // callers. moto takes the account from `x-moto-account-id`, which the front refuses from
    // any caller (awsRequest.ts); only this hand-over sets it.
    const target = { aws: { region, accessKeyId: undefined } } as unknown as FrontRequest;
    const put = new PutEventsCommand({
      Entries: [{ ...entry, EventBusName: delivery.targetArn.split('/').pop() ?? '' }],
    });
    const busAccount = delivery.targetArn.split(':')[4] ?? '';
    const [, , , ruleRegion = '', ruleAccount = ''] = delivery.ruleArn.split(':');
    put.middlewareStack.add(
      (next) => (args) => {
        const http = args.request as { headers?: Record<string, string> };
        if (http.headers) {
          http.headers['x-moto-account-id'] = busAccount;
          // The envelope keeps the account and region the rule sent it from, as on AWS.
          http.headers['x-gatewarden-event-origin'] = `${ruleAccount}:${ruleRegion}`;
        }
        return next(args);
      },
      { step: 'build', name: 'gatewardenBusAccount' },
    );
    const out = await context.motoClient(EventBridgeClient, target).send(put);
    return awsJson({ FailedEntryCount: out.FailedEntryCount ?? 0, Entries: out.Entries ?? [] });
  },
};
