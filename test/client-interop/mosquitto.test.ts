/**
 * The mqttx client against a real Mosquitto (private instance, free loopback ports, persistence on, a TLS
 * listener with generated certificates): QoS 0/1/2 both ways in 3.1.1 and 5.0, retained messages, wills,
 * persistent sessions resumed after a client reconnect and after a Mosquitto restart, 5.0 properties,
 * topic aliases, subscription options, request / response, TLS. Skipped loudly without Mosquitto, failing
 * under CI=true.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { MqttClient, type ClientOptions, type ConnectedInfo, type Message } from '@mqttx/client';
import { makeCerts, type TestCerts } from '../helpers/certs.js';
import { describeMosquitto, startMosquitto, type MosquittoInstance } from '../helpers/mosquitto.js';

/** Collects messages of a client; `next(n)` waits for the n-th. */
function inbox(c: MqttClient) {
  const got: Message[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  c.on('message', (m) => {
    got.push(m);
    for (const w of waiters.filter((x) => got.length >= x.n)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  });
  return {
    got,
    async next(n: number, ms = 5000): Promise<Message[]> {
      if (got.length < n) {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`only ${got.length} of ${n} messages`)), ms);
          waiters.push({ n, resolve: () => (clearTimeout(timer), resolve()) });
        });
      }
      return got.slice(0, n);
    },
  };
}

