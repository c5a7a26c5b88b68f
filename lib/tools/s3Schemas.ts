/**
 * Tool schemas a target keeps in S3: where they are (`s3.uri`, `bucketOwnerAccountId`) and how
 * the text read from there becomes the inline schema `targetInfo` reads. Reading the object is
 * the SDK adapter's (lib/aws/toolSchemaObjects.ts), always with ExpectedBucketOwner.
 */
import { asObject } from './inventory.js';

/** A target's tool schema kept in S3 (`s3.uri`, optional `bucketOwnerAccountId`). */
export interface S3SchemaRef {
  bucket: string;
  key: string;
  /** The account the bucket must belong to, when the target names one. */
  bucketOwnerAccountId?: string;
  /** Where the schema goes once read: a Lambda tool list, or an OpenAPI/Smithy document. */
  kind: 'lambda' | 'openApiSchema' | 'smithyModel';
}

/** The S3 schema of a GetGatewayTarget answer, when its tools are there and only there. */
export function s3SchemaRef(value: unknown): S3SchemaRef | undefined {
  const mcp = asObject(asObject(asObject(value)?.targetConfiguration)?.mcp);
  const configs: [S3SchemaRef['kind'], Record<string, unknown> | undefined][] = [
    ['lambda', asObject(asObject(mcp?.lambda)?.toolSchema)],
    ['openApiSchema', asObject(mcp?.openApiSchema)],
    ['smithyModel', asObject(mcp?.smithyModel)],
  ];
  for (const [kind, config] of configs) {
    const s3 = asObject(config?.s3);
    if (config === undefined || s3 === undefined || config.inlinePayload !== undefined) continue;
    const uri = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.{1,1024})$/.exec(
      typeof s3.uri === 'string' ? s3.uri : '',
    );
    if (uri === null) return undefined;
    const owner = s3.bucketOwnerAccountId;
    if (owner !== undefined && (typeof owner !== 'string' || !/^\d{12}$/.test(owner)))
      return undefined;
    return {
      bucket: uri[1] ?? '',
      key: uri[2] ?? '',
      ...(owner !== undefined ? { bucketOwnerAccountId: owner } : {}),
      kind,
    };
  }
  return undefined;
}

/**
 * The target as if its S3 schema had been inline: the text read from S3 put where an inline
 * payload goes (a Lambda tool list parsed as JSON), so {@link targetInfo} reads it the same way.
 */
export function withInlineSchema(value: unknown, ref: S3SchemaRef, text: string): unknown {
  const target = structuredClone(asObject(value) ?? {});
  const mcp = asObject(asObject(target.targetConfiguration)?.mcp) ?? {};
  if (ref.kind === 'lambda') {
    const schema = asObject(asObject(mcp.lambda)?.toolSchema) ?? {};
    try {
      const list: unknown = JSON.parse(text);
      schema.inlinePayload = Array.isArray(list) ? list : asObject(list)?.tools;
    } catch {
      schema.inlinePayload = undefined;
    }
    delete schema.s3;
  } else {
    const config = asObject(mcp[ref.kind]) ?? {};
    config.inlinePayload = text;
    delete config.s3;
  }
  return target;
}
