/**
 * The live status of `mqttx run`, rendered from the manager's {@link MetricsSnapshot}: a table for a
 * terminal (fixed-width columns, redrawn in place) and one plain log line per interval otherwise. Incoming
 * and outgoing rates come from the counters' change since the previous snapshot (or their average since
 * start for the first one). Pure functions.
 * @module
 */
import type { ForwarderMetricsSnapshot, MetricsSnapshot, SessionMetricsSnapshot, SessionStatus } from '../../metrics/types.js';
import { cell, formatCount, formatDuration, formatMs, formatRate, paint, type Color } from './format.js';

/** Messages per second in each direction for one session. */
export interface DirectionRates {
  /** Messages received per second. */
  in: number;
  /** Messages sent per second. */
  out: number;
}

/**
 * Per-second rate of a counter between two snapshots taken `dtMs` apart; when there is no previous value
 * (or no time passed), the average since `startedAt`.
 */
export function counterRate(now: number, before: number | undefined, dtMs: number, timestamp: number, startedAt: number): number {
  if (before !== undefined && dtMs > 0) return Math.max(0, ((now - before) * 1000) / dtMs);
  return now / Math.max(1, (timestamp - startedAt) / 1000);
}

/** In and out rates of `session` between `previous` and `snapshot`. */
export function sessionRates(session: SessionMetricsSnapshot, snapshot: MetricsSnapshot, previous: MetricsSnapshot | undefined): DirectionRates {
  const before = previous?.sessions.find((s) => s.name === session.name);
  const dt = previous === undefined ? 0 : snapshot.timestamp - previous.timestamp;
  return {
    in: counterRate(session.messagesReceived, before?.messagesReceived, dt, snapshot.timestamp, session.startedAt),
    out: counterRate(session.messagesSent, before?.messagesSent, dt, snapshot.timestamp, session.startedAt),
  };
}

/** Forwarded messages per second of `forwarder` between `previous` and `snapshot`. */
export function forwarderRate(forwarder: ForwarderMetricsSnapshot, snapshot: MetricsSnapshot, previous: MetricsSnapshot | undefined): number {
  const before = previous?.forwarders.find((f) => f.name === forwarder.name);
  const dt = previous === undefined ? 0 : snapshot.timestamp - previous.timestamp;
  return counterRate(forwarder.forwarded, before?.forwarded, dt, snapshot.timestamp, forwarder.startedAt);
}

/** Totals of a snapshot as the status shows them. */
export interface StatusTotals {
  /** Sessions present. */
  sessions: number;
  /** Sessions whose state is `connected`. */
  connected: number;
  /** Messages received per second, all sessions. */
  in: number;
  /** Messages sent per second, all sessions. */
  out: number;
  /** Messages received, all sessions. */
  received: number;
  /** Messages sent, all sessions. */
  sent: number;
  /** Messages forwarded, all forwarders. */
  forwarded: number;
  /** Messages dropped, all forwarders. */
  dropped: number;
  /** The manager's error count. */
  errors: number;
}

/** Sums the rates and counters of a snapshot (dropped and forwarded over forwarders). */
export function statusTotals(snapshot: MetricsSnapshot, previous: MetricsSnapshot | undefined): StatusTotals {
  const t: StatusTotals = { sessions: 0, connected: 0, in: 0, out: 0, received: 0, sent: 0, forwarded: 0, dropped: 0, errors: 0 };
  for (const s of snapshot.sessions) {
    const r = sessionRates(s, snapshot, previous);
    t.sessions++;
    if (s.status === 'connected') t.connected++;
    t.in += r.in;
    t.out += r.out;
    t.received += s.messagesReceived;
    t.sent += s.messagesSent;
  }
  for (const f of snapshot.forwarders) {
    t.forwarded += f.forwarded;
    t.dropped += f.dropped;
  }
  t.errors = snapshot.manager.errors;
  return t;
}

const STATE_COLORS: Readonly<Record<SessionStatus, Color>> = {
  connected: 'green',
  connecting: 'yellow',
  reconnecting: 'yellow',
  disconnected: 'red',
  closed: 'dim',
};

/** Options of {@link renderStatusTable}. */
export interface StatusTableOptions {
  /** ANSI colours. */
  color: boolean;
  /** Title of the first line. Default `mqttx run`. */
  title?: string;
}

/** Longest name column. */
const MAX_NAME = 24;

function nameWidth(names: readonly string[], header: string): number {
  return Math.min(MAX_NAME, Math.max(header.length, ...names.map((n) => n.length)));
}

/**
 * The status table for a terminal, as lines (no trailing line feeds): a title with uptime and totals, one
 * row per session (state, in/s, out/s, received, sent, errors, reconnects), one row per forwarder
 * (state, forwarded/s, forwarded, dropped, failed, buffered, p99 latency), and a totals row.
 */
