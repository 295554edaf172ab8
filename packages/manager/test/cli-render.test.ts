/**
 * Pure rendering of the CLI: the live status table (terminal) and log line (otherwise) from fixed metrics
 * snapshots, the in-place redraw, the bench summary / histogram / progress bar / JSON, the broker's packet
 * log, and `sub` output lines.
 */
import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from 'mqttx';
import {
  benchSummaryJson,
  errorCount,
  renderBenchSummary,
  renderHistogram,
  renderProgress,
  type BenchSummary,
} from '../src/cli/render/bench.js';
import { cell, formatCount, formatDuration, formatMs, formatRate, paint, redraw, stripAnsi } from '../src/cli/render/format.js';
import { LiveStatus, type IntervalScheduler } from '../src/cli/render/live.js';
import { formatMessage, messageToJson } from '../src/cli/render/message.js';
import { formatPacketRecord, packetFields } from '../src/cli/render/packet-log.js';
import { counterRate, renderStatusLine, renderStatusTable, sessionRates, statusTotals } from '../src/cli/render/status.js';
import { Collector } from './cli-helpers/fake-io.js';
import { AFTER, BEFORE, T0, session, snapshot } from './cli-helpers/snapshots.js';

describe('status table', () => {
  it('renders sessions, forwarders and totals from two snapshots (rates from the counters between them)', () => {
    expect(renderStatusTable(AFTER, BEFORE, { color: false })).toEqual([
      'mqttx run · 2/3 sessions connected · up 1m02s · 03:01:02 UTC',
      '',
      'SESSION                   STATE             IN/S     OUT/S  RECEIVED      SENT  ERRORS  RECONN',
      'sensor-1                  connected          0.0      10.0       100       620       0       0',
      'sensor-2                  reconnecting       0.0       0.0         0       300       0       0',
      'storage-with-a-very-lon…  connected         15.0       0.0       930         0       1       0',
      '',
      'FORWARDER     STATE        FWD/S  FORWARDED  DROPPED  FAILED BUFFERED   P99 MS',
      'temperatures  running        2.5        805        2       0        3     4.50',
      '',
      'total: in 15.0/s · out 10.0/s · forwarded 805 · dropped 2 · errors 1',
    ]);
  });

  it('every row of a section has the same width, colours or not', () => {
    for (const color of [false, true]) {
      const lines = renderStatusTable(AFTER, BEFORE, { color }).map(stripAnsi);
      const sessionRows = lines.slice(2, 6);
      expect(new Set(sessionRows.map((l) => l.length)).size).toBe(1);
      const forwarderRows = lines.slice(7, 9);
      expect(new Set(forwarderRows.map((l) => l.length)).size).toBe(1);
    }
  });

  it('colours the state when asked, and only then', () => {
    const plain = renderStatusTable(AFTER, BEFORE, { color: false });
    expect(plain.join('\n')).not.toContain('\x1b[');
    const colored = renderStatusTable(AFTER, BEFORE, { color: true });
    expect(colored[3]).toContain(paint('connected   ', 'green', true));
    expect(colored[4]).toContain(paint('reconnecting', 'yellow', true));
    expect(colored[5]).toContain(paint('      1', 'red', true)); // errors
    expect(colored.map(stripAnsi)).toEqual(plain);
  });

  it('without a previous snapshot, rates are averages since the start', () => {
    const rates = sessionRates(BEFORE.sessions[0]!, BEFORE, undefined);
    expect(rates.in).toBeCloseTo(100 / 60);
    expect(rates.out).toBeCloseTo(600 / 60);
    expect(counterRate(50, undefined, 0, T0 + 500, T0)).toBe(50); // younger than 1 s: divided by 1 s
    expect(counterRate(10, 20, 1000, T0, T0)).toBe(0); // a counter never shows a negative rate
  });

  it('a session new since the previous snapshot gets its average rate', () => {
    const now = snapshot(62_000, [...AFTER.sessions, session('late', 'connecting', 0, 31)], AFTER.forwarders);
    expect(sessionRates(now.sessions[3]!, now, BEFORE).out).toBeCloseTo(31 / 62);
  });

  it('totals count connected sessions, rates, forwarded and dropped', () => {
    expect(statusTotals(AFTER, BEFORE)).toEqual({
      sessions: 3,
      connected: 2,
      in: 15,
      out: 10,
      received: 1030,
      sent: 920,
      forwarded: 805,
      dropped: 2,
      errors: 1,
    });
  });

  it('no forwarder section when there is none', () => {
    const lines = renderStatusTable(snapshot(1000, [session('a', 'connected', 1, 1)], []), undefined, { color: false, title: 'demo' });
    expect(lines[0]).toBe('demo · 1/1 sessions connected · up 1.0s · 03:00:01 UTC');
    expect(lines.some((l) => l.startsWith('FORWARDER'))).toBe(false);
  });
});

