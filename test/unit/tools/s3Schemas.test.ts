import { targetInfo } from '../../../lib/tools/inventory.js';
import { s3SchemaRef, withInlineSchema } from '../../../lib/tools/s3Schemas.js';

const target = (mcp: Record<string, unknown>) => ({
  targetId: 'T',
  name: 'crm',
  targetConfiguration: { mcp },
});

describe('s3SchemaRef', () => {
  it.each([
    [
      'an OpenAPI schema',
      { openApiSchema: { s3: { uri: 's3://schemas-1/crm.json' } } },
      { bucket: 'schemas-1', key: 'crm.json', kind: 'openApiSchema' },
    ],
    [
      'a Smithy model of another account',
      {
        smithyModel: {
          s3: { uri: 's3://schemas-1/a/b.json', bucketOwnerAccountId: '111122223333' },
        },
      },
      {
        bucket: 'schemas-1',
        key: 'a/b.json',
        bucketOwnerAccountId: '111122223333',
        kind: 'smithyModel',
      },
    ],
    [
      'a Lambda tool schema',
      { lambda: { lambdaArn: 'x', toolSchema: { s3: { uri: 's3://schemas-1/t.json' } } } },
      { bucket: 'schemas-1', key: 't.json', kind: 'lambda' },
    ],
  ])('reads %s', (_, mcp, ref) => {
    expect(s3SchemaRef(target(mcp))).toEqual(ref);
  });

  it.each([
    ['an inline schema', { openApiSchema: { inlinePayload: '{}' } }],
    ['not an s3 URI', { openApiSchema: { s3: { uri: 'https://evil.example/crm.json' } } }],
    ['a bucket name S3 refuses', { openApiSchema: { s3: { uri: 's3://Bad_Bucket/k' } } }],
    [
      'an owner that is not an account',
      { openApiSchema: { s3: { uri: 's3://schemas-1/k', bucketOwnerAccountId: '*' } } },
    ],
    ['an MCP server', { mcpServer: { endpoint: 'https://x' } }],
  ])('reads nothing from %s', (_, mcp) => {
    expect(s3SchemaRef(target(mcp))).toBeUndefined();
  });
});

describe('withInlineSchema', () => {
  it('puts the text where an inline payload goes, without changing the answer it came from', () => {
    const original = target({ openApiSchema: { s3: { uri: 's3://schemas-1/crm.json' } } });
    const ref = s3SchemaRef(original);
    if (ref === undefined) throw new Error('no ref');
    const doc = JSON.stringify({ paths: { '/c': { get: { operationId: 'getCustomer' } } } });
    expect(targetInfo(withInlineSchema(original, ref, doc)).tools.map((t) => t.name)).toEqual([
      'crm___getCustomer',
    ]);
    expect(original.targetConfiguration.mcp).toEqual({
      openApiSchema: { s3: { uri: 's3://schemas-1/crm.json' } },
    });
  });

  it('a Lambda schema that is not JSON leaves the tools unknown', () => {
    const original = target({ lambda: { toolSchema: { s3: { uri: 's3://schemas-1/t.json' } } } });
    const ref = s3SchemaRef(original);
    if (ref === undefined) throw new Error('no ref');
    expect(targetInfo(withInlineSchema(original, ref, 'tools: [list]')).toolsUnknown).toBe(
      'no inline schema',
    );
  });
});
