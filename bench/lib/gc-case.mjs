/**
 * Runs one memory-measuring case of a benchmark in its own process: `node --expose-gc <script> '<spec json>'`
 * under `sh -c 'ulimit -n ...'` (as high as allowed: `nofile`, else the hard limit), and resolves with the
 * JSON object the script prints as its last stdout line. The process is killed after `timeoutMs`.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { root } from './build.mjs';

/** `ulimit -n` as high as allowed: `want`, else the hard limit. */
const ulimit = (want) => `ulimit -n ${want} 2>/dev/null || ulimit -n "$(ulimit -Hn)"`;

/**
 * @param {string} script - path of the case script, relative to the repository root
 * @param {object} spec - passed to the script as its JSON argument
 * @param {{ nofile: number, timeoutMs: number, label: string }} options
 * @returns {Promise<any>} the script's last stdout line, parsed
 */
export function runGcCase(script, spec, { nofile, timeoutMs, label }) {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', `${ulimit(nofile)}; exec "$0" --expose-gc "$1" "$2"`, process.execPath, join(root, script), JSON.stringify(spec)], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (err = (err + b).slice(-8192)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`${label} failed (exit ${code ?? signal}):\n${err}`));
      resolve(JSON.parse(out.trim().split('\n').pop()));
    });
  });
}
