import { posix } from 'node:path';
import type { AccessReport } from './reportTypes.js';

/** The rendered forms of a report, stored side by side. */
export interface RenderedReport {
  json: string;
  md: string;
  html: string;
  /** Further files under the report's folder (the tool report: `tools/…`), written before it. */
  files?: readonly { name: string; body: string; contentType: string }[];
}

/** A further file's name: a relative path of word characters, no `..`, no leading `/`. */
export function reportFileName(name: string): string {
  if (!/^[\w-]+(\.[\w-]+)*(\/[\w-]+(\.[\w-]+)*)*$/.test(name) || name.length > 200)
    throw new Error('not a report file name');
  return name;
}

/**
 * Report history: each report under a dated key, plus a `latest` pointer written last (so it
 * never points at a report that is not fully stored).
 */
export interface ReportStore {
  latest(): Promise<AccessReport | undefined>;
  /** Where a report generated at that time is stored: the location `save` returns for it. */
  folderOf(generatedAt: string): string;
  save(report: AccessReport, rendered: RenderedReport): Promise<{ location: string }>;
}

/**
 * The link from a page in folder `from` to the file `to`, both locations of one store
 * (`s3://bucket/key…` or plain keys); none when they are in different buckets.
 */
export function relativeHref(from: string, to: string): string | undefined {
  const split = (location: string) => {
    const match = /^(s3:\/\/[^/]+\/)?(.*)$/.exec(location);
    return { root: match?.[1] ?? '', path: `/${match?.[2] ?? ''}` };
  };
  const a = split(from);
  const b = split(to);
  if (a.root !== b.root) return undefined;
  return posix.relative(a.path, b.path);
}

/** `reports/2026/11/28/20261128T150000Z` — sortable, one folder per run. */
export function datedPrefix(generatedAt: string, root = 'reports'): string {
  const compact = generatedAt.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${root}/${generatedAt.slice(0, 4)}/${generatedAt.slice(5, 7)}/${generatedAt.slice(8, 10)}/${compact}`;
}

/** In-memory store (unit tests, dry runs). */
export class MemoryReportStore implements ReportStore {
  readonly objects = new Map<string, string>();
  private latestPrefix?: string;

  constructor(private readonly root = 'reports') {}

  folderOf(generatedAt: string): string {
    return datedPrefix(generatedAt, this.root);
  }

  async latest(): Promise<AccessReport | undefined> {
    if (this.latestPrefix === undefined) return undefined;
    const text = this.objects.get(`${this.latestPrefix}/report.json`);
    return text === undefined ? undefined : (JSON.parse(text) as AccessReport);
  }

  async save(report: AccessReport, rendered: RenderedReport): Promise<{ location: string }> {
    const prefix = this.folderOf(report.generatedAt);
    for (const file of rendered.files ?? [])
      this.objects.set(`${prefix}/${reportFileName(file.name)}`, file.body);
    this.objects.set(`${prefix}/report.json`, rendered.json);
    this.objects.set(`${prefix}/report.md`, rendered.md);
    this.objects.set(`${prefix}/report.html`, rendered.html);
    this.latestPrefix = prefix;
    return { location: prefix };
  }
}
