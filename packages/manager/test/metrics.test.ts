/**
 * Counters, rate tracker (fake time: 10 s window of 1 s buckets), latency histogram and the manager
 * aggregate. Every clock value is passed in explicitly, so nothing here reads the real time.
 */
import { describe, expect, it } from 'vitest';
import {
  ForwarderMetrics,
  LATENCY_BUCKETS_MS,
  LatencyHistogram,
  ManagerError,
  ManagerMetrics,
  RATE_WINDOW_SECONDS,
  RateTracker,
  RouteMetrics,
  SessionMetrics,
} from 'mqttx';

const T0 = 1_700_000_000_000; // a whole second, so bucket boundaries fall on T0 + k * 1000

describe('RateTracker', () => {
  it('averages over the tracker age until it is 10 s old, then over the 10 s window', () => {
    const r = new RateTracker(T0);
    expect(RATE_WINDOW_SECONDS).toBe(10);
    expect(r.messageRate(T0)).toBe(0);
    for (let s = 0; s < 4; s++) r.record(T0 + s * 1000, 5, 500);
    // 20 messages in 4 s of age: 5/s
    expect(r.windowSeconds(T0 + 4000)).toBe(4);
    expect(r.messageRate(T0 + 4000)).toBe(5);
    expect(r.bytesRate(T0 + 4000)).toBe(500);
    // at 9.5 s the age is the divisor; at 20 s the window is 10 s and every bucket has expired
    expect(r.messageRate(T0 + 9500)).toBeCloseTo(20 / 9.5, 10);
    expect(r.windowSeconds(T0 + 20_000)).toBe(10);
    expect(r.messageRate(T0 + 20_000)).toBe(0);
  });

  it('counts a young tracker as at least one second old', () => {
    const r = new RateTracker(T0);
    r.record(T0 + 1, 3, 30);
    expect(r.messageRate(T0 + 2)).toBe(3);
    expect(r.avgMessageRate(T0 + 2)).toBe(3);
  });

  it('expires each bucket exactly when its second leaves the window', () => {
    const r = new RateTracker(T0 - 60_000); // old enough that the divisor is always 10
    r.record(T0, 10, 1000); // second 0
    r.record(T0 + 999, 10, 1000); // still second 0
    r.record(T0 + 5000, 7, 70); // second 5
    expect(r.messageRate(T0 + 5000)).toBe(2.7);
    // second 9 is the last one whose window [0..9] still holds second 0
    expect(r.messageRate(T0 + 9999)).toBe(2.7);
    expect(r.bytesRate(T0 + 9999)).toBe(207);
    // second 10: second 0 has left the window
    expect(r.messageRate(T0 + 10_000)).toBe(0.7);
    // second 15: everything has left
    expect(r.messageRate(T0 + 15_000)).toBe(0);
    expect(r.totalMessages).toBe(27);
  });

  it('reuses a slot for a new second instead of adding to the old count', () => {
    const r = new RateTracker(T0 - 60_000);
    r.record(T0, 4, 0); // slot of second 0
    r.record(T0 + 10_000, 1, 0); // same slot, second 10: the old 4 must not survive
    expect(r.messageRate(T0 + 10_000)).toBe(0.1);
  });

  it('ignores a time further back than the window but counts one within it', () => {
    const r = new RateTracker(T0 - 60_000);
    r.record(T0 + 12_000, 1, 0); // second 12 (slot 2)
    r.record(T0 + 2_000, 100, 0); // second 2: same slot, older than the window: ignored
    r.record(T0 + 11_000, 2, 0); // second 11: backwards but inside the window
    expect(r.messageRate(T0 + 12_000)).toBe(0.3);
    expect(r.totalMessages).toBe(103); // totals still count everything
  });

  it('averages since start', () => {
    const r = new RateTracker(T0);
    r.record(T0 + 100, 1, 10);
    r.record(T0 + 30_000, 59, 590);
    expect(r.avgMessageRate(T0 + 60_000)).toBe(1);
    expect(r.avgBytesRate(T0 + 60_000)).toBe(10);
    expect(r.messageRate(T0 + 60_000)).toBe(0);
  });
});

