import type { Binding, BindingWriter, VersionRecord } from './binding.js';

/** Bindings and version records in memory, for unit tests and the benchmark. */
export class MemoryBindingStore implements BindingWriter {
  readonly bindings = new Map<string, Binding>();
  readonly records = new Map<string, VersionRecord>();

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

  putBinding(binding: Binding): Promise<void> {
    this.bindings.set(binding.secretArn, clone(binding));
    return Promise.resolve();
  }
}

/** Stored as JSON, like the DynamoDB adapter: callers never share objects with the store. */
function clone<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}
