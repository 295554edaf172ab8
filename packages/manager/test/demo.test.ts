/**
 * `npm start` (node scripts/start.mjs) as a child process on the built package: it finishes by itself after
 * `--duration` with a non-empty summary (exit 0), stops early and still summarises on SIGTERM, refuses a
 * bad flag with exit 2, and runs the same against a real broker with `--broker` (a private Mosquitto).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { describeMosquitto, startMosquitto, type MosquittoInstance } from '../../../test/helpers/mosquitto.js';
import { ROOT, ensureCliBuilt } from './cli-helpers/build.js';

beforeAll(ensureCliBuilt, 180_000);

const running = new Set<ChildProcess>();
afterEach(() => {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
});

interface Demo {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  /** Resolves once stdout matches `pattern`. */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
  exit: Promise<number | null>;
}

function startDemo(args: string[], nodeArgs: string[] = []): Demo {
  const child = spawn(process.execPath, [...nodeArgs, join(ROOT, 'scripts/start.mjs'), ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
  const exit = new Promise<number | null>((resolve) =>
    child.once('close', (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  const waitFor = (pattern: RegExp): Promise<RegExpMatchArray> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const m = pattern.exec(out);
        if (m !== null) {
          child.stdout!.off('data', check);
          resolve(m);
        }
      };
      child.stdout!.on('data', check);
      void exit.then(() => reject(new Error(`demo ended before ${pattern}; stdout: ${out} stderr: ${err}`)));
      check();
    });
  return { child, out: () => out, err: () => err, waitFor, exit: withDiagnostics(exit, () => out, () => err) };
}

/**
 * A hang detector, not a timing assertion: if the demo has not exited after `ms`, fail with what it printed so
 * far (a bare vitest timeout would say nothing about where it stood).
 */
function withDiagnostics(exit: Promise<number | null>, out: () => string, err: () => string, ms = 40_000): Promise<number | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`demo still running after ${ms} ms; stdout:\n${out()}\nstderr:\n${err()}`)), ms);
  });
  return Promise.race([exit, hung]).finally(() => clearTimeout(timer));
}

/** The number on the summary row `name`. */
function row(text: string, name: string): number {
  const m = new RegExp(`^  ${name} +([\\d,]+)`, 'm').exec(text);
  expect(m, `summary row ${name}`).not.toBeNull();
  return Number(m![1]!.replace(/,/g, ''));
}

describe('npm start (scripts/start.mjs)', () => {
  it('--duration 2 finishes by itself with a non-empty summary; exit 0', async () => {
    const demo = startDemo(['--duration', '2']);
    const [, url] = await demo.waitFor(/^metrics on (http:\/\/127\.0\.0\.1:\d+\/metrics)$/m);
    // /metrics answers while the demo runs.
    const res = await fetch(url!);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('mqtt_forwarder_forwarded_total{forwarder="sensors-to-storage"}');
    expect(await demo.exit).toBe(0);
    const out = demo.out();
    expect(demo.err()).toBe('');
    // Plain status lines: stdout is a pipe.
    expect(out).toMatch(/^\S+Z status sessions=3 connected=3 /m);
    expect(out).toMatch(/^summary \(\d+\.\d s\)$/m);
    const published = row(out, 'published by sensors');
    const forwarded = row(out, 'forwarded to storage');
    const received = row(out, 'received by storage');
    expect(published).toBeGreaterThan(0);
    // Every reading published and acknowledged went through the forwarder to storage (the end waits for it).
    expect(forwarded).toBe(published);
    expect(received).toBe(forwarded);
    expect(row(out, 'dropped')).toBe(0);
    expect(row(out, 'errors')).toBe(0);
    // The metadata reached storage as MQTT 5 user properties, under the mapped topic.
    expect(out).toMatch(/^ {2}sample +storage\/[12]\/temp \{.*\} \[pipeline=mqttx-demo unit=celsius mqttx-hops=1\]$/m);
  }, 60_000);

  it('finishes by itself while the garbage collector runs every few milliseconds (its duration timer survives GC)', async () => {
    // A preload that collects garbage every 10 ms: a duration signal held only weakly (AbortSignal.any over
    // AbortSignal.timeout, Node 20) was collected and the demo ran until killed.
    const gcLoop = `data:text/javascript,${encodeURIComponent('setInterval(() => globalThis.gc(), 10).unref();')}`;
    const demo = startDemo(['--duration', '1'], ['--expose-gc', '--import', gcLoop]);
    expect(await demo.exit).toBe(0);
    expect(demo.out()).toMatch(/^summary \(\d+\.\d s\)$/m);
  }, 60_000);

  it('SIGTERM ends it early, still with the summary; exit 0', async () => {
    const demo = startDemo(['--duration', '60']);
    await demo.waitFor(/^\S+Z status sessions=3 connected=3 /m);
    demo.child.kill('SIGTERM');
    expect(await demo.exit).toBe(0);
    expect(demo.out()).toMatch(/^summary \(\d+\.\d s, stopped by signal\)$/m);
  }, 60_000);

  it('a bad flag: exit 2 with the usage', async () => {
    const demo = startDemo(['--duration', 'soon']);
    expect(await demo.exit).toBe(2);
    expect(demo.err()).toContain('Usage: npm start');
  }, 60_000);
});

describeMosquitto('npm start -- --broker (a real Mosquitto)', () => {
  let mosquitto: MosquittoInstance | undefined;
  beforeAll(async () => {
    mosquitto = await startMosquitto();
  });
  it('the same demo against --broker: sessions connect there, everything published is forwarded and received', async () => {
    try {
      const demo = startDemo(['--broker', mosquitto!.url, '--duration', '2']);
      expect(await demo.exit).toBe(0);
      const out = demo.out();
      expect(demo.err()).toBe('');
      expect(out).toMatch(/^\S+Z status sessions=3 connected=3 /m);
      // No embedded broker was started: the sessions used the one given.
      expect(out).not.toMatch(/embedded/);
      expect(out).toContain(mosquitto!.url);
      const published = row(out, 'published by sensors');
      expect(published).toBeGreaterThan(0);
      expect(row(out, 'forwarded to storage')).toBe(published);
      expect(row(out, 'received by storage')).toBe(published);
      expect(row(out, 'errors')).toBe(0);
      // Mosquitto saw the demo's clients connect.
      expect(mosquitto!.log()).toMatch(/New client connected/);
    } finally {
      await mosquitto?.stop();
    }
  }, 60_000);
});
