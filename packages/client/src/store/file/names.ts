/**
 * Directory names for client ids. A client id is any UTF-8 string (MQTT allows up to 65,535 bytes); a file
 * name must not contain `/`, `\`, NUL, must not be `.` or `..`, and is at most 255 bytes on most file systems.
 *
 * Encoding: every UTF-8 byte outside `[A-Za-z0-9_-]` and every `.` is percent-encoded (`%2F`, `%2E`, ...), so a
 * name never contains a separator, never starts with a dot (no `.`, `..` or hidden entries), and decodes back
 * to the id ({@link decodeClientId}). A name that would exceed {@link MAX_NAME} bytes keeps its first 150
 * bytes and appends `~` and 32 hex digits of the SHA-256 of the id; such a name cannot be decoded, but the
 * log's header frame records the full id, which the store checks on open.
 * @module
 */
import { nodeCrypto } from './builtins.js';

/** Longest directory name produced. */
export const MAX_NAME = 200;

const HEX = '0123456789ABCDEF';

function plain(byte: number): boolean {
  return (
    (byte >= 0x30 && byte <= 0x39) || // 0-9
    (byte >= 0x41 && byte <= 0x5a) || // A-Z
    (byte >= 0x61 && byte <= 0x7a) || // a-z
    byte === 0x5f || // _
    byte === 0x2d // -
  );
}

/** Directory name for `clientId` (which must not be empty). */
export function encodeClientId(clientId: string): string {
  const bytes = Buffer.from(clientId, 'utf8');
  let out = '';
  for (const b of bytes) out += plain(b) ? String.fromCharCode(b) : `%${HEX[b >> 4]}${HEX[b & 15]}`;
  if (out.length <= MAX_NAME) return out;
  let cut = 150;
  // Do not cut a %XX escape in half.
  if (out[cut - 1] === '%') cut -= 1;
  else if (out[cut - 2] === '%') cut -= 2;
  const digest = nodeCrypto().createHash('sha256').update(bytes).digest('hex').slice(0, 32);
  return `${out.slice(0, cut)}~${digest}`;
}

/** The client id a directory name stands for, or undefined for hashed (long) names and foreign names. */
export function decodeClientId(name: string): string | undefined {
  if (name.includes('~') || !/^(?:[A-Za-z0-9_-]|%[0-9A-F]{2})+$/.test(name)) return undefined;
  const bytes: number[] = [];
  for (let i = 0; i < name.length; i++) {
    if (name[i] === '%') {
      bytes.push(parseInt(name.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(name.charCodeAt(i));
  }
  const id = Buffer.from(bytes).toString('utf8');
  return encodeClientId(id) === name ? id : undefined;
}