export function renderStatusTable(snapshot: MetricsSnapshot, previous: MetricsSnapshot | undefined, options: StatusTableOptions): string[] {
  const c = options.color;
  const totals = statusTotals(snapshot, previous);
  const uptime = formatDuration(snapshot.timestamp - snapshot.manager.startedAt);
  const clock = new Date(snapshot.timestamp).toISOString().slice(11, 19);
  const lines: string[] = [
    paint(`${options.title ?? 'mqttx run'} · ${totals.connected}/${totals.sessions} sessions connected · up ${uptime} · ${clock} UTC`, 'bold', c),
    '',
  ];

  const sw = nameWidth(snapshot.sessions.map((s) => s.name), 'SESSION');
  lines.push(
    paint(
      `${cell('SESSION', sw)}  ${cell('STATE', 12)} ${cell('IN/S', 9, 'right')} ${cell('OUT/S', 9, 'right')} ${cell('RECEIVED', 9, 'right')} ${cell('SENT', 9, 'right')} ${cell('ERRORS', 7, 'right')} ${cell('RECONN', 7, 'right')}`,
      'dim',
      c,
    ),
  );
  for (const s of snapshot.sessions) {
    const r = sessionRates(s, snapshot, previous);
    const state = paint(cell(s.status, 12), STATE_COLORS[s.status], c);
    const errors = cell(formatCount(s.errors), 7, 'right');
    lines.push(
      `${cell(s.name, sw)}  ${state} ${cell(formatRate(r.in), 9, 'right')} ${cell(formatRate(r.out), 9, 'right')} ${cell(formatCount(s.messagesReceived), 9, 'right')} ${cell(formatCount(s.messagesSent), 9, 'right')} ${s.errors > 0 ? paint(errors, 'red', c) : errors} ${cell(formatCount(s.reconnects), 7, 'right')}`,
    );
  }

  if (snapshot.forwarders.length > 0) {
    const fw = nameWidth(snapshot.forwarders.map((f) => f.name), 'FORWARDER');
    lines.push(
      '',
      paint(
        `${cell('FORWARDER', fw)}  ${cell('STATE', 8)} ${cell('FWD/S', 9, 'right')} ${cell('FORWARDED', 10, 'right')} ${cell('DROPPED', 8, 'right')} ${cell('FAILED', 7, 'right')} ${cell('BUFFERED', 8, 'right')} ${cell('P99 MS', 8, 'right')}`,
        'dim',
        c,
      ),
    );
    for (const f of snapshot.forwarders) {
      const state = paint(cell(f.running ? 'running' : 'stopped', 8), f.running ? 'green' : 'dim', c);
      const dropped = cell(formatCount(f.dropped), 8, 'right');
      const failed = cell(formatCount(f.failed), 7, 'right');
      lines.push(
        `${cell(f.name, fw)}  ${state} ${cell(formatRate(forwarderRate(f, snapshot, previous)), 9, 'right')} ${cell(formatCount(f.forwarded), 10, 'right')} ${f.dropped > 0 ? paint(dropped, 'yellow', c) : dropped} ${f.failed > 0 ? paint(failed, 'red', c) : failed} ${cell(formatCount(f.buffered), 8, 'right')} ${cell(f.latency.count === 0 ? '-' : formatMs(f.latency.p99Ms), 8, 'right')}`,
      );
    }
  }

  lines.push(
    '',
    `total: in ${formatRate(totals.in)}/s · out ${formatRate(totals.out)}/s · forwarded ${formatCount(totals.forwarded)} · dropped ${formatCount(totals.dropped)} · errors ${formatCount(totals.errors)}`,
  );
  return lines;
}

/** Most names of sessions not connected listed on a log line. */
const MAX_DOWN_NAMES = 5;

/**
 * One plain log line for a non-terminal output:
 * `2026-01-02T03:04:05.000Z status sessions=3 connected=2 in=12.0/s out=4.0/s received=120 sent=40
 * forwarded=40 dropped=0 errors=1 down=edge-2`. Names with spaces or quotes are JSON-quoted.
 */
export function renderStatusLine(snapshot: MetricsSnapshot, previous: MetricsSnapshot | undefined): string {
  const t = statusTotals(snapshot, previous);
  let line =
    `${new Date(snapshot.timestamp).toISOString()} status sessions=${t.sessions} connected=${t.connected}` +
    ` in=${t.in.toFixed(1)}/s out=${t.out.toFixed(1)}/s received=${t.received} sent=${t.sent}` +
    ` forwarded=${t.forwarded} dropped=${t.dropped} errors=${t.errors}`;
  const down = snapshot.sessions.filter((s) => s.status !== 'connected').map((s) => (/^[\x21-\x7e]+$/.test(s.name) && !s.name.includes(',') ? s.name : JSON.stringify(s.name)));
  if (down.length > 0) {
    const shown = down.slice(0, MAX_DOWN_NAMES).join(',');
    line += ` down=${shown}${down.length > MAX_DOWN_NAMES ? `,+${down.length - MAX_DOWN_NAMES}` : ''}`;
  }
  return line;
}
