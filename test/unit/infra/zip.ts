import { readFile } from 'node:fs/promises';
import { inflateRawSync } from 'node:zlib';

/** One entry of a zip archive's central directory. */
export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  localHeaderOffset: number;
}

/** A minimal reader for the deployment zips (stored or deflated entries, no zip64). */
export class ZipFile {
  private constructor(
    private readonly buffer: Buffer,
    readonly entries: ZipEntry[],
  ) {}

  static async open(file: string): Promise<ZipFile> {
    const buffer = await readFile(file);
    const eocd = buffer.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    if (eocd < 0) throw new Error(`${file} is not a zip file`);
    const count = buffer.readUInt16LE(eocd + 10);
    let offset = buffer.readUInt32LE(eocd + 16);
    const entries: ZipEntry[] = [];
    for (let i = 0; i < count; i++) {
      if (buffer.readUInt32LE(offset) !== 0x02014b50) throw new Error(`${file}: bad directory`);
      const nameLength = buffer.readUInt16LE(offset + 28);
      const extraLength = buffer.readUInt16LE(offset + 30);
      const commentLength = buffer.readUInt16LE(offset + 32);
      entries.push({
        method: buffer.readUInt16LE(offset + 10),
        compressedSize: buffer.readUInt32LE(offset + 20),
        localHeaderOffset: buffer.readUInt32LE(offset + 42),
        name: buffer.toString('utf8', offset + 46, offset + 46 + nameLength),
      });
      offset += 46 + nameLength + extraLength + commentLength;
    }
    return new ZipFile(buffer, entries);
  }

  names(): string[] {
    return this.entries.map((entry) => entry.name);
  }

  /** The uncompressed text of one entry. */
  text(name: string): string {
    const entry = this.entries.find((e) => e.name === name);
    if (!entry) throw new Error(`no ${name} in the zip`);
    const at = entry.localHeaderOffset;
    const start = at + 30 + this.buffer.readUInt16LE(at + 26) + this.buffer.readUInt16LE(at + 28);
    const data = this.buffer.subarray(start, start + entry.compressedSize);
    return (entry.method === 8 ? inflateRawSync(data) : data).toString('utf8');
  }
}
