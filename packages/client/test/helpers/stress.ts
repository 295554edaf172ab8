/**
 * The stress scenario shared by the CI test and the soak test: `count` QoS 1 and `count` QoS 2 messages
 * from a publisher to a subscriber, both on persistent sessions, while the broker cuts each link after
 * every `dropEvery` packets it sees on it (both directions, both clients). Checks: QoS 1 all delivered at
 * least once, QoS 2 exactly once, every publish promise settled (fulfilled).
 */
import { expect } from 'vitest';
import type { Harness } from './harness.js';
import { until } from './harness.js';
import type { Message } from '../../src/index.js';

/** Result counters, for the test's log. */
export interface StressResult {
  drops: number;
  reconnectsPub: number;
  reconnectsSub: number;
  duplicatesQos1: number;
}

/**
 * Runs the scenario.
 * @param h - the test harness
 * @param count - messages per QoS
 * @param dropEvery - packets per link before the broker cuts it
 */
export async function runStress(h: Harness, count: number, dropEvery: number): Promise<StressResult> {
  const seen = new Map<number, number>();
  let drops = 0;
  const broker = await h.broker({
    records: false,
    hooks: {
      packet: (ctx) => {
        const id = ctx.connection.id;
        const n = (seen.get(id) ?? 0) + 1;
        seen.set(id, n);
        if (ctx.clientId === undefined || n % dropEvery !== 0) return undefined;
        drops++;
        return { type: 'drop', when: 'after' };
      },
    },
  });
  const common = {
    brokers: broker.url,
    clean: false,
    keepalive: 0,
    properties: { sessionExpiryInterval: 3600 },
    reconnect: { initialDelay: 0 },
  };
  const sub = await h.connect({ ...common, clientId: 'stress-sub', properties: { sessionExpiryInterval: 3600, receiveMaximum: 100 } });
  await sub.subscribe({ 'st/1': 1, 'st/2': 2 });
  const q1 = new Uint16Array(count);
  const q2 = new Uint16Array(count);
  let received = 0;
  sub.on('message', (m: Message) => {
    const i = Number(m.payload.toString());
    (m.topic === 'st/1' ? q1 : q2)[i]!++;
    received++;
  });
  const pub = await h.connect({ ...common, clientId: 'stress-pub', maxInflight: 200 });
  const acks: Array<Promise<unknown>> = [];
  for (let i = 0; i < count; i++) {
    acks.push(h.track(pub.publish('st/1', String(i), { qos: 1 })));
    acks.push(h.track(pub.publish('st/2', String(i), { qos: 2 })));
  }
  await Promise.all(acks);
  // Everything acknowledged to the publisher; wait for the subscriber's side to drain.
  await until(() => {
    const s = broker.sessions.get('stress-sub');
    return s !== undefined && s.connected && s.inflight === 0 && s.queued === 0 && q2.every((n) => n > 0);
  }, 10_000_000);
  let duplicatesQos1 = 0;
  for (let i = 0; i < count; i++) {
    expect(q1[i], `QoS 1 message ${i}`).toBeGreaterThanOrEqual(1);
    expect(q2[i], `QoS 2 message ${i}`).toBe(1);
    duplicatesQos1 += q1[i]! - 1;
  }
  expect(received).toBe(2 * count + duplicatesQos1);
  const result = { drops, reconnectsPub: pub.stats.reconnects, reconnectsSub: sub.stats.reconnects, duplicatesQos1 };
  await pub.end();
  await sub.end();
  return result;
}
