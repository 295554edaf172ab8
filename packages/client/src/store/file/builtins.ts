/**
 * The Node built-ins of the file store, loaded on first use instead of at import time.
 *
 * `@mqttx/client` re-exports the file store from its main entry, so a static `import 'node:crypto'`,
 * `'node:zlib'` or `'node:fs/promises'` here would cost every user of the package several milliseconds at
 * startup, store or not. They are loaded synchronously through `require` (a built-in resolves without any
 * file-system lookup) the first time the store needs them, so every function keeps its signature: sync stays
 * sync (`encodeClientId`, `crc32`) and nothing depends on having opened a store first.
 * @module
 */
import { createRequire } from 'node:module';

type NodeCrypto = typeof import('node:crypto');
type NodeZlib = typeof import('node:zlib');
type NodeFsPromises = typeof import('node:fs/promises');

const load = createRequire(import.meta.url);

let crypto: NodeCrypto | undefined;
let zlib: NodeZlib | undefined;
let fsp: NodeFsPromises | undefined;

/** `node:crypto`, loaded on the first call. */
export function nodeCrypto(): NodeCrypto {
  return (crypto ??= load('node:crypto') as NodeCrypto);
}

/** `node:zlib`, loaded on the first call. */
export function nodeZlib(): NodeZlib {
  return (zlib ??= load('node:zlib') as NodeZlib);
}

/** `node:fs/promises` (including its `constants`), loaded on the first call. */
export function nodeFsPromises(): NodeFsPromises {
  return (fsp ??= load('node:fs/promises') as NodeFsPromises);
}
