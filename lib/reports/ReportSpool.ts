import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { ReportLists } from './render/reportLists.js';
import type { ReportSink } from './report.js';
import type { PrincipalReport, ReportFinding } from './reportTypes.js';

const BUFFER = 1 << 20;

/** One temporary file of JSON lines: appended through a buffer, then read back in order. */
class LineFile {
  private readonly fd: number;
  private pending: string[] = [];
  private pendingBytes = 0;
  /** Bytes written so far (flushed or not): where the next line starts. */
  size = 0;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'w+');
  }

  /** Appends one line; returns where it starts and its length in bytes (without the newline). */
  append(line: string): { offset: number; length: number } {
    const length = Buffer.byteLength(line);
    const offset = this.size;
    this.pending.push(line, '\n');
    this.pendingBytes += length + 1;
    this.size += length + 1;
    if (this.pendingBytes >= BUFFER) this.flush();
    return { offset, length };
  }

  flush(): void {
    if (this.pending.length === 0) return;
    const buffer = Buffer.from(this.pending.join(''));
    let written = 0;
    while (written < buffer.length)
      written += writeSync(this.fd, buffer, written, buffer.length - written, null);
    this.pending = [];
    this.pendingBytes = 0;
  }

  /** The line at `offset` (as {@link append} returned it). */
  read(at: { offset: number; length: number }): string {
    this.flush();
    const buffer = Buffer.alloc(at.length);
    let read = 0;
    while (read < at.length)
      read += readSync(this.fd, buffer, read, at.length - read, at.offset + read);
    return buffer.toString('utf8');
  }

  /** Every line, in order. */
  *lines(): Generator<string> {
    this.flush();
    const chunk = Buffer.alloc(BUFFER);
    let position = 0;
    let carry: Buffer = Buffer.alloc(0);
    for (;;) {
      const n = readSync(this.fd, chunk, 0, chunk.length, position);
      if (n === 0) break;
      position += n;
      let data = Buffer.concat([carry, chunk.subarray(0, n)]);
      let start = 0;
      for (let nl = data.indexOf(10, start); nl >= 0; nl = data.indexOf(10, start)) {
        yield data.toString('utf8', start, nl);
        start = nl + 1;
      }
      data = data.subarray(start);
      carry = Buffer.from(data);
    }
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** Where a finding waits to be sorted: its sort key, and where its JSON line is. */
interface FindingEntry {
  severity: number;
  checkId: string;
  resource: string;
  at: { offset: number; length: number };
}

const SEVERITY_ORDER = ['critical', 'high', 'medium', 'low', 'info'];

/** Principals between two looks at the heap (see {@link ReportSpool}). */
const COLLECT_EVERY = 100;
/** Garbage let grow above what was live after the last collection. */
const GARBAGE_BYTES = 16 * 1024 * 1024;

/**
 * A full garbage collection, without starting node with --expose-gc. V8 grows its heap to a
 * multiple of what is live before it collects; with the IAM export and the usage of 150,000
 * principals live at the start of the analysis, that multiple is what passes 1 GiB.
 */
function collectorOfGarbage(): () => void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as unknown;
  return typeof gc === 'function' ? () => void (gc as () => void)() : () => undefined;
}

/**
 * A {@link ReportSink} that keeps the report's principals and findings in temporary files,
 * not in memory: each principal is one JSON line as it comes; each finding one line, with only
 * its sort key in memory until it is sorted. Then {@link lists} reads them back, as often as
 * the renderers need. {@link dispose} removes the files.
 */
export class ReportSpool implements ReportSink, ReportLists {
  private readonly dir: string;
  private readonly principalFile: LineFile;
  private readonly findingFile: LineFile;
  private sortedFile: LineFile | undefined;
  private entries: FindingEntry[] = [];
  principalCount = 0;
  findingCount = 0;
  private collect: (() => void) | undefined;
  private live = 0;

  constructor(parent = tmpdir()) {
    this.dir = mkdtempSync(join(parent, 'gatewarden-report-'));
    this.principalFile = new LineFile(join(this.dir, 'principals.jsonl'));
    this.findingFile = new LineFile(join(this.dir, 'findings.jsonl'));
  }

  principal(report: PrincipalReport): void {
    this.principalFile.append(JSON.stringify(report));
    this.principalCount += 1;
    // A long analysis collects as it goes: what it releases is garbage at once.
    if (this.principalCount % COLLECT_EVERY === 0) this.collectGarbage();
  }

  finding(finding: ReportFinding): void {
    this.entries.push({
      severity: SEVERITY_ORDER.indexOf(finding.severity),
      checkId: finding.checkId,
      resource: finding.resource,
      at: this.findingFile.append(JSON.stringify(finding)),
    });
    this.findingCount += 1;
  }

  /** Sorts as `sortFindings` (checks.ts) does; the message, last of its keys, is read only on ties. */
  sortFindings(): string[] {
    const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    const message = (e: FindingEntry) =>
      (JSON.parse(this.findingFile.read(e.at)) as ReportFinding).message;
    this.entries.sort(
      (a, b) =>
        a.severity - b.severity ||
        cmp(a.checkId, b.checkId) ||
        cmp(a.resource, b.resource) ||
        cmp(message(a), message(b)),
    );
    const sorted = new LineFile(join(this.dir, 'findings-sorted.jsonl'));
    for (const e of this.entries) sorted.append(this.findingFile.read(e.at));
    sorted.flush();
    this.sortedFile = sorted;
    const resources = this.entries.map((e) => e.resource);
    this.entries = [];
    this.collectGarbage(true);
    return resources;
  }

  *principals(): Generator<PrincipalReport> {
    let n = 0;
    for (const line of this.principalFile.lines()) {
      yield JSON.parse(line) as PrincipalReport;
      if (++n % COLLECT_EVERY === 0) this.collectGarbage();
    }
  }

  *findings(): Generator<ReportFinding> {
    if (this.sortedFile === undefined) throw new Error('findings read before they were sorted');
    let n = 0;
    for (const line of this.sortedFile.lines()) {
      yield JSON.parse(line) as ReportFinding;
      if (++n % (COLLECT_EVERY * 10) === 0) this.collectGarbage();
    }
  }

  /**
   * Collects once the heap has grown {@link GARBAGE_BYTES} past what was live after the last
   * collection: the analysis, and the writers that read every principal back, stay near what
   * is live instead of the multiple V8 would let the heap reach.
   */
  private collectGarbage(force = false): void {
    if (!force && process.memoryUsage().heapUsed < this.live + GARBAGE_BYTES) return;
    (this.collect ??= collectorOfGarbage())();
    this.live = process.memoryUsage().heapUsed;
  }

  /** Removes the temporary files. */
  dispose(): void {
    for (const file of [this.principalFile, this.findingFile, this.sortedFile]) file?.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
