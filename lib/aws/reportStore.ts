import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { AccessReport } from '../reports/reportTypes.js';
import {
  datedPrefix,
  reportFileName,
  type RenderedReport,
  type ReportStore,
} from '../reports/store.js';
import { clientConfig, s3PathStyle } from './clients.js';

const LATEST = 'latest.json';

/**
 * Reports in S3: `<root>/YYYY/MM/DD/<timestamp>/report.{json,md,html}` and `<root>/latest.json`
 * pointing at the newest folder (written after the report, so it never dangles).
 *
 * Bucket names are global: with `expectedOwner` (the stage's account) every call carries
 * `ExpectedBucketOwner`, so a bucket of the configured name in another account (squatted after
 * ours was deleted, or a mistyped name) is refused by S3 instead of receiving the reports.
 */
export class S3ReportStore implements ReportStore {
  constructor(
    private readonly bucket: string,
    private readonly root = 'reports',
    private readonly s3: S3Client = new S3Client({
      ...clientConfig(),
      forcePathStyle: s3PathStyle(),
    }),
    private readonly expectedOwner?: string,
  ) {}

  private get owner(): { ExpectedBucketOwner?: string } {
    return this.expectedOwner ? { ExpectedBucketOwner: this.expectedOwner } : {};
  }

  async latest(): Promise<AccessReport | undefined> {
    const pointer = await this.read(`${this.root}/${LATEST}`);
    if (pointer === undefined) return undefined;
    const { prefix } = JSON.parse(pointer) as { prefix?: string };
    if (typeof prefix !== 'string') return undefined;
    const report = await this.read(`${prefix}/report.json`);
    return report === undefined ? undefined : (JSON.parse(report) as AccessReport);
  }

  folderOf(generatedAt: string): string {
    return `s3://${this.bucket}/${datedPrefix(generatedAt, this.root)}`;
  }

  async save(report: AccessReport, rendered: RenderedReport): Promise<{ location: string }> {
    const prefix = datedPrefix(report.generatedAt, this.root);
    for (const file of rendered.files ?? [])
      await this.put(`${prefix}/${reportFileName(file.name)}`, file.body, file.contentType);
    await this.put(`${prefix}/report.json`, rendered.json, 'application/json');
    await this.put(`${prefix}/report.md`, rendered.md, 'text/markdown; charset=utf-8');
    await this.put(`${prefix}/report.html`, rendered.html, 'text/html; charset=utf-8');
    await this.put(
      `${this.root}/${LATEST}`,
      JSON.stringify({
        prefix,
        generatedAt: report.generatedAt,
        schemaVersion: report.schemaVersion,
      }),
      'application/json',
    );
    return { location: `s3://${this.bucket}/${prefix}` };
  }

  /**
   * A JSON document other than an access report (the organization's summary) under a dated
   * folder of this root, and `latest.json` pointing at it, written after it.
   */
  async saveDocument(
    generatedAt: string,
    name: string,
    document: unknown,
    page?: { name: string; html: string },
  ): Promise<{ location: string }> {
    const prefix = datedPrefix(generatedAt, this.root);
    if (page !== undefined)
      await this.put(
        `${prefix}/${reportFileName(page.name)}`,
        page.html,
        'text/html; charset=utf-8',
      );
    await this.put(
      `${prefix}/${name}`,
      `${JSON.stringify(document, null, 2)}\n`,
      'application/json',
    );
    await this.put(
      `${this.root}/${LATEST}`,
      JSON.stringify({ prefix, generatedAt }),
      'application/json',
    );
    return { location: `s3://${this.bucket}/${prefix}/${name}` };
  }

  private async put(key: string, body: string, contentType: string): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: body,
        ContentType: contentType,
        ServerSideEncryption: 'AES256',
        ...this.owner,
      }),
    );
  }

  private async read(key: string): Promise<string | undefined> {
    try {
      const object = await this.s3.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key, ...this.owner }),
      );
      return await object.Body?.transformToString('utf8');
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name === 'NoSuchKey' || name === 'NotFound') return undefined;
      throw error;
    }
  }
}
