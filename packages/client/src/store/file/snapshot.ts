/**
 * Writing a whole log from a snapshot of the live records (compaction, repair after a failed write, and
 * the first creation of a log): magic, header frame, one put frame per record, in chunks of about 1 MiB
 * (one `writev` each), so peak memory stays bounded whatever the size of the session.
 * @module
 */
import type { StoreRecord } from '../types.js';
import { encodeHeader, encodeRecord, MAGIC } from './frame.js';
import type { StoreFile } from './fs-layer.js';

const CHUNK_BYTES = 1 << 20;

/**
 * Writes the log of `clientId` holding `spaces` (records per keyspace index) into the empty `file`.
 * @returns the number of bytes written
 */
export async function writeSnapshot(file: StoreFile, clientId: string, spaces: readonly (readonly StoreRecord[])[]): Promise<number> {
  let size = 0;
  let chunk: Buffer[] = [MAGIC, encodeHeader(clientId)];
  let bytes = chunk[0]!.length + chunk[1]!.length;
  for (let ks = 0; ks < spaces.length; ks++) {
    for (const record of spaces[ks]!) {
      const frame = encodeRecord(ks, record);
      chunk.push(frame);
      bytes += frame.length;
      if (bytes >= CHUNK_BYTES) {
        await file.write(chunk, size);
        size += bytes;
        chunk = [];
        bytes = 0;
      }
    }
  }
  await file.write(chunk, size);
  return size + bytes;
}
