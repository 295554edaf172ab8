/**
 * A tiny ESM loader so child processes spawned by the store tests run the TypeScript sources directly,
 * the way vitest does: `node --import <this file> child.ts`. It registers itself as a module hook (on the
 * main thread only), maps the workspace packages to their `src/index.ts` like `vitest.config.ts`, maps a
 * `./x.js` import from a `.ts` file to `./x.ts`, and transpiles `.ts` with TypeScript's `transpileModule`
 * (no type check). Test-only; never shipped.
 */
import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { register } from 'node:module';
import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';

if (isMainThread) register(import.meta.url);

const root = new URL('../../../', import.meta.url);
const pkg = (p) => new URL(`packages/${p}`, root).href;
const aliases = new Map([
  ['@mqttx/codec/errors', pkg('codec/src/errors.ts')],
  ['@mqttx/codec', pkg('codec/src/index.ts')],
  ['@mqttx/transport', pkg('transport/src/index.ts')],
  ['@mqttx/testkit', pkg('testkit/src/index.ts')],
  ['@mqttx/client/redis', pkg('client/src/redis/index.ts')],
  ['@mqttx/client', pkg('client/src/index.ts')],
]);

/** Module hook: resolve. */
export async function resolve(specifier, context, next) {
  const alias = aliases.get(specifier);
  if (alias !== undefined) return { url: alias, shortCircuit: true };
  if (context.parentURL?.endsWith('.ts') && (specifier.startsWith('./') || specifier.startsWith('../')) && specifier.endsWith('.js')) {
    const url = new URL(specifier, context.parentURL);
    if (!existsSync(fileURLToPath(url))) {
      const ts = new URL(specifier.slice(0, -3) + '.ts', context.parentURL);
      if (existsSync(fileURLToPath(ts))) return { url: ts.href, shortCircuit: true };
    }
  }
  return next(specifier, context);
}

let ts;
const cacheDir = join(tmpdir(), `mqttx-ts-cache-${process.getuid?.() ?? 'u'}`);

/** Module hook: load (transpile `.ts`, cached by content hash so repeated children start fast). */
export async function load(url, context, next) {
  if (!url.endsWith('.ts')) return next(url, context);
  const file = fileURLToPath(url);
  const source = await readFile(file, 'utf8');
  const cached = join(cacheDir, `${createHash('sha1').update(file).update('\0').update(source).digest('hex')}.mjs`);
  try {
    return { format: 'module', source: await readFile(cached, 'utf8'), shortCircuit: true };
  } catch {
    // Not cached yet.
  }
  ts ??= (await import('typescript')).default;
  const out = ts.transpileModule(source, {
    fileName: file,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, sourceMap: false },
  });
  await mkdir(cacheDir, { recursive: true });
  // Write then rename: concurrent children never read a half-written entry.
  const temp = `${cached}.${process.pid}.tmp`;
  await writeFile(temp, out.outputText);
  await rename(temp, cached);
  return { format: 'module', source: out.outputText, shortCircuit: true };
}
