/**
 * SQS, SNS and EventBridge: queues by URL, topics (an encrypted topic's key use on publish),
 * buses and rules (the roles a rule's targets pass).
 * TEST/DEMO COMPONENT — local stack only.
 */
import { type Resolver, type Vars } from '../authorizationTypes.js';
import { arnParts, isArn, requestTags, str, tagContext } from '../requestValues.js';
import { keyUseVia, passRoles, roleArnsIn } from './implied.js';

export const sqs: Resolver = async (call) => {
  const url = str(call.params.QueueUrl);
  if (url) {
    const [, account = call.account, name = ''] = /\/(\d{12})\/([^/?]+)/.exec(url) ?? [];
    return {
      arns: { queue: `arn:aws:sqs:${call.region}:${account}:${name}` },
      context: tagContext(requestTags(call.params)),
    };
  }
  const name = str(call.params.QueueName);
  return name ? { vars: { QueueName: name }, context: tagContext(requestTags(call.params)) } : {};
};

/** Operations for which SNS uses an encrypted topic's key with the publisher's rights. */
const SNS_PUBLISH = new Set(['Publish', 'PublishBatch']);

export const sns: Resolver = async (call, lookups) => {
  const context = tagContext(requestTags(call.params));
  const arn =
    str(call.params.TopicArn) ?? str(call.params.TargetArn) ?? str(call.params.ResourceArn);
  if (arn) {
    const key = SNS_PUBLISH.has(call.operation) ? await lookups.topicKey?.(arn) : undefined;
    const implied = key
      ? await keyUseVia(call, lookups, key, 'sns', ['kms:GenerateDataKey', 'kms:Decrypt'], {})
      : [];
    return { arns: { topic: arn }, context, implied };
  }
  const name = str(call.params.Name);
  return name ? { vars: { TopicName: name }, context } : {};
};

/** EventBridge: the bus of a call (or of each PutEvents entry), rule ARNs by bus. */
export const events: Resolver = async (call, lookups) => {
  const busOf = (value: unknown) => {
    const name = str(value) ?? 'default';
    return isArn(name) ? (name.split('/').pop() ?? name) : name;
  };
  // A bus named by ARN is that bus, whatever account or region it is in.
  const busArnOf = (value: unknown): string => {
    const name = str(value) ?? 'default';
    return isArn(name) ? name : `arn:aws:events:${call.region}:${call.account}:event-bus/${name}`;
  };
  if (call.operation === 'PutEvents') {
    const entries = (call.params.Entries ?? []) as Array<Record<string, unknown>>;
    const buses = [...new Set(entries.map((entry) => busArnOf(entry.EventBusName)))];
    const sources = [...new Set(entries.map((entry) => str(entry.Source) ?? ''))];
    const detailTypes = [...new Set(entries.map((entry) => str(entry.DetailType) ?? ''))];
    const context = { 'events:source': sources, 'events:detail-type': detailTypes };
    const [first = busArnOf(undefined), ...rest] = buses;
    return {
      arns: { 'event-bus': first },
      context,
      implied: rest.map((bus) => ({
        action: 'events:PutEvents',
        resource: bus,
        resourceAccount: arnParts(bus).account || call.account,
        context,
      })),
    };
  }
  const bus = busOf(call.params.EventBusName ?? call.params.Name);
  const rule =
    str(call.params.Rule) ?? (call.operation.includes('Rule') ? str(call.params.Name) : undefined);
  const vars: Vars = { EventBusName: bus };
  const arns: Record<string, string> = {};
  if (rule) {
    arns[bus === 'default' ? 'rule-on-default-event-bus' : 'rule-on-custom-event-bus'] =
      bus === 'default'
        ? `arn:aws:events:${call.region}:${call.account}:rule/${rule}`
        : `arn:aws:events:${call.region}:${call.account}:rule/${bus}/${rule}`;
  }
  const implied = await passRoles(call, lookups, roleArnsIn(call.params.Targets));
  return { vars, arns, implied, context: tagContext(requestTags(call.params)) };
};
