/**
 * The reconnect loop: exponential backoff with full jitter (seeded random, fake clock), reset after a
 * stable connection, broker-list failover, resubscribe after a lost session, per-reason policy for server
 * DISCONNECTs (0x8E taken over, temporary and permanent reasons), server references (DISCONNECT and
 * CONNACK 0x9C / 0x9D), maxAttempts, retryInitial and `reconnect: false`.
 */
import { describe, expect, it } from 'vitest';
import type { DisconnectPacket } from '@mqttx/codec';
import { ManualClock } from '@mqttx/testkit';
import { MqttxError, type ConnectedInfo, type Message, type ReconnectingInfo } from '../src/index.js';
import { harness, seededRandom } from './helpers/harness.js';

const h = harness();

function codeOf(err: unknown): string | undefined {
  return err instanceof MqttxError ? err.code : undefined;
}

/** The full-jitter delays a seeded source gives for attempts 1..n. */
function expectedDelays(seed: number, n: number, initial: number, factor: number, max: number): number[] {
  const r = seededRandom(seed);
  const out: number[] = [];
  for (let a = 1; a <= n; a++) out.push(Math.floor(Math.min(max, initial * factor ** (a - 1)) * r()));
  return out;
}

describe('backoff', () => {
  const seed = 0x5eed;
  it(`full jitter, exponential growth capped at maxDelay, reset after a stable connection (seed ${seed})`, async () => {
    const clock = new ManualClock();
    const broker = await h.broker();
    const c = await h.connect({
      brokers: broker.url,
      clientId: 'bo',
      scheduler: clock,
      keepalive: 0,
      reconnect: { initialDelay: 100, factor: 2, maxDelay: 500, random: seededRandom(seed), stableAfter: 60_000 },
    });
    // Every connection is refused at accept for the next 5 attempts.
    broker.refuse({ times: 5 });
    const delays: number[] = [];
    const attempts: number[] = [];
    c.on('reconnecting', (info: ReconnectingInfo) => {
      delays.push(info.delay);
      attempts.push(info.attempt);
      // The sleep timer is set once the listeners returned: advance on the next microtask.
      queueMicrotask(() => clock.advance(info.delay));
    });
    const back = h.once<ConnectedInfo>(c, 'connect');
    broker.clients.get('bo')!.destroy();
    await back;
    expect(attempts).toEqual([1, 2, 3, 4, 5, 6]);
    expect(delays).toEqual(expectedDelays(seed, 6, 100, 2, 500));
    expect(Math.max(...delays)).toBeLessThan(500);
    expect(c.stats.reconnects).toBe(6);
    // A connection that lasted stableAfter resets the backoff: the next loss starts at attempt 1.
    clock.advance(60_000);
    attempts.length = 0;
    const again = h.once<ConnectedInfo>(c, 'connect');
    broker.clients.get('bo')!.destroy();
    await again;
    expect(attempts).toEqual([1]);
    await c.end();
  });

  it('a short-lived connection does not reset the backoff', async () => {
    const clock = new ManualClock();
    const broker = await h.broker();
    const c = await h.connect({
      brokers: broker.url,
      clientId: 'short',
      scheduler: clock,
      keepalive: 0,
      reconnect: { initialDelay: 10, random: () => 0.5, stableAfter: 1000 },
    });
    const attempts: number[] = [];
    c.on('reconnecting', (info: ReconnectingInfo) => {
      attempts.push(info.attempt);
      queueMicrotask(() => clock.advance(info.delay));
    });
    for (let i = 0; i < 3; i++) {
      const back = h.once<ConnectedInfo>(c, 'connect');
      broker.clients.get('short')!.destroy();
      await back;
    }
    expect(attempts).toEqual([1, 2, 3]);
    await c.end();
  });

  it('gives up after maxAttempts: close with the last error, pending publishes rejected', async () => {
    const broker = await h.broker();
    const c = await h.connect({ brokers: broker.url, clientId: 'max', reconnect: { initialDelay: 0, maxAttempts: 2 } });
    broker.refuse({ times: Infinity });
    const closed = h.once<Error | undefined>(c, 'close');
    broker.clients.get('max')!.destroy();
    const pending = h.track(c.publish('t', 'x', { qos: 1 }));
    const err = await closed;
    expect(err).toBeInstanceOf(MqttxError);
    expect(c.stats.reconnects).toBe(2);
    expect(codeOf(await pending.catch((e: unknown) => e))).toBe('ERR_CLIENT_CLOSED');
    expect(c.status).toBe('closed');
  });

  it('retryInitial: the first connect retries temporary failures', async () => {
    const broker = await h.broker();
    broker.refuse({ times: 2 });
    const c = h.client({ brokers: broker.url, clientId: 'ri', reconnect: { initialDelay: 0, retryInitial: true } });
    await h.track(c.connect());
    expect(c.stats.reconnects).toBe(2);
    await c.end();
  });
});

