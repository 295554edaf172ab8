/**
 * `mqttx run` on a real terminal: the built CLI runs in a detached tmux pane (private tmux server, 160x40)
 * against the testkit broker while the test publishes steadily; the pane is read back with `capture-pane`.
 * Checks the live status table (every session connected, non-zero msg/s in and out, the columns sessions,
 * state, in/s, out/s, forwarded, dropped, errors), that it is redrawn in place (one table in the whole pane
 * history after several redraws, not one per tick), and that Ctrl-C (`send-keys C-c`, SIGINT from the
 * terminal) ends it gracefully with exit code 0. Skipped loudly without tmux, failing under CI=true.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { describeWithBinary } from '../../../test/helpers/process.js';
import { BIN, ensureCliBuilt } from './cli-helpers/build.js';
import { tempDir, useBrokers } from './cli-helpers/fixtures.js';
import { pollUntil, tmuxServer, type TmuxServer } from './cli-helpers/tmux.js';

const dir = tempDir('cli-tty');

/** One session row of the table: name, state, in/s, out/s. */
interface Row {
  state: string;
  in: number;
  out: number;
}

const SESSIONS = ['sensor-a', 'sensor-b', 'archive'] as const;

/** The session rows found on `screen`, by name. */
function sessionRows(screen: string): Map<string, Row> {
  const rows = new Map<string, Row>();
  for (const line of screen.split('\n')) {
    const m = /^(\S+)\s+(connected|connecting|reconnecting|disconnected|closed)\s+([\d.]+)\s+([\d.]+)\s+/.exec(line);
    if (m !== null) rows.set(m[1]!, { state: m[2]!, in: Number(m[3]), out: Number(m[4]) });
  }
  return rows;
}

const HEADER = /^SESSION\s+STATE\s+IN\/S\s+OUT\/S\s+RECEIVED\s+SENT\s+ERRORS\s+RECONN\s*$/m;
const FORWARDER_HEADER = /^FORWARDER\s+STATE\s+FWD\/S\s+FORWARDED\s+DROPPED\s+FAILED\s+BUFFERED\s+P99 MS\s*$/m;
const TOTALS = /^total: in ([\d.]+)\/s · out ([\d.]+)\/s · forwarded (\d[\d,]*) · dropped (\d+) · errors (\d+)\s*$/m;
const TITLE = /^mqttx run · (\d+)\/(\d+) sessions connected · up (\S+) · /m;

function count(text: string, pattern: RegExp): number {
  return text.split('\n').filter((line) => pattern.test(line)).length;
}

describeWithBinary('tmux', 'tmux', 'mqttx run on a terminal (tmux pane)', () => {
  beforeAll(ensureCliBuilt, 180_000);

  // Registered first, so it runs last: the tmux server is killed before the broker closes.
  const brokers = useBrokers();
  let server: TmuxServer | undefined;
  afterEach(async () => {
    await server?.kill();
    server = undefined;
  });

  it('shows the live table redrawn in place, every session connected with traffic; Ctrl-C -> exit 0', async () => {
    const b = await brokers.start();
    const config = join(dir, 'tty.yaml');
    writeFileSync(
      config,
      [
        'sessions:',
        ...SESSIONS.map((name) => `  - { name: ${name}, clientId: tty-${name}-${process.pid}, brokers: '${b.url}' }`),
        'forwarders:',
        '  - name: to-archive',
        '    sourceSessions: [sensor-a, sensor-b]',
        "    sourceTopics: ['sensors/+/temperature']",
        '    targetSession: archive',
        "    topicMapping: { 'sensors/+/temperature': 'archive/{1}/temp' }",
        '    qos: 1',
        'status: { intervalMs: 200 }',
        '',
      ].join('\n'),
    );
    const codeFile = join(dir, 'exit-code');
    const tmux = (server = tmuxServer(dir));
    // The shell writes the CLI's exit code; `trap : INT` keeps it alive through Ctrl-C (the CLI gets the
    // default SIGINT disposition back at exec, and handles it itself).
    await tmux.start('run', ['sh', '-c', 'trap : INT; "$0" "$1" run "$2"; echo $? > "$3"', process.execPath, BIN, config, codeFile]);

    // Steady traffic: both sensor sessions receive every message, the forwarder publishes each one on archive.
    brokers.publishSteadily(20, (n) => b.publish(`sensors/${n % 5}/temperature`, String(20 + (n % 10)), { qos: 1 }));

    const titles = new Set<string>();
    const screen = await pollUntil(
      async () => {
        const s = await tmux.screen('run');
        const title = TITLE.exec(s);
        if (title !== null) titles.add(title[3]!);
        const rows = sessionRows(s);
        const totals = TOTALS.exec(s);
        const ready =
          SESSIONS.every((name) => rows.get(name)?.state === 'connected') &&
          rows.get('sensor-a')!.in > 0 &&
          rows.get('sensor-b')!.in > 0 &&
          rows.get('archive')!.out > 0 &&
          totals !== null &&
          Number(totals[1]) > 0 &&
          Number(totals[2]) > 0 &&
          // Several redraws seen (the uptime changed at least twice), so "drawn once" below means in place.
          titles.size >= 3;
        return ready ? s : undefined;
      },
      { timeoutMs: 10_000, what: 'the live table with every session connected and traffic both ways', describe: () => tmux.history('run') },
    );

    // The columns the status promises: sessions, state, msg/s in and out, forwarded, dropped, errors.
    expect(screen).toMatch(HEADER);
    expect(screen).toMatch(FORWARDER_HEADER);
    expect(screen).toMatch(/^to-archive\s+running\s+[\d.]+\s+\d[\d,]*\s+0\s+0\s+/m);
    const title = TITLE.exec(screen)!;
    expect([title[1], title[2]]).toEqual(['3', '3']);
    const totals = TOTALS.exec(screen)!;
    expect(Number(totals[3]!.replace(/,/g, ''))).toBeGreaterThan(0); // forwarded
    expect([totals[4], totals[5]]).toEqual(['0', '0']); // dropped, errors
    expect(sessionRows(screen).size).toBe(3);

    // Redrawn in place: after several ticks the whole pane history (scrolled-off lines included) holds one
    // table, not one per tick.
    const history = await tmux.history('run');
    expect(count(history, TITLE)).toBe(1);
    expect(count(history, HEADER)).toBe(1);
    expect(count(history, TOTALS)).toBe(1);
    for (const name of SESSIONS) expect(count(history, new RegExp(`^${name}\\s+connected\\s`))).toBe(1);

    // Ctrl-C from the terminal: graceful end, exit code 0.
    await tmux.tmux('send-keys', '-t', 'run', 'C-c');
    const code = await pollUntil(
      () => {
        try {
          const text = readFileSync(codeFile, 'utf8');
          return text.endsWith('\n') ? text.trim() : undefined;
        } catch {
          return undefined; // not written yet
        }
      },
      { timeoutMs: 10_000, what: 'the exit code file', describe: () => tmux.history('run') },
    );
    expect(code).toBe('0');
    const last = await tmux.history('run');
    expect(last).toMatch(/^stopped: every session disconnected\s*$/m);
    // The final frame stays on screen, still a single table.
    expect(count(last, HEADER)).toBe(1);
    // Nothing went to the terminal as an error line (stderr shares the pane).
    expect(last).not.toMatch(/^\S+Z error |^mqttx: /m);
  }, 20_000);
});
