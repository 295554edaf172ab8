/**
 * Every TypeScript (or JavaScript) block of README.md must be a region of a file that CI compiles: the line
 * right above the block is `<!-- snippet: examples/snippets/<file>.ts#<region> -->`, the file is one of those
 * `examples/tsconfig.json` includes, and the block equals the text between `// #region <region>` and
 * `// #endregion` in it, dedented. Shell blocks (```sh) and plain blocks are exempt. Every region of
 * `examples/snippets/` must be shown somewhere, so no snippet goes stale unseen.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './build.js';

/** Languages whose blocks need a snippet marker. */
const CHECKED = new Set(['ts', 'typescript', 'tsx', 'js', 'javascript', 'mjs', 'cjs']);
const MARKER = /^<!--\s*snippet:\s*(\S+?)#(\S+?)\s*-->$/;
/** Files `examples/tsconfig.json` compiles (`*.ts` and `snippets/*.ts`). */
const COMPILED = /^examples\/(snippets\/)?[\w.-]+\.ts$/;

/** A fenced block of a Markdown file. */
interface Block {
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  body: string;
  /** `file#region` from the marker right above the fence, if any. */
  marker: { file: string; region: string } | undefined;
}

/** A problem found in the README, one line each. */
type Problem = string;

/** The fenced blocks of `markdown`, each with the snippet marker on the line above it (if any). */
function parseBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([\w+-]*)/.exec(lines[i]!);
    if (open === null) continue;
    const fence = open[2]!;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !lines[j]!.trimStart().startsWith(fence)) body.push(lines[j++]!);
    const m = i > 0 ? MARKER.exec(lines[i - 1]!.trim()) : null;
    blocks.push({ line: i + 1, lang: open[3]!.toLowerCase(), body: body.join('\n'), marker: m === null ? undefined : { file: m[1]!, region: m[2]! } });
    i = j;
  }
  return blocks;
}

/** The regions of a source file, dedented: name -> text. Nested or unclosed regions are problems. */
function parseRegions(source: string, file: string, problems: Problem[]): Map<string, string> {
  const regions = new Map<string, string>();
  let name: string | undefined;
  let body: string[] = [];
  source.split('\n').forEach((line, i) => {
    const start = /^\s*\/\/ #region (\S+)\s*$/.exec(line);
    if (start !== null) {
      if (name !== undefined) problems.push(`${file}:${i + 1}: region ${start[1]} opens inside region ${name}`);
      if (regions.has(start[1]!)) problems.push(`${file}:${i + 1}: region ${start[1]} defined twice`);
      name = start[1]!;
      body = [];
    } else if (/^\s*\/\/ #endregion\s*$/.test(line)) {
      if (name === undefined) problems.push(`${file}:${i + 1}: #endregion without #region`);
      else regions.set(name, dedent(body));
      name = undefined;
    } else if (name !== undefined) {
      body.push(line);
    }
  });
  if (name !== undefined) problems.push(`${file}: region ${name} is never closed`);
  return regions;
}

/** Removes the indentation common to every non-blank line (blank lines become empty). */
function dedent(lines: readonly string[]): string {
  const indents = lines.filter((l) => l.trim() !== '').map((l) => l.length - l.trimStart().length);
  const cut = indents.length === 0 ? 0 : Math.min(...indents);
  return lines.map((l) => (l.trim() === '' ? '' : l.slice(cut))).join('\n');
}

