/**
 * One broker behaviour suite, run unchanged against the testkit broker and a real Mosquitto. It speaks to
 * the broker only through the raw codec client, and follows the spec; where Mosquitto 2.0.11 deviates, the
 * test says so and states Mosquitto's behaviour explicitly (the spec's behaviour is asserted for testkit).
 *
 * Time: `elapse(ms)` moves the testkit broker's manual clock, and really waits for Mosquitto.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkLeaks } from '../../packages/testkit/test/helpers/leaks.js';
import { RawClient, type RawClientOptions } from '../../packages/testkit/test/helpers/raw-client.js';

/** Which broker the suite runs against. */
export type BrokerName = 'testkit' | 'mosquitto';

/** Limits a broker is started with for the limits section. */
export interface BehaviourLimits {
  receiveMaximum: number;
  maximumPacketSize: number;
  topicAliasMaximum: number;
}

/** A broker started by a {@link BrokerFactory}. */
export interface RunningBroker {
  port: number;
  /** Lets `ms` of broker time pass (manual clock for testkit, a real wait for Mosquitto). */
  elapse(ms: number): Promise<void>;
  /** Resolves once the broker has seen this client's link go (testkit); Mosquitto: at once. */
  clientGone(clientId: string): Promise<void>;
  stop(): Promise<void>;
}

/** Starts brokers for the suite. */
export interface BrokerFactory {
  name: BrokerName;
  /** Default settings: topic alias maximum 10, no receive maximum or packet size limit. */
  start(limits?: BehaviourLimits): Promise<RunningBroker>;
}

const LIMITS: BehaviourLimits = { receiveMaximum: 2, maximumPacketSize: 200, topicAliasMaximum: 3 };

