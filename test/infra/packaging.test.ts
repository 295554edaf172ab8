/**
 * What `npm pack` ships: each package's `files` field is the one derived from its built declarations
 * (`scripts/pack-files.mjs`: complete, and no unreachable `.d.ts`), and the comment stripper run by `prepack`
 * (`scripts/strip-js-comments.mjs`) removes comments only: tricky tokens survive, lines are kept, and the
 * stripped codec still encodes and decodes byte for byte like the built one.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWhenStale, packagesStale } from '../helpers/build.js';
// @ts-expect-error plain ESM script without declarations
import { PACKAGES, expectedFiles, root } from '../../scripts/pack-files.mjs';
// @ts-expect-error plain ESM script without declarations
import { stripComments } from '../../scripts/strip-js-comments.mjs';

const strip = stripComments as (text: string) => string;

beforeAll(async () => {
  await buildWhenStale({ project: '.', isStale: () => packagesStale(PACKAGES as string[]) });
}, 240_000);

describe('packed files', () => {
  for (const name of PACKAGES as string[]) {
    it(`${name}: the files field is the derived one (npm run pack-files -- --write)`, () => {
      const pkg = JSON.parse(readFileSync(join(root, 'packages', name, 'package.json'), 'utf8')) as { files: string[]; scripts?: Record<string, string> };
      const { files, problems } = expectedFiles(name) as { files: string[]; problems: string[] };
      expect(problems).toEqual([]);
      expect(pkg.files).toEqual(files);
      expect(pkg.scripts?.prepack).toBe('node ../../scripts/strip-js-comments.mjs --pack dist');
      expect(pkg.scripts?.postpack).toBe('node ../../scripts/strip-js-comments.mjs --unpack dist');
    });
  }
});

describe('comment stripping', () => {
  it('keeps strings, templates and regular expressions that look like comments', () => {
    const src = [
      "const a = '// not a comment'; /* gone */",
      'const b = "/* nor this */"; // gone',
      'const re = /\\/\\/x|\\/\\*y/g;',
      'const t = `a // b ${ /* gone */ 1 + 1 } /* c */`;',
      'result = [a, b, re.source, t];',
    ].join('\n');
    const out = strip(src);
    expect(out).not.toContain('gone');
    const run = (code: string): unknown => {
      const ctx: { result?: unknown } = {};
      runInNewContext(code, ctx);
      return ctx.result;
    };
    expect(run(out)).toEqual(run(src));
  });

  it('keeps every line, separates tokens a comment separated, and keeps ASI', () => {
    const src = ['function f() {', '  /**', '   * doc', '   */', '  return /*', '  */ 1;', '}', 'result = [typeof/**/f, f()];'].join('\n');
    const out = strip(src);
    expect(out.split('\n')).toHaveLength(src.split('\n').length);
    const ctx: { result?: unknown } = {};
    runInNewContext(out, ctx);
    expect(ctx.result).toEqual(['function', undefined]); // `return` then a line break: no value
  });

  it('keeps the shebang and license comments, drops the (unshipped) source map reference; is idempotent', () => {
    const src = ['#!/usr/bin/env node', '/*! keep me */', '/** drop me */', 'export const x = 1; // drop', '//# sourceMappingURL=x.js.map'].join('\n');
    const out = strip(src);
    expect(out).toContain('#!/usr/bin/env node');
    expect(out).toContain('/*! keep me */');
    expect(out).not.toContain('sourceMappingURL');
    expect(out).not.toContain('drop');
    expect(strip(out)).toBe(out);
  });

  describe('on the built codec', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'mqttx-strip-'));
      const codec = join(dir, 'codec');
      mkdirSync(join(dir, 'node_modules'));
      symlinkSync(join(root, 'packages', 'codec', 'node_modules', 'bl'), join(dir, 'node_modules', 'bl'));
      cpSync(join(root, 'packages', 'codec', 'dist'), join(codec, 'dist'), { recursive: true, filter: (p: string) => !p.endsWith('.map') });
      writeFileSync(join(codec, 'package.json'), '{"type":"module"}\n');
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('encodes and decodes exactly like the unstripped build, from smaller files', async () => {
      const file = join(dir, 'codec', 'dist', 'encode.js');
      const before = readFileSync(file, 'utf8');
      const { execFileSync } = await import('node:child_process');
      execFileSync(process.execPath, [join(root, 'scripts', 'strip-js-comments.mjs'), join(dir, 'codec', 'dist')]);
      const after = readFileSync(file, 'utf8');
      expect(after.length).toBeLessThan(before.length);
      expect(after.split('\n')).toHaveLength(before.split('\n').length);

      type Codec = typeof import('@mqttx/codec');
      const stripped = (await import(pathToFileURL(join(dir, 'codec', 'dist', 'index.js')).href)) as Codec;
      const built = (await import(pathToFileURL(join(root, 'packages', 'codec', 'dist', 'index.js')).href)) as Codec;
      const packet = {
        type: 'publish' as const,
        topic: 'a/b',
        payload: Buffer.from('hello'),
        qos: 1 as const,
        retain: true,
        dup: false,
        packetId: 7,
        properties: { messageExpiryInterval: 60, userProperties: [['k', 'v']] as Array<[string, string]> },
      };
      const ours = Buffer.from(stripped.encode(packet, { protocolVersion: 5 }));
      expect(ours).toEqual(Buffer.from(built.encode(packet, { protocolVersion: 5 })));
      expect(stripped.decode(ours, { protocolVersion: 5 })).toEqual(built.decode(ours, { protocolVersion: 5 }));
    });
  });
});
