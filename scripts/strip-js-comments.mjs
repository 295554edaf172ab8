/**
 * Removes the comments from the emitted JavaScript of a package. Each package's `prepack` runs
 * `node scripts/strip-js-comments.mjs --pack dist` and its `postpack` `... --unpack dist`: the tarball gets
 * comment-free JavaScript while the workspace's `dist` is put back as `tsc` wrote it (the originals wait in
 * `.prepack-originals/` beside `dist`, outside the packed `files`, and come back with their modification
 * times). `node scripts/strip-js-comments.mjs DIR...` strips in place and keeps nothing.
 *
 * Why: the TSDoc of every export stays in the `.d.ts` files (where editors read it), so the copy `tsc` leaves
 * in the `.js` files only makes the installed package larger (about 190 KB of the client stack's 1 MB budget).
 *
 * Line structure is kept: a comment is replaced by the line breaks it contained (or one space when it had
 * none, so no two tokens run together), and trailing blanks are trimmed; line numbers in stack traces stay
 * those of the workspace build. Comments are found by the TypeScript parser (every token's leading and
 * trailing trivia), so `//` inside strings, templates and regular expressions is never taken for one. Kept:
 * the `#!` line and comments starting `/*!` or holding `@license`. The `//# sourceMappingURL=` line goes too:
 * the packages do not ship their source maps (nor the sources they point to), and a dangling reference makes
 * tools such as Vite warn on every import.
 *
 * Each file is checked before anything is written: its code printed without comments must be the same before
 * and after, else the script fails (exit 1) and writes nothing. Idempotent; prints nothing unless it fails
 * (npm pack --json reads the same stdout).
 */
import { cpSync, existsSync, readFileSync, realpathSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { filesUnder } from './pack-files.mjs';

const ts = createRequire(import.meta.url)('typescript');
const printer = ts.createPrinter({ removeComments: true });

/** The code of `text` printed by TypeScript without comments (the equivalence check). */
function canonical(text) {
  return printer.printFile(ts.createSourceFile('x.js', text, ts.ScriptTarget.Latest, false, ts.ScriptKind.JS));
}

/** Whether a comment must stay. */
function kept(comment) {
  return comment.startsWith('/*!') || comment.includes('@license');
}

/**
 * `text` without its comments, lines kept.
 * @param {string} text - a JavaScript module
 * @returns {string}
 */
export function stripComments(text) {
  const sf = ts.createSourceFile('x.js', text, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const ranges = new Map();
  const collect = (pos) => {
    for (const r of ts.getLeadingCommentRanges(text, pos) ?? []) ranges.set(r.pos, r.end);
    for (const r of ts.getTrailingCommentRanges(text, pos) ?? []) ranges.set(r.pos, r.end);
  };
  const visit = (node) => {
    collect(node.pos);
    for (const child of node.getChildren(sf)) visit(child);
    collect(node.end);
  };
  visit(sf);
  let out = '';
  let at = 0;
  for (const [start, end] of [...ranges].sort((a, b) => a[0] - b[0])) {
    if (start < at) continue;
    const comment = text.slice(start, end);
    if (kept(comment)) continue;
    const breaks = comment.split('\n').length - 1;
    out += text.slice(at, start) + (breaks > 0 ? '\n'.repeat(breaks) : ' ');
    at = end;
  }
  out += text.slice(at);
  return out.replace(/[ \t]+$/gm, '');
}

/** Where `--pack` keeps the originals of `dir`'s changed files. */
function originalsOf(dir) {
  return join(dirname(dir), '.prepack-originals');
}

/**
 * Strips every `.js` file under `dirs`; with `keep`, first copies each file it changes (modification time
 * included) to the same relative path under `keep`.
 */
function stripAll(dirs, keep) {
  const changes = [];
  for (const dir of dirs) {
    for (const file of filesUnder(dir, '.js')) {
      const text = readFileSync(file, 'utf8');
      const stripped = stripComments(text);
      if (stripped === text) continue;
      if (canonical(stripped) !== canonical(text)) {
        process.stderr.write(`strip-js-comments: ${file}: the code would change; nothing written\n`);
        process.exit(1);
      }
      changes.push([dir, file, stripped]);
    }
  }
  for (const [dir, file, stripped] of changes) {
    if (keep !== undefined) cpSync(file, join(keep, relative(dir, file)), { preserveTimestamps: true });
    writeFileSync(file, stripped);
  }
}

/** Puts the originals kept by `--pack` back into `dir` (modification times included) and removes them. */
function restore(dir) {
  const kept = originalsOf(dir);
  if (!existsSync(kept)) return;
  for (const file of filesUnder(kept, '.js')) {
    const target = join(dir, relative(kept, file));
    const { atime, mtime } = statSync(file);
    writeFileSync(target, readFileSync(file));
    utimesSync(target, atime, mtime);
  }
  rmSync(kept, { recursive: true, force: true });
}

if (realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [mode, ...rest] = process.argv.slice(2);
  if (mode === '--pack' && rest.length === 1) {
    restore(rest[0]); // a pack that failed before its postpack left originals: they are the build's
    stripAll(rest, originalsOf(rest[0]));
  } else if (mode === '--unpack' && rest.length === 1) {
    restore(rest[0]);
  } else if (mode !== undefined && !mode.startsWith('--')) {
    stripAll([mode, ...rest], undefined);
  } else {
    process.stderr.write('usage: node scripts/strip-js-comments.mjs (--pack DIR | --unpack DIR | DIR...)\n');
    process.exit(2);
  }
}