describe('LatencyHistogram', () => {
  it('is all zeros when empty, with a +Inf last bucket', () => {
    const s = new LatencyHistogram().snapshot();
    expect(s).toMatchObject({ count: 0, sumMs: 0, minMs: 0, maxMs: 0, avgMs: 0, p50Ms: 0, p99Ms: 0 });
    expect(s.buckets).toHaveLength(LATENCY_BUCKETS_MS.length + 1);
    expect(s.buckets.at(-1)).toEqual({ le: Infinity, count: 0 });
  });

  it('fills cumulative buckets (bounds inclusive) and keeps count, sum, min and max', () => {
    const h = new LatencyHistogram();
    for (const v of [0.2, 0.5, 1, 3, 3, 40, 20_000]) h.observe(v);
    const s = h.snapshot();
    const at = (le: number): number => s.buckets.find((b) => b.le === le)!.count;
    expect(at(0.5)).toBe(2); // 0.2 and 0.5 (le is inclusive)
    expect(at(1)).toBe(3);
    expect(at(2)).toBe(3);
    expect(at(5)).toBe(5);
    expect(at(50)).toBe(6);
    expect(at(10_000)).toBe(6);
    expect(at(Infinity)).toBe(7);
    expect(s.count).toBe(7);
    expect(s.sumMs).toBeCloseTo(20_047.7, 6);
    expect(s.minMs).toBe(0.2);
    expect(s.maxMs).toBe(20_000);
  });

  it('estimates p50 and p99 inside the right bucket, clamped to min and max', () => {
    const h = new LatencyHistogram();
    for (let i = 0; i < 98; i++) h.observe(3); // bucket (2, 5]
    h.observe(400); // bucket (250, 500]
    h.observe(450);
    const s = h.snapshot();
    expect(s.p50Ms).toBeGreaterThan(2);
    expect(s.p50Ms).toBeLessThanOrEqual(5);
    expect(s.p50Ms).toBeGreaterThanOrEqual(3); // clamped to min
    expect(s.p99Ms).toBeGreaterThan(250);
    expect(s.p99Ms).toBeLessThanOrEqual(450); // clamped to max
    const one = new LatencyHistogram();
    one.observe(7);
    expect(one.snapshot().p50Ms).toBe(7);
    expect(one.snapshot().p99Ms).toBe(7);
  });

  it('counts negative or NaN latencies as 0', () => {
    const h = new LatencyHistogram();
    h.observe(-5);
    h.observe(Number.NaN);
    const s = h.snapshot();
    expect(s.count).toBe(2);
    expect(s.sumMs).toBe(0);
    expect(s.buckets[0]!.count).toBe(2);
  });
});

describe('SessionMetrics', () => {
  it('counts both directions and snapshots a plain object with rates at `now`', () => {
    const m = new SessionMetrics('s1', T0, { persistent: true, cleanSession: false, autoReconnect: false });
    m.setStatus('connected');
    m.recordSent(100, T0 + 1000);
    m.recordReceived(50, T0 + 2000);
    m.recordReceived(50, T0 + 2500);
    m.recordError(T0 + 3000);
    m.recordReconnect();
    m.setSubscriptions(3);
    const s = m.snapshot(T0 + 4000);
    expect(s).toEqual({
      name: 's1',
      status: 'connected',
      connected: true,
      persistent: true,
      cleanSession: false,
      autoReconnect: false,
      messagesSent: 1,
      messagesReceived: 2,
      bytesSent: 100,
      bytesReceived: 100,
      errors: 1,
      reconnects: 1,
      subscriptions: 3,
      messageRate: 3 / 4,
      avgMessageRate: 3 / 4,
      bytesRate: 200 / 4,
      lastMessageAt: T0 + 2500,
      lastErrorAt: T0 + 3000,
      startedAt: T0,
    });
    // the snapshot is a copy
    m.recordSent(1, T0 + 4000);
    expect(s.messagesSent).toBe(1);
  });

  it('defaults: disconnected, clean session, auto reconnect, not persistent, never', () => {
    const s = new SessionMetrics('s', T0).snapshot(T0);
    expect(s).toMatchObject({
      status: 'disconnected',
      connected: false,
      persistent: false,
      cleanSession: true,
      autoReconnect: true,
      lastMessageAt: 0,
      lastErrorAt: 0,
    });
  });
});