describe('failover and resubscribe', () => {
  it('tries the next broker of the list when one is down', async () => {
    const dead = await h.broker();
    const deadUrl = dead.url;
    await dead.close();
    const broker = await h.broker();
    const c = await h.connect({ brokers: [deadUrl, broker.url], clientId: 'fo' });
    expect(broker.clients.has('fo')).toBe(true);
    await c.end();
  });

  it('after a lost session (clean start) the subscriptions are made again, then `ready` [MQTT-3.2.2-5]', async () => {
    const broker = await h.broker();
    const c = await h.connect({ brokers: broker.url, clientId: 'rs', reconnect: { initialDelay: 0 } });
    await c.subscribe('rs/#', { qos: 1 });
    const ready = h.once(c, 'ready');
    broker.clients.get('rs')!.destroy();
    await ready;
    const msg = h.once<Message>(c, 'message');
    expect(broker.publish('rs/1', 'back', { qos: 1 })).toBe(1);
    expect((await msg).payload.toString()).toBe('back');
    await c.end();
  });

  it('reconnect: false stays offline with requests queued; connect() again sends them', async () => {
    const broker = await h.broker();
    const c = await h.connect({ brokers: broker.url, clientId: 'nr', reconnect: false });
    const offline = h.once(c, 'offline');
    broker.clients.get('nr')!.destroy();
    await offline;
    expect(c.status).toBe('offline');
    const p = h.track(c.publish('nr/1', 'later', { qos: 1 }));
    expect(c.queued).toBe(1);
    await h.track(c.connect());
    expect((await p)?.type).toBe('puback');
    await c.end();
  });
});

describe('server DISCONNECT policy (MQTT 5)', () => {
  it('0x8E session taken over: no reconnect ping-pong, the client closes', async () => {
    const broker = await h.broker();
    const a = await h.connect({ brokers: broker.url, clientId: 'same', reconnect: { initialDelay: 0 } });
    const disconnect = h.once<DisconnectPacket>(a, 'disconnect');
    const closed = h.once<Error>(a, 'close');
    const b = await h.connect({ brokers: broker.url, clientId: 'same' });
    expect((await disconnect).reasonCode).toBe(0x8e);
    const err = await closed;
    expect(codeOf(err)).toBe('ERR_SERVER_DISCONNECT');
    expect((err as MqttxError).reasonCode).toBe(0x8e);
    expect(a.stats.reconnects).toBe(0);
    await b.end();
  });

  it('0x8E with reconnect.onTakenOver: reconnects', async () => {
    const broker = await h.broker();
    const a = await h.connect({ brokers: broker.url, clientId: 'pp', reconnect: { initialDelay: 0, onTakenOver: true } });
    const reconnecting = h.once<ReconnectingInfo>(a, 'reconnecting');
    const b = await h.connect({ brokers: broker.url, clientId: 'pp', reconnect: false });
    expect((await reconnecting).error).toBeInstanceOf(MqttxError);
    a.destroy();
    b.destroy();
  });

  for (const [rc, retried] of [
    [0x8b, true], // server shutting down
    [0x98, true], // administrative action
    [0x89, true], // server busy
    [0x87, false], // not authorized
    [0x82, false], // protocol error
    [0x8d, true], // keep alive timeout
    [0x00, true], // normal disconnection
  ] as const) {
    it(`DISCONNECT 0x${rc.toString(16)}: ${retried ? 'reconnects' : 'closes for good'}`, async () => {
      const broker = await h.broker();
      const c = await h.connect({ brokers: broker.url, clientId: `d${rc}`, reconnect: { initialDelay: 0 } });
      const disconnect = h.once<DisconnectPacket>(c, 'disconnect');
      const next = h.once(c, retried ? 'connect' : 'close');
      await broker.disconnectClient(`d${rc}`, rc);
      expect((await disconnect).reasonCode).toBe(rc);
      await next;
      if (retried) {
        expect(c.connected).toBe(true);
        await c.end();
      } else {
        expect(c.status).toBe('closed');
      }
    });
  }

  it('DISCONNECT 0x9C with a server reference is followed with followRedirects', async () => {
    const a = await h.broker();
    const b = await h.broker();
    const c = await h.connect({ brokers: a.url, clientId: 'mv', followRedirects: true, reconnect: false });
    const moved = h.once<ConnectedInfo>(c, 'connect');
    await a.disconnectClient('mv', 0x9c, { serverReference: `127.0.0.1:${b.port}` });
    await moved;
    expect(b.clients.has('mv')).toBe(true);
    await c.end();
  });

  it('without followRedirects the reference is ignored (same broker again)', async () => {
    const a = await h.broker();
    const b = await h.broker();
    const c = await h.connect({ brokers: a.url, clientId: 'stay', reconnect: { initialDelay: 0 } });
    const back = h.once<ConnectedInfo>(c, 'connect');
    await a.disconnectClient('stay', 0x9d, { serverReference: `127.0.0.1:${b.port}` });
    await back;
    expect(a.clients.has('stay')).toBe(true);
    expect(b.clients.has('stay')).toBe(false);
    await c.end();
  });

  it('CONNACK 0x9D with a server reference on the first connect is followed', async () => {
    const b = await h.broker();
    const a = await h.broker({ hooks: { connack: () => ({ reasonCode: 0x9d, properties: { serverReference: `127.0.0.1:${b.port}` } }) } });
    const c = await h.connect({ brokers: a.url, clientId: 'cr', followRedirects: true });
    expect(b.clients.has('cr')).toBe(true);
    await c.end();
  });
});
