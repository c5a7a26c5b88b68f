import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { ReportInputError } from './errors.js';
import { ExportSectionScanner, ExportShapeError } from './ExportSectionScanner.js';
import {
  cloudTrailInput,
  EXPORT_SECTIONS,
  isCloudTrailKey,
  noExportSection,
  SnapshotBuilder,
  snapshotFromAuthorizationDetails,
  type ExportSection,
  type IamSnapshot,
} from './iamModel.js';
import type { IamSource } from './report.js';
import type { ScanProgress } from './usage.js';

const SECTIONS: ReadonlySet<string> = new Set(EXPORT_SECTIONS);

/** Options of {@link AuthorizationDetailsFile}. */
export interface AuthorizationDetailsFileOptions {
  /** Roles and users past which the file is refused (default 200,000). */
  maxPrincipals?: number;
}

/**
 * IAM from a file written by `aws iam get-account-authorization-details` (offline reports).
 * Read as a stream: one element at a time is parsed and reduced to what the report needs, so
 * an export of 150,000 roles (hundreds of MB) never sits in memory as text or as one object.
 */
export class AuthorizationDetailsFile implements IamSource {
  readonly description: string;
  constructor(
    private readonly path: string,
    private readonly options: AuthorizationDetailsFileOptions = {},
  ) {
    this.description = `authorization-details file ${path}`;
  }

  async load(onProgress?: (progress: ScanProgress) => void): Promise<IamSnapshot> {
    const size = await this.checkReadable();
    const scanner = new ExportSectionScanner(SECTIONS);
    const builder = new SnapshotBuilder(this.options);
    let read = 0;
    const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
    try {
      for await (const chunk of createReadStream(this.path, { highWaterMark: 1024 * 1024 })) {
        read += (chunk as Buffer).length;
        const parts = scanner.push(chunk as Buffer);
        if ([...scanner.keys].some(isCloudTrailKey)) throw cloudTrailInput();
        for (const part of parts) {
          if (!SECTIONS.has(part.key)) continue; // IsTruncated, Marker
          const section = part.key as ExportSection;
          const value = json(part.text, this.path);
          if (part.index === undefined) builder.section(section, value);
          else builder.add(section, value, part.index);
        }
        onProgress?.({ done: mb(read), total: mb(size), unit: 'MB' });
      }
      scanner.end();
    } catch (error) {
      if (error instanceof ReportInputError) throw error;
      if (error instanceof ExportShapeError)
        throw new ReportInputError(
          `IAM input is not get-account-authorization-details output: ${error.message}`,
          { context: { path: this.path } },
        );
      throw new ReportInputError(`cannot read IAM file ${this.path}`, {
        cause: error,
        context: { path: this.path },
      });
    }
    if (!EXPORT_SECTIONS.some((k) => scanner.keys.has(k))) throw noExportSection();
    return builder.finish();
  }

  /** Size of the file; refuses a missing file and a gzip one (a CloudTrail log) up front. */
  private async checkReadable(): Promise<number> {
    try {
      const handle = await open(this.path, 'r');
      try {
        const head = Buffer.alloc(2);
        await handle.read(head, 0, 2, 0);
        if (head[0] === 0x1f && head[1] === 0x8b)
          throw new ReportInputError(
            `IAM file ${this.path} is gzip-compressed (a CloudTrail log file?): --iam takes the JSON output of get-account-authorization-details, --trail takes log files`,
            { context: { path: this.path } },
          );
        return (await handle.stat()).size;
      } finally {
        await handle.close();
      }
    } catch (error) {
      if (error instanceof ReportInputError) throw error;
      throw new ReportInputError(`cannot read IAM file ${this.path}`, {
        cause: error,
        context: { path: this.path },
      });
    }
  }
}

function json(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ReportInputError(`IAM file ${path} is not valid JSON`, {
      cause: error,
      context: { path },
    });
  }
}

/** IAM held in memory (tests, or details already fetched). */
export class MemoryIamSource implements IamSource {
  readonly description = 'in-memory authorization details';
  constructor(private readonly details: unknown) {}
  async load(): Promise<IamSnapshot> {
    return snapshotFromAuthorizationDetails(this.details);
  }
}
