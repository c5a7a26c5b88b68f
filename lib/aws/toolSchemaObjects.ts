/**
 * Tool schemas kept in S3 (a target's `s3.uri`), read with the caller's credentials and always
 * with `ExpectedBucketOwner`: the target's `bucketOwnerAccountId`, else the gateway's own
 * account. A bucket name is global; without that check a URI could name a bucket someone else
 * created under that name and feed the inventory their "schema".
 */
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { errorClassOf } from '../shared/redact.js';
import { ToolsError } from '../tools/errors.js';
import type { S3SchemaRef } from '../tools/s3Schemas.js';
import { clientConfig, s3PathStyle } from './clients.js';

/** The largest schema read (AgentCore's inline payloads are far smaller). */
export const MAX_SCHEMA_BYTES = 5_000_000;

export class S3ToolSchemaReader {
  constructor(
    private readonly s3: S3Client = new S3Client({
      ...clientConfig(),
      forcePathStyle: s3PathStyle(),
    }),
  ) {}

  /** The schema's text, or a {@link ToolsError} naming the error's class (never its message). */
  async read(ref: S3SchemaRef, gatewayAccount: string): Promise<string> {
    const owner = ref.bucketOwnerAccountId ?? gatewayAccount;
    if (!/^\d{12}$/.test(owner)) throw new ToolsError('no account to expect as the bucket owner');
    let object;
    try {
      object = await this.s3.send(
        new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key, ExpectedBucketOwner: owner }),
      );
    } catch (error) {
      throw new ToolsError(`GetObject s3://${ref.bucket}: ${errorClassOf(error)}`);
    }
    if ((object.ContentLength ?? 0) > MAX_SCHEMA_BYTES) {
      await object.Body?.transformToByteArray().catch(() => undefined);
      throw new ToolsError(`schema larger than ${MAX_SCHEMA_BYTES} bytes`);
    }
    const text = (await object.Body?.transformToString('utf8')) ?? '';
    if (text.length > MAX_SCHEMA_BYTES)
      throw new ToolsError(`schema larger than ${MAX_SCHEMA_BYTES} bytes`);
    return text;
  }
}
