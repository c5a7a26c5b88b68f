/**
 * Reads of a resource policy moto's CloudFormation dropped (`GetTopicAttributes`,
 * `GetQueueAttributes`, `GetBucketPolicy`, `DescribeEventBus`) answer the policy the deployed
 * template attaches, which the gate already evaluates (`templatePolicies.ts`): `gatewarden
 * doctor` and the report then see what AWS would show them.
 * TEST/DEMO COMPONENT — local stack only.
 */
import type { FrontRequest } from '../standin/context.js';
import type { StandinResponse } from '../standin/http.js';

const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

const xmlEscape = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The resource whose policy a call reads, when it is one of the four reads above. */
export function policyReadOf(request: FrontRequest, account: string): string | undefined {
  const { service, operation, params, labels, region } = request.aws;
  if (service === 'sns' && operation === 'GetTopicAttributes') return str(params.TopicArn);
  if (service === 'sqs' && operation === 'GetQueueAttributes') {
    const names = Array.isArray(params.AttributeNames)
      ? (params.AttributeNames as unknown[])
      : Object.entries(params)
          .filter(([key]) => /^AttributeName\.\d+$/.test(key))
          .map(([, value]) => value);
    if (!names.some((name) => name === 'All' || name === 'Policy')) return undefined;
    const match = /\/(\d{12})\/([^/?]+)/.exec(str(params.QueueUrl) ?? '');
    return match ? `arn:aws:sqs:${region}:${match[1]}:${match[2]}` : undefined;
  }
  if (service === 's3' && operation === 'GetBucketPolicy' && labels.Bucket) {
    return `arn:aws:s3:::${labels.Bucket}`;
  }
  if (service === 'events' && operation === 'DescribeEventBus') {
    const name = str(params.Name) ?? 'default';
    return name.startsWith('arn:') ? name : `arn:aws:events:${region}:${account}:event-bus/${name}`;
  }
  return undefined;
}

/**
 * moto's answer with the template's policy where moto holds none (or, for a topic, only the
 * default policy SNS makes, which a TopicPolicy replaces). Any other answer is returned as is.
 */
export function withTemplatePolicy(
  request: FrontRequest,
  response: StandinResponse,
  policy: unknown,
): StandinResponse {
  if (policy === undefined) return response;
  const text = JSON.stringify(policy);
  const body = String(response.body);
  const { service } = request.aws;
  if (service === 's3') {
    if (response.status !== 404 || !body.includes('NoSuchBucketPolicy')) return response;
    return {
      status: 200,
      headers: { 'content-type': 'application/json', ...requestIdOf(response) },
      body: text,
    };
  }
  if (response.status !== 200) return response;
  if (service === 'sns') {
    const entry = /<entry>\s*<key>Policy<\/key>\s*<value>([\s\S]*?)<\/value>\s*<\/entry>/.exec(
      body,
    );
    if (entry && !entry[1]?.includes('__default_policy_ID')) return response;
    const replacement = `<entry><key>Policy</key><value>${xmlEscape(text)}</value></entry>`;
    return {
      ...response,
      body: entry
        ? body.replace(entry[0], replacement)
        : body.replace('</Attributes>', `${replacement}</Attributes>`),
    };
  }
  if (service === 'sqs') {
    if (body.trimStart().startsWith('{')) {
      const parsed = JSON.parse(body) as { Attributes?: Record<string, string> };
      if (parsed.Attributes?.Policy) return response;
      return {
        ...response,
        body: JSON.stringify({ ...parsed, Attributes: { ...parsed.Attributes, Policy: text } }),
      };
    }
    if (/<Name>Policy<\/Name>/.test(body)) return response;
    return {
      ...response,
      body: body.replace(
        '</GetQueueAttributesResult>',
        `<Attribute><Name>Policy</Name><Value>${xmlEscape(text)}</Value></Attribute></GetQueueAttributesResult>`,
      ),
    };
  }
  if (service === 'events') {
    const parsed = JSON.parse(body) as { Policy?: string };
    if (parsed.Policy) return response;
    return { ...response, body: JSON.stringify({ ...parsed, Policy: text }) };
  }
  return response;
}

function requestIdOf(response: StandinResponse): Record<string, string> {
  const id = response.headers['x-amz-request-id'];
  return typeof id === 'string' ? { 'x-amz-request-id': id } : {};
}