/** Checks `markdown` against the region sources `read(file)`; returns the problems and the regions used. */
function checkReadme(markdown: string, read: (file: string) => string): { problems: Problem[]; used: Set<string>; checked: number } {
  const problems: Problem[] = [];
  const used = new Set<string>();
  const cache = new Map<string, Map<string, string>>();
  let checked = 0;
  for (const block of parseBlocks(markdown)) {
    if (!CHECKED.has(block.lang)) {
      if (block.marker !== undefined) problems.push(`README.md:${block.line}: a snippet marker above a \`${block.lang || 'plain'}\` block`);
      continue;
    }
    checked++;
    const at = `README.md:${block.line}`;
    if (block.marker === undefined) {
      problems.push(`${at}: \`\`\`${block.lang} block without a <!-- snippet: file#region --> marker on the line above`);
      continue;
    }
    const { file, region } = block.marker;
    if (!COMPILED.test(file)) {
      problems.push(`${at}: ${file} is not a file examples/tsconfig.json compiles`);
      continue;
    }
    let regions = cache.get(file);
    if (regions === undefined) {
      let source: string;
      try {
        source = read(file);
      } catch {
        problems.push(`${at}: cannot read ${file}`);
        continue;
      }
      regions = parseRegions(source, file, problems);
      cache.set(file, regions);
    }
    const text = regions.get(region);
    used.add(`${file}#${region}`);
    if (text === undefined) problems.push(`${at}: ${file} has no region ${region}`);
    else if (text !== block.body) problems.push(`${at}: the block differs from ${file}#${region}\n--- region\n${text}\n--- README\n${block.body}`);
  }
  return { problems, used, checked };
}

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const readRoot = (file: string): string => readFileSync(join(ROOT, file), 'utf8');

describe('README.md snippets', () => {
  const result = checkReadme(readme, readRoot);

  it('has TypeScript snippets to check', () => {
    expect(result.checked).toBeGreaterThanOrEqual(10);
  });

  it('every ts/js block has a marker and equals its region of a compiled file', () => {
    expect(result.problems).toEqual([]);
  });

  it('every region of examples/snippets/ is shown in the README', () => {
    const problems: Problem[] = [];
    const dir = join(ROOT, 'examples/snippets');
    const unused: string[] = [];
    for (const name of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const file = `examples/snippets/${name}`;
      for (const region of parseRegions(readRoot(file), file, problems).keys()) {
        if (!result.used.has(`${file}#${region}`)) unused.push(`${file}#${region}`);
      }
    }
    expect(problems).toEqual([]);
    expect(unused).toEqual([]);
  });
});

describe('the snippet checker itself', () => {
  const source = ['const a = 1;', '  // #region r', '  if (a) {', '', '    f();', '  }', '  // #endregion', ''].join('\n');
  const read = (file: string): string => {
    if (file === 'examples/snippets/x.ts') return source;
    throw new Error('no such file');
  };
  const md = (marker: string, lang: string, body: string): string => `# t\n\n${marker}\n\`\`\`${lang}\n${body}\n\`\`\`\n`;

  it('accepts a block equal to the dedented region', () => {
    expect(checkReadme(md('<!-- snippet: examples/snippets/x.ts#r -->', 'ts', 'if (a) {\n\n  f();\n}'), read).problems).toEqual([]);
  });

  it('reports a ts block without a marker, and leaves sh blocks alone', () => {
    const r = checkReadme('```sh\nnpm test\n```\n\n```ts\nf();\n```\n', read);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatch(/^README\.md:5: ```ts block without/);
  });

  it('reports a block that differs from its region (even by indentation)', () => {
    const r = checkReadme(md('<!-- snippet: examples/snippets/x.ts#r -->', 'ts', 'if (a) {\n\n    f();\n}'), read);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatch(/differs from examples\/snippets\/x\.ts#r/);
  });

  it('reports a missing region, an unreadable file and a file outside the compiled set', () => {
    const problems = [
      ...checkReadme(md('<!-- snippet: examples/snippets/x.ts#nope -->', 'ts', 'f();'), read).problems,
      ...checkReadme(md('<!-- snippet: examples/snippets/gone.ts#r -->', 'ts', 'f();'), read).problems,
      ...checkReadme(md('<!-- snippet: packages/manager/src/index.ts#r -->', 'typescript', 'f();'), read).problems,
    ];
    expect(problems.map((p) => p.replace(/^README\.md:\d+: /, ''))).toEqual([
      'examples/snippets/x.ts has no region nope',
      'cannot read examples/snippets/gone.ts',
      'packages/manager/src/index.ts is not a file examples/tsconfig.json compiles',
    ]);
  });

  it('reports nested, duplicate and unclosed regions', () => {
    const problems: Problem[] = [];
    parseRegions('// #region a\n// #region b\n// #endregion\n// #region b\n// #endregion\n// #region c\n', 'f.ts', problems);
    expect(problems).toEqual(['f.ts:2: region b opens inside region a', 'f.ts:4: region b defined twice', 'f.ts: region c is never closed']);
  });
});
