/**
 * Writes a stream of text pieces to a file through a write stream, a batch at a time, waiting
 * whenever the stream asks to (backpressure): a document of any size is never one string in
 * memory, and a slow disk holds back the renderer instead of filling the heap with buffers.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';

/** Pieces are joined up to about this many characters before one write. */
const BATCH = 1 << 16;

/** Writes `chunks` to `path` (created or truncated); resolves with the bytes written. */
export async function writeTextStream(path: string, chunks: Iterable<string>): Promise<number> {
  const stream = createWriteStream(path);
  // The first error of the stream, whenever it comes (`once` also rejects on it).
  let failure: unknown;
  stream.on('error', (error) => {
    failure ??= error;
  });
  try {
    let pending: string[] = [];
    let size = 0;
    const flush = async (): Promise<void> => {
      if (size === 0) return;
      const text = pending.join('');
      pending = [];
      size = 0;
      if (failure !== undefined) throw failure;
      if (!stream.write(text)) await once(stream, 'drain');
      if (failure !== undefined) throw failure;
    };
    for (const chunk of chunks) {
      pending.push(chunk);
      size += chunk.length;
      if (size >= BATCH) await flush();
    }
    await flush();
    stream.end();
    await finished(stream);
    return stream.bytesWritten;
  } catch (error) {
    stream.destroy();
    throw failure ?? error;
  }
}
