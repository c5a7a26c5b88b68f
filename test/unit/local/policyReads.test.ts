/**
 * Reads of the resource policies moto's CloudFormation drops answer the deployed template's
 * policy (local/iam/policyReads.ts), in each service's wire format.
 */
import { policyReadOf, withTemplatePolicy } from '../../../local/iam/policyReads.js';
import { signedRequest } from './support.js';

const ACCOUNT = '123456789012';
const POLICY = {
  Version: '2012-10-17',
  Statement: [{ Sid: 'FromTemplate', Effect: 'Allow', Principal: '*', Action: 'x:Y' }],
};
const ok = (body: string, status = 200) => ({ status, headers: {}, body });

describe('policy reads answer the template policy moto dropped', () => {
  it('GetTopicAttributes: the template policy replaces the default topic policy', () => {
    const request = signedRequest({
      service: 'sns',
      body: `Action=GetTopicAttributes&TopicArn=${encodeURIComponent(`arn:aws:sns:us-east-1:${ACCOUNT}:alerts`)}`,
    });
    expect(policyReadOf(request, ACCOUNT)).toBe(`arn:aws:sns:us-east-1:${ACCOUNT}:alerts`);
    const moto =
      '<GetTopicAttributesResponse><GetTopicAttributesResult><Attributes><entry><key>Policy</key><value>{&quot;Id&quot;:&quot;__default_policy_ID&quot;}</value></entry></Attributes></GetTopicAttributesResult></GetTopicAttributesResponse>';
    const body = String(withTemplatePolicy(request, ok(moto), POLICY).body);
    expect(body).toContain('FromTemplate');
    expect(body).not.toContain('__default_policy_ID');
  });

  it('GetTopicAttributes: a policy set through SNS is left as it is', () => {
    const request = signedRequest({
      service: 'sns',
      body: `Action=GetTopicAttributes&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A${ACCOUNT}%3At`,
    });
    const moto =
      '<Attributes><entry><key>Policy</key><value>{&quot;Id&quot;:&quot;own&quot;}</value></entry></Attributes>';
    expect(withTemplatePolicy(request, ok(moto), POLICY).body).toBe(moto);
  });

  it('GetQueueAttributes (JSON) adds Policy when asked for All or Policy', () => {
    const request = signedRequest({
      service: 'sqs',
      target: 'AmazonSQS.GetQueueAttributes',
      body: {
        QueueUrl: `http://127.0.0.1:1/${ACCOUNT}/gatewarden-local-dlq`,
        AttributeNames: ['Policy'],
      },
      contentType: 'application/x-amz-json-1.0',
    });
    expect(policyReadOf(request, ACCOUNT)).toBe(
      `arn:aws:sqs:us-east-1:${ACCOUNT}:gatewarden-local-dlq`,
    );
    const body = JSON.parse(
      String(withTemplatePolicy(request, ok('{"Attributes":{}}'), POLICY).body),
    ) as { Attributes: { Policy: string } };
    expect(JSON.parse(body.Attributes.Policy)).toEqual(POLICY);
  });

  it('GetQueueAttributes for other attributes only is not a policy read', () => {
    const request = signedRequest({
      service: 'sqs',
      target: 'AmazonSQS.GetQueueAttributes',
      body: { QueueUrl: `http://h/${ACCOUNT}/q`, AttributeNames: ['QueueArn'] },
      contentType: 'application/x-amz-json-1.0',
    });
    expect(policyReadOf(request, ACCOUNT)).toBeUndefined();
  });

  it('GetBucketPolicy: NoSuchBucketPolicy becomes the template policy', () => {
    const request = signedRequest({
      service: 's3',
      method: 'GET',
      path: '/gatewarden-local-reports',
      query: 'policy',
    });
    expect(policyReadOf(request, ACCOUNT)).toBe('arn:aws:s3:::gatewarden-local-reports');
    const answer = withTemplatePolicy(
      request,
      ok('<Error><Code>NoSuchBucketPolicy</Code></Error>', 404),
      POLICY,
    );
    expect(answer.status).toBe(200);
    expect(JSON.parse(String(answer.body))).toEqual(POLICY);
  });

  it('DescribeEventBus adds the bus policy; none from the template leaves the answer alone', () => {
    const request = signedRequest({
      service: 'events',
      target: 'AWSEvents.DescribeEventBus',
      body: { Name: 'gatewarden-local' },
      contentType: 'application/x-amz-json-1.1',
    });
    expect(policyReadOf(request, ACCOUNT)).toBe(
      `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/gatewarden-local`,
    );
    const moto = ok('{"Name":"gatewarden-local"}');
    expect(withTemplatePolicy(request, moto, undefined)).toBe(moto);
    const body = JSON.parse(String(withTemplatePolicy(request, moto, POLICY).body)) as {
      Policy: string;
    };
    expect(JSON.parse(body.Policy)).toEqual(POLICY);
  });
});