/** Defines the suite for one broker. */
export function brokerBehaviour(factory: BrokerFactory): void {
  const mosquitto = factory.name === 'mosquitto';
  let broker: RunningBroker;
  let clients: RawClient[] = [];
  let n = 0;
  /** A per-test unique name (client ids and topics; sessions and retained messages outlive tests). */
  const uid = (s: string) => `${s}-${n}`;

  const raw = async (options: RawClientOptions = {}) => {
    const c = await RawClient.tcp(broker.port, options);
    clients.push(c);
    return c;
  };
  const client = async (fields: Parameters<RawClient['connect']>[0] = {}, options: RawClientOptions = {}) => {
    const c = await raw(options);
    const ack = await c.connect(fields);
    expect(ack.reasonCode).toBe(0);
    return c;
  };
  /** Publishes a marker from `from` on `topic`; the first message `watcher` gets there shows what came before. */
  const firstOn = async (watcher: RawClient, from: RawClient, topic: string) => {
    await from.publish(topic, 'marker', { qos: 1 });
    return (await watcher.next('publish', (p) => p.topic === topic)).payload.toString();
  };
  const hooks = (limits?: BehaviourLimits) => {
    beforeAll(async () => {
      broker = await factory.start(limits);
    });
    afterAll(() => broker.stop());
    afterEach(async () => {
      n++;
      await Promise.all(clients.map((c) => c.destroy()));
      clients = [];
    });
  };

  describe(`broker behaviour (${factory.name})`, () => {
    checkLeaks();

    describe('default settings', () => {
      hooks();

      describe('retained messages', () => {
        it.each([4, 5] as const)('[MQTT-3.3.1-5] [MQTT-3.3.1-8] level %i: the last retained message is sent with RETAIN=1 on subscribe', async (v) => {
          const topic = uid('bt/retained');
          const pub = await client({ clientId: uid('pub') }, { protocolVersion: v });
          await pub.publish(topic, 'old', { qos: 1, retain: true });
          await pub.publish(topic, 'new', { qos: 1, retain: true });
          await pub.publish(topic, 'live only', { qos: 1, retain: false });
          const sub = await client({ clientId: uid('sub') }, { protocolVersion: v });
          await sub.subscribe(topic, 1);
          const p = await sub.next('publish');
          expect([p.payload.toString(), p.retain, p.qos]).toEqual(['new', true, 1]);
          expect(await firstOn(sub, pub, topic)).toBe('marker');
        });

        it('[MQTT-3.3.1-6] [MQTT-3.3.1-7] an empty retained payload removes the retained message', async () => {
          const topic = uid('bt/cleared');
          const pub = await client({ clientId: uid('pub') });
          await pub.publish(topic, 'x', { qos: 1, retain: true });
          await pub.publish(topic, '', { qos: 1, retain: true });
          const sub = await client({ clientId: uid('sub') });
          await sub.subscribe(topic, 1);
          expect(await firstOn(sub, pub, topic)).toBe('marker');
        });
      });

      describe('wills', () => {
        const willTo = (topic: string, props?: Record<string, number>) => ({
          topic,
          payload: Buffer.from('will'),
          qos: 1 as const,
          retain: false,
          properties: props,
        });

        it.each([4, 5] as const)('[MQTT-3.1.2-8] level %i: an abnormal close publishes the will', async (v) => {
          const topic = uid('bt/will');
          const watcher = await client({ clientId: uid('w') });
          await watcher.subscribe(topic, 1);
          const c = await client({ clientId: uid('c'), will: { ...willTo(topic), properties: undefined } }, { protocolVersion: v });
          await c.destroy();
          expect((await watcher.next('publish')).payload.toString()).toBe('will');
        });

        it('[MQTT-3.14.4-3] DISCONNECT 0x00 discards the will; 0x04 publishes it', async () => {
          const topic = uid('bt/will');
          const watcher = await client({ clientId: uid('w') });
          await watcher.subscribe(topic, 1);
          const a = await client({ clientId: uid('a'), will: willTo(topic) });
          await a.disconnect(0x00);
          await broker.clientGone(uid('a'));
          expect(await firstOn(watcher, watcher, topic)).toBe('marker');
          const b = await client({ clientId: uid('b'), will: willTo(topic) });
          await b.disconnect(0x04);
          expect((await watcher.next('publish')).payload.toString()).toBe('will');
        });

        it('will delay: the will waits for the delay', async () => {
          const topic = uid('bt/will');
          const watcher = await client({ clientId: uid('w') });
          await watcher.subscribe(topic, 1);
          const c = await client({ clientId: uid('c'), properties: { sessionExpiryInterval: 30 }, will: willTo(topic, { willDelayInterval: 1 }) });
          await c.destroy();
          await broker.clientGone(uid('c'));
          await broker.elapse(300);
          expect(await firstOn(watcher, watcher, topic)).toBe('marker');
          await broker.elapse(2200);
          expect((await watcher.next('publish', undefined, 5000)).payload.toString()).toBe('will');
        });

        it('[MQTT-3.1.3-9] reconnecting within the will delay cancels the will', async () => {
          const topic = uid('bt/will');
          const watcher = await client({ clientId: uid('w') });
          await watcher.subscribe(topic, 1);
          const fields = { clientId: uid('c'), clean: false, properties: { sessionExpiryInterval: 30 } };
          const c = await client({ ...fields, will: willTo(topic, { willDelayInterval: 2 }) });
          await c.destroy();
          await broker.clientGone(uid('c'));
          const again = await client(fields);
          expect(again.all('connack')[0]?.sessionPresent).toBe(true);
          await broker.elapse(3000);
          expect(await firstOn(watcher, watcher, topic)).toBe('marker');
        });
      });

      describe('sessions', () => {
        it.each([4, 5] as const)('[MQTT-3.1.2-5] [MQTT-4.5.0-1] level %i: QoS 1/2 messages queue for an offline session; QoS 0 does not', async (v) => {
          const topic = uid('bt/queue');
          const fields = { clientId: uid('s'), clean: false, properties: v === 5 ? { sessionExpiryInterval: 60 } : undefined };
          const s = await client(fields, { protocolVersion: v });
          await s.subscribe(`${topic}/#`, 2);
          await s.disconnect();
          await broker.clientGone(uid('s'));
          const pub = await client({ clientId: uid('pub') });
          await pub.publish(`${topic}/0`, 'q0', { qos: 0 });
          await pub.publish(`${topic}/1`, 'q1', { qos: 1 });
          await pub.publish(`${topic}/2`, 'q2', { qos: 2 });
          const again = await raw({ protocolVersion: v });
          expect((await again.connect(fields)).sessionPresent).toBe(true); // [MQTT-3.2.2-3]
          const got = [await again.next('publish'), await again.next('publish')].map((p) => [p.topic, p.qos]);
          expect(got).toEqual([
            [`${topic}/1`, 1],
            [`${topic}/2`, 2],
          ]);
          expect(await firstOn(again, pub, `${topic}/0`)).toBe('marker');
        });

        it('[MQTT-4.4.0-1] [MQTT-3.3.1-1] an unacknowledged PUBLISH is resent with DUP and the same packet id', async () => {
          const topic = uid('bt/dup');
          const fields = { clientId: uid('s'), clean: false, properties: { sessionExpiryInterval: 60 } };
          const s = await client(fields, { autoAck: false });
          await s.subscribe(topic, 1);
          const pub = await client({ clientId: uid('pub') });
          await pub.publish(topic, 'x', { qos: 1 });
          const first = await s.next('publish');
          expect(first.dup).toBe(false);
          await s.destroy();
          await broker.clientGone(uid('s'));
          const again = await client(fields);
          const resent = await again.next('publish');
          expect([resent.dup, resent.packetId, resent.payload.toString()]).toEqual([true, first.packetId, 'x']);
        });

        it('[MQTT-4.1.0-2] a session ends after its expiry interval; Clean Start discards one [MQTT-3.1.2-4]', async () => {
          const a = { clientId: uid('a'), clean: false, properties: { sessionExpiryInterval: 1 } };
          await (await client(a)).disconnect();
          await broker.clientGone(uid('a'));
          await broker.elapse(2500);
          expect((await (await raw()).connect(a)).sessionPresent).toBe(false);
          const b = { clientId: uid('b'), clean: false, properties: { sessionExpiryInterval: 60 } };
          await (await client(b)).disconnect();
          await broker.clientGone(uid('b'));
          expect((await (await raw()).connect({ ...b, clean: true })).sessionPresent).toBe(false);
        });
      });

      describe('shared subscriptions', () => {
        it('[MQTT-4.8.2-1] [MQTT-4.8.2-2] each message goes to one member of the group; plain subscribers get all', async () => {
          const topic = uid('bt/shared');
          const members = [await client({ clientId: uid('m1') }), await client({ clientId: uid('m2') })];
          for (const m of members) expect((await m.subscribe(`$share/g/${topic}`, 1)).reasonCodes).toEqual([1]);
          const plain = await client({ clientId: uid('plain') });
          await plain.subscribe(topic, 1);
          const pub = await client({ clientId: uid('pub') });
          for (let i = 0; i < 6; i++) await pub.publish(topic, String(i), { qos: 1 });
          for (let i = 0; i < 6; i++) await plain.next('publish', (p) => p.payload.toString() === String(i));
          // The publisher has all six PUBACKs: a PINGRESP to each member comes after anything routed to it.
          for (const m of members) {
            m.send({ type: 'pingreq' });
            await m.next('pingresp');
          }
          const got = members.flatMap((m) => m.all('publish').map((p) => p.payload.toString())).sort();
          expect(got).toEqual(['0', '1', '2', '3', '4', '5']);
          expect(members.every((m) => m.all('publish').length > 0)).toBe(true);
        });

        // Mosquitto 2.0.11 accepts No Local on a shared subscription; the spec makes it a Protocol Error.
        it('[MQTT-3.8.3-4] No Local on a shared subscription is a protocol error', async () => {
          const c = await client({ clientId: uid('c') });
          const filter = `$share/g/${uid('t')}`;
          c.sendRaw(Buffer.from([0x82, 3 + 2 + filter.length + 1, 0x00, 0x01, 0x00, 0x00, filter.length, ...Buffer.from(filter), 0x04]));
          if (mosquitto) expect((await c.next('suback')).reasonCodes).toEqual([0]);
          else expect((await c.next('disconnect')).reasonCode).toBe(0x82);
        });
      });

      describe('subscription options', () => {
        it('[MQTT-3.8.3-3] No Local: a client does not get its own messages', async () => {
          const topic = uid('bt/nolocal');
          const c = await client({ clientId: uid('c') });
          await c.subscribe([{ topicFilter: topic, qos: 1, noLocal: true }]);
          const other = await client({ clientId: uid('o') });
          await c.publish(topic, 'own', { qos: 1 });
          expect(await firstOn(c, other, topic)).toBe('marker');
        });

        it('[MQTT-3.3.1-12] [MQTT-3.3.1-13] Retain As Published keeps RETAIN on live messages, otherwise it is 0', async () => {
          const topic = uid('bt/rap');
          const rap = await client({ clientId: uid('rap') });
          await rap.subscribe([{ topicFilter: topic, qos: 1, retainAsPublished: true }]);
          const plain = await client({ clientId: uid('plain') });
          await plain.subscribe(topic, 1);
          const pub = await client({ clientId: uid('pub') });
          await pub.publish(topic, 'r', { qos: 1, retain: true });
          expect((await rap.next('publish')).retain).toBe(true);
          expect((await plain.next('publish')).retain).toBe(false);
        });

        it('[MQTT-3.3.1-9] [MQTT-3.3.1-10] [MQTT-3.3.1-11] Retain Handling 0 / 1 / 2', async () => {
          const topic = uid('bt/rh');
          const pub = await client({ clientId: uid('pub') });
          await pub.publish(topic, 'kept', { qos: 1, retain: true });
          const c = await client({ clientId: uid('c') });
          const sub = (rh: 0 | 1 | 2) => c.subscribe([{ topicFilter: topic, qos: 1, retainHandling: rh }]);
          await sub(2);
          await sub(1); // exists already
          expect(await firstOn(c, pub, topic)).toBe('marker');
          const d = await client({ clientId: uid('d') });
          await d.subscribe([{ topicFilter: topic, qos: 1, retainHandling: 1 }]); // new
          expect((await d.next('publish')).payload.toString()).toBe('kept');
          await sub(0);
          expect((await c.next('publish', (p) => p.retain)).payload.toString()).toBe('kept');
        });

        it('[MQTT-3.3.4-3] the subscription identifier comes with each matching message', async () => {
          const topic = uid('bt/subid');
          const c = await client({ clientId: uid('c') });
          await c.subscribe(`${topic}/+`, 1, { subscriptionIdentifier: 42 });
          const pub = await client({ clientId: uid('pub') });
          await pub.publish(`${topic}/x`, 'x', { qos: 1 });
          expect((await c.next('publish')).properties?.subscriptionIdentifier).toBe(42);
        });
      });
    });

    describe(`limits (receive maximum ${LIMITS.receiveMaximum}, packet size ${LIMITS.maximumPacketSize}, topic aliases ${LIMITS.topicAliasMaximum})`, () => {
      hooks(LIMITS);

      it('CONNACK advertises the limits', async () => {
        const c = await client({ clientId: uid('c'), keepalive: 60 });
        expect(c.all('connack')[0]?.properties).toMatchObject({
          receiveMaximum: LIMITS.receiveMaximum,
          maximumPacketSize: LIMITS.maximumPacketSize,
          topicAliasMaximum: LIMITS.topicAliasMaximum,
        });
      });

      it('[MQTT-3.3.2-12] topic aliases up to the maximum; above it 0x94; an unknown alias 0x82', async () => {
        const topic = uid('bt/alias');
        const sub = await client({ clientId: uid('sub') });
        await sub.subscribe(topic, 0);
        const c = await client({ clientId: uid('c') });
        await c.publish(topic, 'set', { qos: 1, properties: { topicAlias: 3 } });
        await c.publish('', 'use', { qos: 1, properties: { topicAlias: 3 } });
        expect((await sub.next('publish')).topic).toBe(topic);
        expect((await sub.next('publish')).topic).toBe(topic);
        await c.publish(topic, 'x', { properties: { topicAlias: 4 } });
        expect((await c.next('disconnect')).reasonCode).toBe(0x94);
        const d = await client({ clientId: uid('d') });
        await d.publish('', 'x', { properties: { topicAlias: 1 } });
        expect((await d.next('disconnect')).reasonCode).toBe(0x82);
      });

      // Mosquitto 2.0.11 answers the PUBLISH beyond its Receive Maximum with PUBREC 0x97 (Quota exceeded) and
      // keeps the link; the spec wants DISCONNECT 0x93 (Receive Maximum exceeded).
      it('one QoS 2 PUBLISH beyond our Receive Maximum', async () => {
        const c = await client({ clientId: uid('c') }, { autoAck: false });
        for (let id = 1; id <= LIMITS.receiveMaximum + 1; id++) {
          c.send({ type: 'publish', topic: uid('bt/rm'), payload: Buffer.from('x'), qos: 2, retain: false, dup: false, packetId: id, properties: undefined });
        }
        if (mosquitto) {
          const third = await c.next('pubrec', (p) => p.packetId === LIMITS.receiveMaximum + 1);
          expect(third.reasonCode).toBe(0x97);
        } else {
          expect((await c.next('disconnect')).reasonCode).toBe(0x93);
        }
        // (0x10 No matching subscribers is a success code too)
        expect(c.all('pubrec').filter((p) => (p.reasonCode ?? 0) < 0x80)).toHaveLength(LIMITS.receiveMaximum);
      });

      // Mosquitto 2.0.11 sends the first two, but after one PUBACK it sends two more: three unacknowledged
      // QoS 1 PUBLISHes against a Receive Maximum of 2. The spec allows one more per acknowledgement.
      it("[MQTT-3.3.4-9] the client's Receive Maximum bounds unacknowledged deliveries", async () => {
        const topic = uid('bt/crm');
        const s = await client({ clientId: uid('s'), properties: { receiveMaximum: 2 } }, { autoAck: false });
        await s.subscribe(topic, 1);
        const pub = await client({ clientId: uid('pub') });
        for (let i = 0; i < 4; i++) await pub.publish(topic, String(i), { qos: 1 });
        const p0 = await s.next('publish');
        await s.next('publish');
        s.send({ type: 'pingreq' });
        await s.next('pingresp'); // anything sent before PINGRESP has arrived by now
        expect(s.all('publish')).toHaveLength(2);
        s.send(s.ack('puback', p0.packetId!));
        expect((await s.next('publish')).payload.toString()).toBe('2');
        if (mosquitto) await s.next('publish', (p) => p.payload.toString() === '3');
        s.send({ type: 'pingreq' });
        await s.next('pingresp');
        expect(s.all('publish')).toHaveLength(mosquitto ? 4 : 3);
      });

      it('[MQTT-3.2.2-15] a packet above our Maximum Packet Size: DISCONNECT 0x95', async () => {
        const c = await client({ clientId: uid('c') });
        c.send({ type: 'publish', topic: uid('bt/mps'), payload: Buffer.alloc(LIMITS.maximumPacketSize), qos: 0, retain: false, dup: false, packetId: undefined, properties: undefined });
        expect((await c.next('disconnect')).reasonCode).toBe(0x95);
      });

      it("[MQTT-3.1.2-24] [MQTT-3.1.2-25] a message above the client's Maximum Packet Size is dropped", async () => {
        const topic = uid('bt/cmps');
        const s = await client({ clientId: uid('s'), properties: { maximumPacketSize: 64 } });
        await s.subscribe(topic, 1);
        const pub = await client({ clientId: uid('pub') });
        await pub.publish(topic, Buffer.alloc(100), { qos: 1 });
        await pub.publish(topic, 'small', { qos: 1 });
        expect((await s.next('publish')).payload.toString()).toBe('small');
        expect(s.all('publish')).toHaveLength(1);
      });
    });
  });
}