describeMosquitto('mqttx client against Mosquitto', () => {
  let mq: MosquittoInstance;
  let certs: TestCerts;
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    certs = await makeCerts();
    mq = await startMosquitto({
      persistence: true,
      tls: { caFile: certs.files.ca, certFile: certs.files.serverCert, keyFile: certs.files.serverKey },
    });
  });

  afterAll(async () => {
    for (const c of clients) c.destroy();
    await mq?.stop();
  });

  async function client(options: Partial<ClientOptions> & { clientId: string }): Promise<MqttClient> {
    const c = new MqttClient({ brokers: mq.url, reconnect: { initialDelay: 50, maxDelay: 200 }, ...options });
    clients.push(c);
    await c.connect();
    return c;
  }

  for (const protocolVersion of [4, 5] as const) {
    it(`v${protocolVersion}: QoS 0/1/2 both ways, granted QoS per filter, no extension needed [MQTT-7.0.0-2]`, async () => {
      const sub = await client({ clientId: `sub-${protocolVersion}`, protocolVersion });
      const box = inbox(sub);
      const grants = await sub.subscribe({ [`i${protocolVersion}/0`]: 0, [`i${protocolVersion}/1`]: 1, [`i${protocolVersion}/2`]: 2 });
      expect(grants.map((g) => g.qos)).toEqual([0, 1, 2]);
      const pub = await client({ clientId: `pub-${protocolVersion}`, protocolVersion });
      await pub.publish(`i${protocolVersion}/0`, 'a');
      expect((await pub.publish(`i${protocolVersion}/1`, 'b', { qos: 1 }))?.type).toBe('puback');
      expect((await pub.publish(`i${protocolVersion}/2`, 'c', { qos: 2 }))?.type).toBe('pubcomp');
      const got = await box.next(3);
      expect(got.map((m) => [m.payload.toString(), m.qos])).toEqual([
        ['a', 0],
        ['b', 1],
        ['c', 2],
      ]);
      await pub.end();
      await sub.end();
    });

    it(`v${protocolVersion}: retained message on subscribe; will published on an unclean close`, async () => {
      const pub = await client({ clientId: `ret-${protocolVersion}`, protocolVersion });
      await pub.publish(`ret${protocolVersion}/x`, 'kept', { qos: 1, retain: true });
      const sub = await client({ clientId: `rsub-${protocolVersion}`, protocolVersion });
      const box = inbox(sub);
      await sub.subscribe([`ret${protocolVersion}/x`, `will${protocolVersion}/#`], { qos: 1 });
      const [m] = await box.next(1);
      expect([m!.retain, m!.payload.toString()]).toEqual([true, 'kept']);
      const dying = await client({
        clientId: `dying-${protocolVersion}`,
        protocolVersion,
        will: { topic: `will${protocolVersion}/d`, payload: 'bye', qos: 1 },
      });
      dying.destroy();
      const got = await box.next(2);
      expect([got[1]!.topic, got[1]!.payload.toString()]).toEqual([`will${protocolVersion}/d`, 'bye']);
      await pub.publish(`ret${protocolVersion}/x`, '', { qos: 1, retain: true });
      await pub.end();
      await sub.end();
    });

    it(`v${protocolVersion}: a persistent session receives what was queued while it was away`, async () => {
      const session = { clientId: `per-${protocolVersion}`, protocolVersion, clean: false, properties: protocolVersion === 5 ? { sessionExpiryInterval: 300 } : undefined };
      const first = await client(session);
      await first.subscribe(`per${protocolVersion}/#`, { qos: 2 });
      await first.end();
      const pub = await client({ clientId: `perpub-${protocolVersion}`, protocolVersion });
      await pub.publish(`per${protocolVersion}/1`, 'one', { qos: 1 });
      await pub.publish(`per${protocolVersion}/2`, 'two', { qos: 2 });
      const again = new MqttClient({ brokers: mq.url, ...session });
      clients.push(again);
      const info = await again.connect();
      expect(info.sessionPresent).toBe(true);
      // Attached after connect() resolved: the queued messages that came with the CONNACK are not lost.
      const box = inbox(again);
      const got = await box.next(2);
      expect(got.map((m) => m.payload.toString())).toEqual(['one', 'two']);
      await again.end();
      await pub.end();
    });
  }

  it('session and queued messages survive a Mosquitto restart; a connected client reconnects by itself', async () => {
    const session = { clientId: 'restart', clean: false, properties: { sessionExpiryInterval: 300 } };
    const watcher = await client({ clientId: 'watcher' });
    const first = await client(session);
    await first.subscribe('rs/#', { qos: 1 });
    await first.end();
    const pub = await client({ clientId: 'rspub' });
    await pub.publish('rs/1', 'survives', { qos: 1 });
    const back = new Promise<ConnectedInfo>((resolve) => watcher.once('connect', resolve));
    await mq.restart();
    await back; // the watcher reconnected on its own
    const again = new MqttClient({ brokers: mq.url, ...session });
    clients.push(again);
    expect((await again.connect()).sessionPresent).toBe(true);
    const box = inbox(again);
    expect((await box.next(1))[0]!.payload.toString()).toBe('survives');
    await again.end();
    await watcher.end();
    pub.destroy();
  });

  it('5.0 properties round trip; request / response with response topic and correlation data', async () => {
    const responder = await client({ clientId: 'responder' });
    await responder.subscribe('svc/req', { qos: 1 });
    responder.on('message', (m) => {
      const p = m.properties!;
      void responder.publish(p.responseTopic!, `re:${m.payload.toString()}`, { qos: 1, properties: { correlationData: p.correlationData } });
    });
    const requester = await client({ clientId: 'requester' });
    const box = inbox(requester);
    await requester.subscribe('svc/resp/requester', { qos: 1 });
    const properties = {
      responseTopic: 'svc/resp/requester',
      correlationData: Buffer.from([1, 2, 3]),
      contentType: 'text/plain',
      payloadFormatIndicator: 1 as const,
      messageExpiryInterval: 60,
      userProperties: [
        ['a', '1'],
        ['a', '2'],
      ] as Array<[string, string]>,
    };
    const spy = await client({ clientId: 'spy' });
    const spyBox = inbox(spy);
    await spy.subscribe('svc/req', { qos: 1 });
    await requester.publish('svc/req', 'ping', { qos: 1, properties });
    const [reply] = await box.next(1);
    expect(reply!.payload.toString()).toBe('re:ping');
    expect(reply!.properties?.correlationData).toEqual(Buffer.from([1, 2, 3]));
    const [seen] = await spyBox.next(1);
    expect(seen!.properties).toMatchObject({
      responseTopic: 'svc/resp/requester',
      contentType: 'text/plain',
      payloadFormatIndicator: 1,
      userProperties: [
        ['a', '1'],
        ['a', '2'],
      ],
    });
    await Promise.all([responder.end(), requester.end(), spy.end()]);
  });

  it('topic aliases: later publishes to a topic are smaller on the wire and arrive with the topic', async () => {
    const sub = await client({ clientId: 'alias-sub' });
    const box = inbox(sub);
    const topic = 'a/very/long/topic/name/used/for/aliases';
    await sub.subscribe(topic, { qos: 1 });
    const pub = await client({ clientId: 'alias-pub', topicAliases: 'auto' });
    expect(pub.serverLimits!.topicAliasMaximum).toBeGreaterThan(0);
    const sizes: number[] = [];
    for (let i = 0; i < 3; i++) {
      const before = pub.stats.bytesSent;
      await pub.publish(topic, String(i), { qos: 1 });
      sizes.push(pub.stats.bytesSent - before);
    }
    expect(sizes[1]).toBeLessThan(sizes[0]! - topic.length + 5);
    expect(sizes[2]).toBe(sizes[1]);
    const got = await box.next(3);
    expect(got.map((m) => m.topic)).toEqual([topic, topic, topic]);
    await pub.end();
    await sub.end();
  });

  it('subscription options: No Local, Retain As Published, Retain Handling 2', async () => {
    const c = await client({ clientId: 'opts' });
    const box = inbox(c);
    await c.publish('so/r', 'ret', { qos: 1, retain: true });
    await c.subscribe({ 'so/nl': { qos: 1, noLocal: true }, 'so/r': { qos: 1, retainHandling: 2 }, 'so/rap': { qos: 1, retainAsPublished: true } });
    await c.publish('so/nl', 'own', { qos: 1 });
    await c.publish('so/rap', 'flag', { qos: 1, retain: true });
    await c.publish('so/rap', 'marker', { qos: 1 });
    const got = await box.next(2);
    // No retained message at subscribe (2), no own message (No Local): only so/rap, its retain flag kept.
    expect(got.map((m) => [m.topic, m.retain])).toEqual([
      ['so/rap', true],
      ['so/rap', false],
    ]);
    await c.publish('so/r', '', { qos: 1, retain: true });
    await c.publish('so/rap', '', { qos: 1, retain: true });
    await c.end();
  });

  it('TLS listener: connect with the generated CA, publish and receive (TCP and TLS transports) [MQTT-7.1.2-1] [MQTT-7.1.2-2]', async () => {
    const c = new MqttClient({ brokers: mq.tlsUrl!, clientId: 'tls', tls: { ca: certs.ca } });
    clients.push(c);
    await c.connect();
    const box = inbox(c);
    await c.subscribe('tls/x', { qos: 1 });
    await c.publish('tls/x', 'secure', { qos: 1 });
    expect((await box.next(1))[0]!.payload.toString()).toBe('secure');
    await c.end();
  });
});