describe('status log line', () => {
  it('one line with totals and the sessions that are down', () => {
    expect(renderStatusLine(AFTER, BEFORE)).toBe(
      '2026-01-02T03:01:02.000Z status sessions=3 connected=2 in=15.0/s out=10.0/s received=1030 sent=920 forwarded=805 dropped=2 errors=1 down=sensor-2',
    );
  });

  it('lists at most five down sessions and quotes odd names', () => {
    const down = Array.from({ length: 7 }, (_, i) => session(i === 0 ? 'a b' : `s${i}`, 'disconnected', 0, 0));
    const line = renderStatusLine(snapshot(1000, down, []), undefined);
    expect(line.endsWith(' down="a b",s1,s2,s3,s4,+2')).toBe(true);
    expect(line).not.toContain('\n');
  });
});

describe('terminal redraw', () => {
  it('moves up over the previous block, rewrites each line, clears the rest', () => {
    expect(redraw(['a', 'b'], 0)).toBe('\x1b[2Ka\n\x1b[2Kb\n\x1b[J');
    expect(redraw(['a'], 3)).toBe('\x1b[3A\r\x1b[2Ka\n\x1b[J');
  });
});

/** A scheduler the test fires by hand. */
class ManualIntervals implements IntervalScheduler {
  fn: (() => void) | undefined;
  ms = 0;
  cleared = 0;
  every(fn: () => void, ms: number): unknown {
    this.fn = fn;
    this.ms = ms;
    return 1;
  }
  clear(): void {
    this.cleared++;
    this.fn = undefined;
  }
}

describe('live status', () => {
  function live(tty: boolean, snapshots: Array<ReturnType<typeof snapshot>>) {
    const out = new Collector(tty);
    const scheduler = new ManualIntervals();
    let i = 0;
    const status = new LiveStatus({ out, scheduler, intervalMs: 1000, source: () => snapshots[Math.min(i++, snapshots.length - 1)]! });
    return { out, scheduler, status };
  }

  it('not a terminal: one log line per tick, the last one at stop', () => {
    const { out, scheduler, status } = live(false, [BEFORE, AFTER, AFTER]);
    expect(status.isTable).toBe(false);
    status.start();
    expect(scheduler.ms).toBe(1000);
    scheduler.fn!();
    status.stop();
    status.stop();
    expect(scheduler.cleared).toBe(1);
    const lines = out.text().trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toBe(renderStatusLine(AFTER, BEFORE));
    expect(out.text()).not.toContain('\x1b');
  });

  it('a terminal: the table redrawn in place over the previous one, cursor hidden then shown', () => {
    const { out, scheduler, status } = live(true, [BEFORE, AFTER]);
    expect(status.isTable).toBe(true);
    status.start();
    scheduler.fn!();
    status.stop();
    const first = renderStatusTable(BEFORE, undefined, { color: false });
    const second = renderStatusTable(AFTER, BEFORE, { color: false });
    const third = renderStatusTable(AFTER, AFTER, { color: false });
    expect(out.text()).toBe(`\x1b[?25l${redraw(first, 0)}${redraw(second, first.length)}${redraw(third, second.length)}\x1b[?25h`);
  });

  it('a source that throws skips that tick', () => {
    const out = new Collector(false);
    const scheduler = new ManualIntervals();
    let calls = 0;
    const status = new LiveStatus({ out, scheduler, intervalMs: 500, source: () => (++calls === 2 ? (() => { throw new Error('x'); })() : AFTER) });
    status.start();
    scheduler.fn!();
    scheduler.fn!();
    status.stop();
    expect(out.text().trimEnd().split('\n')).toHaveLength(3);
  });
});

describe('formatting helpers', () => {
  it('numbers, rates, milliseconds, durations and cells', () => {
    expect([formatCount(0), formatCount(12345), formatCount(123_456), formatCount(12_345_678), formatCount(2e9)]).toEqual(['0', '12,345', '123.5k', '12.3M', '2.0G']);
    expect([formatRate(0), formatRate(12.345), formatRate(250_000)]).toEqual(['0.0', '12.3', '250.0k']);
    expect([formatMs(0.4234), formatMs(12.34), formatMs(1234.5)]).toEqual(['0.42', '12.3', '1,235']);
    expect([formatDuration(500), formatDuration(12_000), formatDuration(303_000), formatDuration(3_723_000)]).toEqual(['0.5s', '12s', '5m03s', '1h02m03s']);
    expect([cell('abc', 5), cell('abc', 5, 'right'), cell('abcdef', 4), cell('abc', 1)]).toEqual(['abc  ', '  abc', 'abc…', '…']);
  });
});

