import type { Binding, BindingWriter, VersionRecord } from './binding.js';

/** Bindings and version records in memory, for unit tests and the benchmark. */
export class MemoryBindingStore implements BindingWriter {
  readonly bindings = new Map<string, Binding>();
  readonly records = new Map<string, VersionRecord>();
  readonly claims = new Map<string, string[]>();

  issuerClaims(key: string): Promise<string[]> {
    return Promise.resolve([...(this.claims.get(key) ?? [])]);
  }

  putIssuerClaims(key: string, secretNames: string[]): Promise<void> {
    this.claims.set(key, [...secretNames]);
    return Promise.resolve();
  }

  binding(secretArn: string): Promise<Binding | undefined> {
    return Promise.resolve(clone(this.bindings.get(secretArn)));
  }

  versionRecord(secretArn: string, versionId: string): Promise<VersionRecord | undefined> {
    return Promise.resolve(clone(this.records.get(`${secretArn}#${versionId}`)));
  }

  recordVersion(secretArn: string, record: VersionRecord): Promise<void> {
    this.records.set(`${secretArn}#${record.versionId}`, clone(record));
    return Promise.resolve();
  }

  versionRecords(secretArn: string): Promise<VersionRecord[]> {
    return Promise.resolve(
      [...this.records.entries()]
        .filter(([key]) => key.startsWith(`${secretArn}#`))
        .map(([, record]) => clone(record)),
    );
  }

  /** Records that fail their integrity check: ids in {@link unverified} (tests set them). */
  readonly unverified = new Set<string>();

  unverifiedVersionRecords(secretArn: string): Promise<string[]> {
    return Promise.resolve(
      [...this.unverified].filter((versionId) => this.records.has(`${secretArn}#${versionId}`)),
    );
  }

  dropVersionRecord(secretArn: string, versionId: string): Promise<void> {
    this.records.delete(`${secretArn}#${versionId}`);
    this.unverified.delete(versionId);
    return Promise.resolve();
  }

  putBinding(binding: Binding): Promise<void> {
    this.bindings.set(binding.secretArn, clone(binding));
    return Promise.resolve();
  }
}

/** Stored as JSON, like the DynamoDB adapter: callers never share objects with the store. */
function clone<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}
