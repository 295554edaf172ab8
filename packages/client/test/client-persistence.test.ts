/**
 * Session persistence through a `SessionStore`: the durable `stored` promise (with persistence `durable`
 * the PUBLISH leaves only after its record is written), a store failure, and a client restart that resumes
 * the session from the store (QoS 1 PUBLISH resent with DUP, QoS 2 PUBREL resent) [MQTT-4.4.0-1].
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PublishPacket } from '@mqttx/codec';
import { MemoryBacking, MemoryStore, MqttxError, type Keyspace, type StoreRecord } from '../src/index.js';
import { harness, turns, until } from './helpers/harness.js';

const h = harness();

/** A memory store whose writes wait until released, or fail. */
class GatedStore extends MemoryStore {
  gate: Promise<void> | undefined;
  fail = false;
  puts = 0;
  override async put(keyspace: Keyspace, record: StoreRecord): Promise<void> {
    this.puts++;
    if (this.gate !== undefined) await this.gate;
    if (this.fail) throw new Error('disk full');
    return super.put(keyspace, record);
  }
}

const session = { clean: false, properties: { sessionExpiryInterval: 600 } };

describe('durable publishes', () => {
  it('the PUBLISH is sent only after `stored` resolved', async () => {
    const broker = await h.broker();
    const store = new GatedStore();
    const c = await h.connect({ brokers: broker.url, clientId: 'dur', store, ...session });
    let open!: () => void;
    store.gate = new Promise((resolve) => (open = resolve));
    const p = c.publish('dur', 'x', { qos: 1 });
    let stored = false;
    void h.track(p.stored).then(() => (stored = true));
    await until(() => store.puts > 0);
    await turns(5);
    expect(stored).toBe(false);
    expect(broker.records.some((r) => r.direction === 'in' && r.packet?.type === 'publish')).toBe(false);
    open();
    await p.stored;
    expect((await h.track(p))?.type).toBe('puback');
    // Acknowledged: the record is gone again.
    expect(await store.list('outbound')).toEqual([]);
    await c.end();
  });

  it('a failing store rejects the publish (and `stored`) with StoreError; nothing is sent', async () => {
    const broker = await h.broker();
    const store = new GatedStore();
    const c = await h.connect({ brokers: broker.url, clientId: 'sf', store, ...session });
    store.fail = true;
    const p = c.publish('sf', 'x', { qos: 1 });
    const [e1, e2] = await Promise.all([h.track(p).catch((e: unknown) => e), h.track(p.stored).catch((e: unknown) => e)]);
    expect((e1 as MqttxError).code).toBe('ERR_STORE');
    expect((e2 as MqttxError).code).toBe('ERR_STORE');
    expect(broker.records.some((r) => r.direction === 'in' && r.packet?.type === 'publish')).toBe(false);
    await c.end();
  });
});

describe('restart from the store', () => {
  it('QoS 1: a new client over the same store resends the unacknowledged PUBLISH with DUP 1', async () => {
    const broker = await h.broker();
    const backing = new MemoryBacking();
    const a = await h.connect({ brokers: broker.url, clientId: 'rs1', store: new MemoryStore(backing), ...session });
    broker.withhold({ direction: 'out', type: 'puback', clientId: 'rs1' });
    const lost = h.track(a.publish('rs/1', 'keep', { qos: 1 }));
    await broker.waitFor({ direction: 'in', type: 'publish', clientId: 'rs1' });
    a.destroy(); // the process "dies": its promise rejects, the record stays
    expect((await lost.catch((e: unknown) => e) as MqttxError).code).toBe('ERR_CLIENT_CLOSED');
    expect((await new MemoryStore(backing).list('outbound')).length).toBe(1);
    const b = await h.connect({ brokers: broker.url, clientId: 'rs1', store: new MemoryStore(backing), ...session });
    await until(() => b.inflight === 0);
    const pubs = broker.records.filter((r) => r.direction === 'in' && r.packet?.type === 'publish').map((r) => (r.packet as PublishPacket).dup);
    expect(pubs).toEqual([false, true]);
    expect(await new MemoryStore(backing).list('outbound')).toEqual([]);
    await b.end();
  });

  it('QoS 2 past PUBREC: the restarted client resends PUBREL; the subscriber gets the message once', async () => {
    const broker = await h.broker();
    const sub = await h.connect({ brokers: broker.url, clientId: 'sub2' });
    await sub.subscribe('rs/#', { qos: 2 });
    const got: string[] = [];
    sub.on('message', (m) => got.push(m.payload.toString()));
    const backing = new MemoryBacking();
    const a = await h.connect({ brokers: broker.url, clientId: 'rs2', store: new MemoryStore(backing), ...session });
    broker.withhold({ direction: 'out', type: 'pubcomp', clientId: 'rs2' });
    const lost = h.track(a.publish('rs/2', 'once', { qos: 2 }));
    await broker.waitFor({ direction: 'in', type: 'pubrel', clientId: 'rs2' });
    a.destroy();
    await lost.catch(() => undefined);
    const b = await h.connect({ brokers: broker.url, clientId: 'rs2', store: new MemoryStore(backing), ...session });
    await until(() => b.inflight === 0);
    const pubrels = broker.records.filter((r) => r.direction === 'in' && r.packet?.type === 'pubrel').length;
    expect(pubrels).toBe(2);
    await until(() => got.length > 0);
    expect(got).toEqual(['once']);
    expect(await new MemoryStore(backing).list('outbound')).toEqual([]);
    await b.end();
    await sub.end();
  });

  it('subscriptions are kept in the store and made again after a lost session', async () => {
    const broker = await h.broker();
    const backing = new MemoryBacking();
    const a = await h.connect({ brokers: broker.url, clientId: 'rs3', store: new MemoryStore(backing) });
    await a.subscribe('keep/#', { qos: 1 });
    await a.end();
    expect((await new MemoryStore(backing).list('subscriptions')).map((r) => r.key)).toEqual(['keep/#']);
    // Clean start: no session at the server; the restored subscription is made again.
    const b = h.client({ brokers: broker.url, clientId: 'rs3', store: new MemoryStore(backing) });
    const ready = h.once(b, 'ready');
    await h.track(b.connect());
    await ready;
    expect(broker.sessions.get('rs3')!.subscriptions.map((s) => s.filter)).toEqual(['keep/#']);
    await b.end();
  });
});

describe('store specs', () => {
  it("{ type: 'file' }: the client opens the file store, closes it at end(), and a restart resumes from it", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mqttx-client-'));
    try {
      const broker = await h.broker();
      const opts = { brokers: broker.url, clientId: 'fs1', store: { type: 'file' as const, dir }, ...session };
      const a = await h.connect(opts);
      broker.withhold({ direction: 'out', type: 'puback', clientId: 'fs1' });
      const p = a.publish('fs/1', 'on disk', { qos: 1 });
      await h.track(p.stored);
      await broker.waitFor({ direction: 'in', type: 'publish', clientId: 'fs1' });
      const settled = h.track(p).catch((e: unknown) => e);
      await a.end({ timeout: 0 });
      expect(((await settled) as MqttxError).code).toBe('ERR_CLIENT_CLOSED');
      // The store was closed by end(): a second client can take its lock and resume.
      const b = await h.connect(opts);
      await until(() => b.inflight === 0);
      const dups = broker.records.filter((r) => r.direction === 'in' && r.packet?.type === 'publish').map((r) => (r.packet as PublishPacket).dup);
      expect(dups).toEqual([false, true]);
      await b.end();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
