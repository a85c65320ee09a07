import { type FileHandle, open } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { PresentedAuditEvent } from './schema.js';

const NEWLINE = 0x0a;
const TAIL_CHUNK = 64 * 1024;

/**
 * A crash in the middle of a write can leave a partial last line, whose events were never
 * acknowledged: it is cut off so that the retry appends whole lines after whole lines.
 */
async function dropPartialLine(fh: FileHandle): Promise<void> {
  const { size } = await fh.stat();
  let end = size;
  const chunk = Buffer.alloc(TAIL_CHUNK);
  while (end > 0) {
    const start = Math.max(0, end - TAIL_CHUNK);
    const { bytesRead } = await fh.read(chunk, 0, end - start, start);
    const at = chunk.subarray(0, bytesRead).lastIndexOf(NEWLINE);
    if (at >= 0) {
      if (start + at + 1 < size) await fh.truncate(start + at + 1);
      return;
    }
    end = start;
  }
  if (size > 0) await fh.truncate(0);
}

/**
 * Appends a batch as JSON lines and fsyncs before it counts as delivered. The file is opened
 * per batch, so a log rotation that moves it away is followed by a fresh file.
 */
export function fileSink(url: string) {
  const path = fileURLToPath(url);
  return async (events: PresentedAuditEvent[]): Promise<void> => {
    const fh = await open(path, 'a+', 0o600);
    try {
      await dropPartialLine(fh);
      await fh.write(events.map((e) => `${JSON.stringify(e)}\n`).join(''));
      await fh.sync();
    } finally {
      await fh.close();
    }
  };
}
