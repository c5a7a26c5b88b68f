import { readFile } from 'node:fs/promises';
import { ReportInputError } from './errors.js';
import { snapshotFromAuthorizationDetails, type IamSnapshot } from './iamModel.js';
import type { IamSource } from './report.js';

/** IAM from a file written by `aws iam get-account-authorization-details` (offline reports). */
export class AuthorizationDetailsFile implements IamSource {
  readonly description: string;
  constructor(private readonly path: string) {
    this.description = `authorization-details file ${path}`;
  }

  async load(): Promise<IamSnapshot> {
    let bytes: Buffer;
    try {
      bytes = await readFile(this.path);
    } catch (error) {
      throw new ReportInputError(`cannot read IAM file ${this.path}`, {
        cause: error,
        context: { path: this.path },
      });
    }
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
      throw new ReportInputError(
        `IAM file ${this.path} is gzip-compressed (a CloudTrail log file?): --iam takes the JSON output of get-account-authorization-details, --trail takes log files`,
        { context: { path: this.path } },
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(bytes.toString('utf8'));
    } catch (error) {
      throw new ReportInputError(`IAM file ${this.path} is not valid JSON`, {
        cause: error,
        context: { path: this.path },
      });
    }
    return snapshotFromAuthorizationDetails(json);
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