describe('RouteMetrics and ForwarderMetrics', () => {
  it('route counts matched, delivered, filtered, dropped and failed messages', () => {
    const r = new RouteMetrics('r1', 'a/#', T0);
    r.recordReceived(10, T0 + 100);
    r.recordReceived(10, T0 + 200);
    r.recordReceived(10, T0 + 300);
    r.recordDelivered();
    r.recordFiltered();
    r.recordDropped();
    r.recordError(T0 + 400);
    expect(r.snapshot(T0 + 1000)).toMatchObject({
      name: 'r1',
      filter: 'a/#',
      received: 3,
      delivered: 1,
      filtered: 1,
      dropped: 1,
      errors: 1,
      bytesReceived: 30,
      messageRate: 3,
      bytesRate: 30,
      lastMessageAt: T0 + 300,
      lastErrorAt: T0 + 400,
    });
  });

  it('forwarder counts outcomes, latency and rate of forwarded messages', () => {
    const f = new ForwarderMetrics('f1', T0);
    f.setRunning(true);
    for (let i = 0; i < 5; i++) f.recordReceived();
    f.recordFiltered();
    f.recordDropped();
    f.recordFailed(T0 + 50);
    f.recordForwarded(4, T0 + 100, 10);
    f.recordForwarded(6, T0 + 200, 10);
    f.setBuffered(2);
    const s = f.snapshot(T0 + 2000);
    expect(s).toMatchObject({
      name: 'f1',
      running: true,
      buffered: 2,
      received: 5,
      forwarded: 2,
      filtered: 1,
      dropped: 1,
      failed: 1,
      messageRate: 1,
      avgMessageRate: 1,
      lastMessageAt: T0 + 200,
      lastErrorAt: T0 + 50,
      startedAt: T0,
    });
    expect(s.latency).toMatchObject({ count: 2, sumMs: 10, minMs: 4, maxMs: 6, avgMs: 5 });
  });
});

describe('ManagerMetrics', () => {
  it('aggregates sessions, keeps removed sessions in the counters, and collects everything', () => {
    const mm = new ManagerMetrics(T0);
    const a = new SessionMetrics('a', T0);
    const b = new SessionMetrics('b', T0);
    mm.addSession(a);
    mm.addSession(b);
    mm.addForwarder(new ForwarderMetrics('f', T0));
    mm.addRoute(new RouteMetrics('r', '#', T0));
    a.setStatus('connected');
    a.recordSent(10, T0 + 1000);
    a.setSubscriptions(2);
    b.recordReceived(20, T0 + 2000);
    b.recordError(T0 + 2500);
    b.recordReconnect();
    b.setSubscriptions(1);
    mm.recordError(T0 + 100);

    let m = mm.snapshot(T0 + 4000);
    expect(m).toMatchObject({
      sessions: 2,
      sessionsConnected: 1,
      forwarders: 1,
      routes: 1,
      messagesSent: 1,
      messagesReceived: 1,
      bytesSent: 10,
      bytesReceived: 20,
      errors: 2,
      reconnects: 1,
      subscriptions: 3,
      messageRate: 0.5,
      avgMessageRate: 0.5,
      bytesRate: 30 / 4,
      lastMessageAt: T0 + 2000,
      lastErrorAt: T0 + 2500,
      startedAt: T0,
    });

    expect(mm.removeSession('b')).toBe(true);
    expect(mm.removeSession('b')).toBe(false);
    m = mm.snapshot(T0 + 4000);
    // counters never go down; gauges follow the present sessions
    expect(m).toMatchObject({ sessions: 1, messagesReceived: 1, bytesReceived: 20, errors: 2, reconnects: 1 });
    expect(m.subscriptions).toBe(2);
    expect(m.lastMessageAt).toBe(T0 + 2000);
    expect(m.lastErrorAt).toBe(T0 + 2500);

    const all = mm.collect(T0 + 4000);
    expect(all.timestamp).toBe(T0 + 4000);
    expect(all.sessions.map((s) => s.name)).toEqual(['a']);
    expect(all.forwarders.map((f) => f.name)).toEqual(['f']);
    expect(all.routes!.map((r) => r.name)).toEqual(['r']);
    expect(all.manager).toEqual(m);
    expect(mm.removeForwarder('f')).toBe(true);
    expect(mm.removeRoute('r')).toBe(true);
    expect(mm.collect(T0).forwarders).toEqual([]);
  });

  it('refuses a second registration under the same name with ERR_CONFIGURATION', () => {
    const mm = new ManagerMetrics(T0);
    mm.addSession(new SessionMetrics('x', T0));
    expect(mm.getSession('x')?.name).toBe('x');
    for (const add of [
      () => mm.addSession(new SessionMetrics('x', T0)),
      () => {
        mm.addForwarder(new ForwarderMetrics('y', T0));
        mm.addForwarder(new ForwarderMetrics('y', T0));
      },
      () => {
        mm.addRoute(new RouteMetrics('z', '#', T0));
        mm.addRoute(new RouteMetrics('z', '#', T0));
      },
    ]) {
      let caught: unknown;
      try {
        add();
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(ManagerError);
      expect(caught).toMatchObject({ code: 'ERR_CONFIGURATION', kind: 'configuration' });
    }
  });
});