function latency(values: number[]) {
  const h = new LatencyHistogram();
  for (const v of values) h.observe(v);
  return h.snapshot();
}

const summary: BenchSummary = {
  mode: 'pub',
  broker: 'mqtt://***@127.0.0.1:1883',
  protocolVersion: 5,
  sessions: 100,
  connected: 99,
  connectFailed: 1,
  qos: 1,
  payloadSize: 64,
  elapsedMs: 10_500,
  connectMs: 500,
  connectLatency: latency([2, 3, 4]),
  messagesSent: 10_000,
  messagesReceived: 0,
  messageMs: 10_000,
  latency: latency([0.3, 0.4, 0.8, 1.5, 1.6, 1.7, 3, 40, 40, 9000]),
  errors: { ERR_CONNECT_TIMEOUT: 1 },
  interrupted: false,
};

describe('bench output', () => {
  it('histogram: one bar per bucket from the first non-empty to the last, scaled to the largest', () => {
    expect(renderHistogram(summary.latency, 20)).toEqual([
      '    <= 0.5 ms |#############               2  20.0%',
      '      <= 1 ms |#######                     1  10.0%',
      '      <= 2 ms |####################        3  30.0%',
      '      <= 5 ms |#######                     1  10.0%',
      '     <= 10 ms |                            0   0.0%',
      '     <= 25 ms |                            0   0.0%',
      '     <= 50 ms |#############               2  20.0%',
      '    <= 100 ms |                            0   0.0%',
      '    <= 250 ms |                            0   0.0%',
      '    <= 500 ms |                            0   0.0%',
      '   <= 1000 ms |                            0   0.0%',
      '   <= 2500 ms |                            0   0.0%',
      '   <= 5000 ms |                            0   0.0%',
      '  <= 10000 ms |#######                     1  10.0%',
    ]);
    expect(renderHistogram(latency([])).length).toBe(0);
    expect(renderHistogram(latency([20_000]), 4)).toEqual(['  > 10000 ms |####        1 100.0%']);
  });

  it('progress bar', () => {
    expect(renderProgress('pub', 0.5, '5,000/10,000 sent', 2500, 20)).toBe('pub  [##########..........]  50%  5,000/10,000 sent  2.5s');
    expect(renderProgress('conn', 7, 'x', 0, 4)).toBe('conn [####] 100%  x  0.0s');
    expect(renderProgress('conn', Number.NaN, 'x', 0, 4)).toBe('conn [....]   0%  x  0.0s');
  });

  it('summary table with rates, latencies, errors and the histogram', () => {
    const lines = renderBenchSummary(summary);
    expect(lines.slice(0, 8)).toEqual([
      'mqttx bench pub · mqtt://***@127.0.0.1:1883 · MQTT 5 · 100 sessions · QoS 1 · 64 B payload · 10s',
      '',
      '  connected           99 ok, 1 failed · 198.0 connects/s',
      '  connect latency     p50 2.75 ms · p99 4.00 ms · min 2.00 · avg 3.00 · max 4.00 ms',
      '  messages sent       10,000 · 1000.0 msg/s',
      '  publish latency     p50 1.67 ms · p99 9,000 ms · min 0.30 · avg 908.9 · max 9,000 ms',
      '  errors              ERR_CONNECT_TIMEOUT x1',
      '',
    ]);
    expect(lines[8]).toBe('  publish latency histogram');
    expect(lines.length).toBe(9 + 14);
    expect(errorCount(summary)).toBe(1);
  });

  it('sub mode shows received messages and end-to-end latency; an interrupted run says so', () => {
    const lines = renderBenchSummary({ ...summary, mode: 'sub', messagesReceived: 5000, interrupted: true, errors: {} });
    expect(lines[0]).toMatch(/· INTERRUPTED$/);
    expect(lines).toContain('  messages received   5,000 · 500.0 msg/s');
    expect(lines).toContain('  errors              0');
    expect(lines.some((l) => l.startsWith('  end-to-end latency  p50'))).toBe(true);
  });

  it('JSON: derived rates, +Inf buckets as strings, serializable', () => {
    const json = JSON.parse(JSON.stringify(benchSummaryJson(summary))) as Record<string, unknown> & { latency: { buckets: { le: unknown }[] } };
    expect(json.connectRate).toBe(198);
    expect(json.sendRate).toBe(1000);
    expect(json.errorCount).toBe(1);
    expect(json.latency.buckets.at(-1)!.le).toBe('+Inf');
    expect(json.mode).toBe('pub');
  });
});

