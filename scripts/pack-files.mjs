/**
 * The `files` field of each package, derived from its built declarations: `node scripts/pack-files.mjs`
 * checks (exit 1 and a list of differences when one is off), `--write` rewrites the package.json files.
 *
 * A package ships all of `dist` but the source maps, the build info and the `.d.ts` files no public
 * declaration reaches: starting from the `types` of every `exports` entry, each relative import of a `.d.ts`
 * (`from '...'`, `import('...')`, `import '...'`) is followed; a declaration file not reached describes an
 * internal module only, and is left out (its `.js` ships). Only declarations of a current source file
 * count (a stale file in `dist` changes nothing). So the packed package is complete (every import of a
 * shipped declaration resolves) and carries no declaration a user cannot reach. Needs a build (`tsc -b`).
 */
import { existsSync, readFileSync, readdirSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The packages published to npm. */
export const PACKAGES = ['codec', 'transport', 'client', 'testkit', 'manager'];
/**
 * A relative module specifier in JavaScript or a declaration file (`from '...'`, `import('...')`,
 * `import '...'`): group 2 is the specifier. Global: use with `matchAll`.
 */
export const RELATIVE_IMPORTS = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"]+)\1/g;

/**
 * Every file under `dir` whose name ends with `suffix`, absolute.
 * @param {string} dir
 * @param {string} suffix
 * @returns {string[]}
 */
export function filesUnder(dir, suffix) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path, suffix));
    else if (name.endsWith(suffix)) out.push(path);
  }
  return out;
}

/**
 * The declaration files of package `name` that its public declarations reach, and the import problems met
 * on the way (an import of a declaration file that does not exist).
 * @param {string} name - folder name under packages/
 */
export function reachableDeclarations(name) {
  const dir = join(root, 'packages', name);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const seen = new Set();
  const problems = [];
  const stack = Object.values(pkg.exports).map((entry) => resolve(dir, entry.types));
  while (stack.length > 0) {
    const file = stack.pop();
    if (seen.has(file)) continue;
    if (!existsSync(file)) {
      problems.push(`${relative(dir, file)} is imported but missing (build first: tsc -b)`);
      continue;
    }
    seen.add(file);
    for (const m of readFileSync(file, 'utf8').matchAll(RELATIVE_IMPORTS)) {
      stack.push(resolve(dirname(file), m[2].replace(/\.js$/, '.d.ts')));
    }
  }
  return { dir, reached: seen, problems };
}

/**
 * The relative imports of the `.js` and `.d.ts` files under `dir` (an installed or packed package) that do not
 * resolve to a file (`x.js` -> `x.d.ts` in declarations), as `<file relative to dir> imports <specifier>`.
 * @param {string} dir
 * @returns {string[]}
 */
export function unresolvedImports(dir) {
  const missing = [];
  for (const file of filesUnder(dir, '.js').concat(filesUnder(dir, '.d.ts')).sort()) {
    const dts = file.endsWith('.d.ts');
    for (const m of readFileSync(file, 'utf8').matchAll(RELATIVE_IMPORTS)) {
      if (!existsSync(join(dirname(file), dts ? m[2].replace(/\.js$/, '.d.ts') : m[2]))) missing.push(`${relative(dir, file)} imports ${m[2]}`);
    }
  }
  return missing;
}

/**
 * The `files` field package `name` should have.
 * @param {string} name - folder name under packages/
 * @returns {{ files: string[], problems: string[] }}
 */
export function expectedFiles(name) {
  const { dir, reached, problems } = reachableDeclarations(name);
  const internal = filesUnder(join(dir, 'dist'), '.d.ts')
    .filter((f) => !reached.has(f) && existsSync(join(dir, 'src', relative(join(dir, 'dist'), f)).replace(/\.d\.ts$/, '.ts')))
    .map((f) => `!${relative(dir, f)}`)
    .sort();
  return { files: ['dist', '!dist/**/*.map', '!dist/tsconfig.tsbuildinfo', ...internal], problems };
}

if (realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const write = process.argv.includes('--write');
  let bad = 0;
  for (const name of PACKAGES) {
    const path = join(root, 'packages', name, 'package.json');
    const pkg = JSON.parse(readFileSync(path, 'utf8'));
    const { files, problems } = expectedFiles(name);
    for (const p of problems) console.error(`${name}: ${p}`);
    bad += problems.length;
    if (JSON.stringify(pkg.files) === JSON.stringify(files)) continue;
    if (write) {
      pkg.files = files;
      writeFileSync(path, `${JSON.stringify(pkg, null, 2)}\n`);
      console.log(`${name}: files rewritten (${files.length - 3} internal declaration files left out)`);
    } else {
      bad++;
      console.error(`${name}: files should be ${JSON.stringify(files)} (npm run pack-files -- --write)`);
    }
  }
  process.exit(bad > 0 ? 1 : 0);
}