describe('broker packet log', () => {
  const record = (packet: Parameters<typeof packetFields>[0], direction: 'in' | 'out' = 'in', clientId: string | null = 'c1') =>
    ({ seq: 0, t: 0, direction, connId: 7, clientId: clientId ?? undefined, packet, raw: null }) as const;

  it('one line per packet: time, direction, link, client, type, key fields', () => {
    const at = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
    const publish = { type: 'publish', topic: 'a/b', payload: Buffer.from('hello'), qos: 1, retain: true, dup: false, packetId: 9 } as const;
    expect(formatPacketRecord(record(publish), at)).toBe('03:04:05.678 in  #7 c1 publish topic=a/b qos=1 retain=1 dup=0 id=9 bytes=5');
    expect(formatPacketRecord(record({ type: 'suback', packetId: 2, reasonCodes: [1, 0x80] }, 'out'), at)).toBe('03:04:05.678 out #7 c1 suback id=2 rc=0x01,0x80');
    expect(formatPacketRecord({ ...record({ type: 'pingreq' }), packet: null, raw: Buffer.from([1, 2]) }, at)).toBe('03:04:05.678 in  #7 c1 raw bytes=2');
    expect(formatPacketRecord(record({ type: 'pingreq' }, 'in', null), at)).toBe('03:04:05.678 in  #7 - pingreq');
  });

  it('CONNECT shows the client id and user name, never the password', () => {
    const connect = {
      type: 'connect',
      protocolVersion: 5,
      clientId: 'sensor 1',
      clean: true,
      keepalive: 30,
      username: 'alice',
      password: Buffer.from('hunter2'),
      will: { topic: 'w', payload: Buffer.from('x'), qos: 1, retain: false },
      properties: { sessionExpiryInterval: 60, authenticationMethod: 'SCRAM', authenticationData: Buffer.from('secret-data') },
    } as const;
    const line = packetFields(connect);
    expect(line).toBe('client-id="sensor 1" v=5 clean=1 keepalive=30 user=alice password=(set) will=w will-qos=1 session-expiry=60');
    expect(line).not.toContain('hunter2');
    expect(line).not.toContain('secret');
  });

  it('acks, subscriptions and disconnects', () => {
    expect(packetFields({ type: 'puback', packetId: 3, reasonCode: 0 })).toBe('id=3');
    expect(packetFields({ type: 'pubrec', packetId: 3, reasonCode: 0x10 })).toBe('id=3 rc=0x10');
    expect(packetFields({ type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: 'a/#', qos: 1 }, { topicFilter: 'b c', qos: 0 }] })).toBe('id=1 filters=a/#:1,"b c":0');
    expect(packetFields({ type: 'unsubscribe', packetId: 4, topicFilters: ['a', 'b'] })).toBe('id=4 filters=a,b');
    expect(packetFields({ type: 'unsuback', packetId: 4 })).toBe('id=4');
    expect(packetFields({ type: 'connack', sessionPresent: true, reasonCode: 0x87 })).toBe('rc=0x87 session-present=1');
    expect(packetFields({ type: 'disconnect', reasonCode: 0x8e })).toBe('rc=0x8e');
    expect(packetFields({ type: 'disconnect' })).toBe('');
  });
});

describe('sub output', () => {
  const msg = { topic: 'a/b', payload: Buffer.from('héllo'), qos: 1 as const, retain: false };

  it('text: topic, space, payload bytes as received, line feed', () => {
    const bin = Buffer.from([0xff, 0x00, 0x0a]);
    expect(formatMessage(msg, 'text')).toEqual(Buffer.from('a/b héllo\n'));
    expect(formatMessage({ ...msg, payload: bin }, 'text')).toEqual(Buffer.concat([Buffer.from('a/b '), bin, Buffer.from('\n')]));
  });

  it('json: UTF-8 payloads as text, others base64; binary properties base64; topic alias left out', () => {
    expect(formatMessage(msg, 'json')).toBe('{"topic":"a/b","payload":"héllo","payloadEncoding":"utf8","qos":1,"retain":false}\n');
    const j = messageToJson({
      ...msg,
      payload: Buffer.from([0xff, 0xfe]),
      retain: true,
      properties: { userProperties: [['k', 'v'], ['k', 'w']], correlationData: Buffer.from('id'), topicAlias: 3, contentType: 'x' },
    });
    expect(j).toEqual({
      topic: 'a/b',
      payload: '//4=',
      payloadEncoding: 'base64',
      qos: 1,
      retain: true,
      properties: { userProperties: [['k', 'v'], ['k', 'w']], correlationData: 'aWQ=', contentType: 'x' },
    });
  });
});
