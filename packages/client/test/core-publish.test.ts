/**
 * Client core: outbound publishes. QoS 0/1/2 sender flows, failure reason codes, the Receive Maximum
 * window, server limits (packet size, QoS, retain), topic aliases, offline queues and their bounds,
 * packet ids, durable persistence. Scripted input -> expected actions, fake time.
 */
import { describe, expect, it } from 'vitest';
import { decode, MqttxError, type ConnackPacket, type Packet, type Properties, type PublishPacket } from '@mqttx/codec';
import {
  ClientCore,
  PublishOp,
  RecordingEffects,
  SubscribeOp,
  type Action,
  type CoreOptions,
  type PersistRecord,
} from '../src/state/index.js';

const T0 = 5_000;

function connack(sessionPresent = false, properties?: Properties): ConnackPacket {
  return { type: 'connack', sessionPresent, reasonCode: 0, properties };
}

function setup(options: CoreOptions = {}) {
  const fx = new RecordingEffects();
  const core = new ClientCore(options, fx);
  return { core, fx };
}

/** A core connected with a CONNACK carrying `props`; recorded actions cleared. */
function online(options: CoreOptions = {}, props?: Properties) {
  const { core, fx } = setup(options);
  core.open(T0);
  core.receive(connack(false, props), T0);
  fx.take();
  return { core, fx };
}

function sends(actions: Action[]): Packet[] {
  return actions.filter((a) => a.kind === 'send').map((a) => (a as { packet: Packet }).packet);
}

function settles(actions: Action[]) {
  return actions.filter((a) => a.kind === 'settle') as Array<Extract<Action, { kind: 'settle' }>>;
}

function codeOf(error: unknown): string | undefined {
  return error instanceof MqttxError ? error.code : undefined;
}

const pub = (topic: string, qos: 0 | 1 | 2, payload = 'x', retain = false, properties?: Properties) =>
  new PublishOp(topic, Buffer.from(payload), qos, retain, properties);

const ack = (type: 'puback' | 'pubrec' | 'pubcomp', packetId: number, reasonCode = 0) =>
  ({ type, packetId, reasonCode, properties: undefined }) as Packet;

describe('core: publish flows', () => {
  for (const protocolVersion of [4, 5] as const) {
    it(`v${protocolVersion} [MQTT-4.3.1-1] [MQTT-3.3.1-2] [MQTT-2.2.1-2] (5.0) / [MQTT-2.3.1-5] (3.1.1) QoS 0: PUBLISH with DUP 0 and no packet id, handed to the driver to settle on write`, () => {
      const { core, fx } = online({ protocolVersion });
      const op = pub('a/b', 0);
      core.publish(op, T0 + 1);
      const actions = fx.take();
      expect(actions).toHaveLength(1);
      expect(actions[0]).toMatchObject({ kind: 'send', op, packet: { type: 'publish', topic: 'a/b', qos: 0, dup: false, packetId: undefined } });
      expect(op.done).toBe(true);
    });

    it(`v${protocolVersion} [MQTT-4.3.2-1] [MQTT-4.3.2-2] [MQTT-4.3.2-3] QoS 1: new id, DUP 0, settled by PUBACK`, () => {
      const { core, fx } = online({ protocolVersion });
      const a = pub('t', 1);
      const b = pub('t', 1);
      core.publish(a, T0);
      core.publish(b, T0);
      // [MQTT-2.2.1-3] (5.0) / [MQTT-2.3.1-2] (3.1.1): unused ids, increasing from 1.
      expect(sends(fx.take())).toMatchObject([
        { type: 'publish', qos: 1, dup: false, packetId: 1 },
        { type: 'publish', qos: 1, dup: false, packetId: 2 },
      ]);
      core.receive(ack('puback', 2), T0 + 1);
      core.receive(ack('puback', 1), T0 + 1);
      const s = settles(fx.take());
      expect(s.map((x) => [x.op, x.error, (x.value as Packet).type])).toEqual([
        [b, undefined, 'puback'],
        [a, undefined, 'puback'],
      ]);
      expect(core.inflightCount).toBe(0);
    });

    it(`v${protocolVersion} [MQTT-4.3.3-1] [MQTT-4.3.3-2] [MQTT-4.3.3-3] [MQTT-4.3.3-4] [MQTT-2.3.1-6] (3.1.1) QoS 2: PUBREC -> PUBREL with the same id, settled by PUBCOMP`, () => {
      const { core, fx } = online({ protocolVersion });
      const op = pub('t', 2);
      core.publish(op, T0);
      expect(sends(fx.take())).toMatchObject([{ type: 'publish', qos: 2, dup: false, packetId: 1 }]);
      core.receive(ack('pubrec', 1), T0 + 1);
      expect(fx.take()).toMatchObject([{ kind: 'send', packet: { type: 'pubrel', packetId: 1, reasonCode: undefined } }]);
      // [MQTT-4.3.3-5] a repeated PUBREC gets the PUBREL again; the op is still open.
      core.receive(ack('pubrec', 1), T0 + 2);
      expect(sends(fx.take())).toMatchObject([{ type: 'pubrel', packetId: 1 }]);
      expect(op.done).toBe(false);
      core.receive(ack('pubcomp', 1), T0 + 3);
      expect(settles(fx.take())).toMatchObject([{ op, error: undefined, value: { type: 'pubcomp', packetId: 1 } }]);
      expect(core.inflightCount).toBe(0);
    });
  }

  it('[MQTT-4.6.0-4] PUBREL packets go out in the order the PUBRECs arrived', () => {
    const { core, fx } = online({ protocolVersion: 5 });
    core.publish(pub('t', 2, 'a'), T0);
    core.publish(pub('t', 2, 'b'), T0);
    core.publish(pub('t', 2, 'c'), T0);
    fx.take();
    for (const id of [2, 3, 1]) core.receive(ack('pubrec', id), T0);
    expect(sends(fx.take()).map((p) => (p as { packetId: number }).packetId)).toEqual([2, 3, 1]);
  });

  it('5.0 PUBACK with a success code (0x10 no matching subscribers) settles normally', () => {
    const { core, fx } = online({ protocolVersion: 5 });
    const op = pub('t', 1);
    core.publish(op, T0);
    fx.take();
    core.receive(ack('puback', 1, 0x10), T0);
    expect(settles(fx.take())).toMatchObject([{ op, error: undefined, value: { reasonCode: 0x10 } }]);
  });

  it.each([0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99])('[MQTT-4.4.0-2] 5.0 PUBACK failure %i: PubackError, id freed, never resent', (rc) => {
    const { core, fx } = online({ protocolVersion: 5, clean: false, clientId: 'c' });
    const op = pub('t', 1);
    core.publish(op, T0);
    fx.take();
    core.receive({ type: 'puback', packetId: 1, reasonCode: rc, properties: { reasonString: 'nope' } }, T0);
    const [s] = settles(fx.take());
    expect(s!.op).toBe(op);
    expect(s!.error).toMatchObject({ code: 'ERR_PUBACK_FAILED', reasonCode: rc, kind: 'publish' });
    expect(core.inflightCount).toBe(0);
    core.closed(undefined, T0 + 1);
    core.open(T0 + 2);
    core.receive(connack(true), T0 + 2);
    expect(sends(fx.take()).filter((p) => p.type === 'publish')).toEqual([]);
  });

  it.each([0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99])('[MQTT-4.4.0-2] 5.0 PUBREC failure %i: PubrecError, no PUBREL, id freed', (rc) => {
    const { core, fx } = online({ protocolVersion: 5 });
    const op = pub('t', 2);
    core.publish(op, T0);
    fx.take();
    core.receive(ack('pubrec', 1, rc), T0);
    const actions = fx.take();
    expect(sends(actions)).toEqual([]);
    expect(settles(actions)[0]!.error).toMatchObject({ code: 'ERR_PUBREC_FAILED', reasonCode: rc });
    expect(core.inflightCount).toBe(0);
  });

  it('PUBACK or PUBCOMP for an id not in flight is a protocol violation (5.0: DISCONNECT 0x82)', () => {
    for (const type of ['puback', 'pubcomp'] as const) {
      const { core, fx } = online({ protocolVersion: 5 });
      core.receive(ack(type, 77), T0);
      const actions = fx.take();
      expect(sends(actions)).toEqual([{ type: 'disconnect', reasonCode: 0x82, properties: undefined }]);
      expect(actions.at(-1)).toMatchObject({ kind: 'close', error: { code: 'ERR_PROTOCOL_VIOLATION', reasonCode: 0x82 } });
    }
  });

  it('PUBACK for a QoS 2 publish, or PUBCOMP before PUBREC, is a protocol violation', () => {
    const a = online({ protocolVersion: 5 });
    a.core.publish(pub('t', 2), T0);
    a.fx.take();
    a.core.receive(ack('puback', 1), T0);
    expect(a.fx.take().at(-1)).toMatchObject({ kind: 'close', error: { code: 'ERR_PROTOCOL_VIOLATION' } });
    const b = online({ protocolVersion: 4 });
    b.core.publish(pub('t', 2), T0);
    b.fx.take();
    b.core.receive(ack('pubcomp', 1), T0);
    expect(b.fx.take()).toMatchObject([{ kind: 'close', error: { code: 'ERR_PROTOCOL_VIOLATION' } }]);
  });

  it('PUBREC for an unknown id: 5.0 answers PUBREL 0x92, 3.1.1 closes', () => {
    const a = online({ protocolVersion: 5 });
    a.core.receive(ack('pubrec', 9), T0);
    expect(sends(a.fx.take())).toEqual([{ type: 'pubrel', packetId: 9, reasonCode: 0x92, properties: undefined }]);
    expect(a.core.connected).toBe(true);
    const b = online({ protocolVersion: 4 });
    b.core.receive(ack('pubrec', 9), T0);
    expect(b.fx.take()).toMatchObject([{ kind: 'close', error: { code: 'ERR_PROTOCOL_VIOLATION' } }]);
  });
});

describe('core: Receive Maximum window', () => {
  it('[MQTT-3.3.4-7] [MQTT-4.9.0-1] [MQTT-4.9.0-2] no more QoS 1/2 in flight than the server Receive Maximum; the rest wait in order', () => {
    const { core, fx } = online({ protocolVersion: 5 }, { receiveMaximum: 2 });
    const ops = [pub('t', 1, '1'), pub('t', 2, '2'), pub('t', 1, '3'), pub('t', 1, '4')];
    for (const op of ops) core.publish(op, T0);
    expect(sends(fx.take()).map((p) => (p as PublishPacket).payload.toString())).toEqual(['1', '2']);
    expect(core.queuedCount).toBe(2);
    // [MQTT-3.3.4-8] [MQTT-4.9.0-3] QoS 0 and SUBSCRIBE are not held back at zero quota.
    core.publish(pub('q0', 0), T0);
    core.subscribe(new SubscribeOp([{ topicFilter: 's', qos: 0 }]), T0);
    expect(sends(fx.take()).map((p) => p.type)).toEqual(['publish', 'subscribe']);
    core.receive(ack('puback', ops[0]!.packetId!), T0 + 1);
    expect(sends(fx.take()).map((p) => (p as PublishPacket).payload.toString())).toEqual(['3']);
    // The QoS 2 publish holds its slot until PUBCOMP, not PUBREC.
    core.receive(ack('pubrec', ops[1]!.packetId!), T0 + 2);
    expect(sends(fx.take()).map((p) => p.type)).toEqual(['pubrel']);
    core.receive(ack('pubcomp', ops[1]!.packetId!), T0 + 3);
    expect(sends(fx.take()).map((p) => (p as PublishPacket).payload.toString())).toEqual(['4']);
  });

  it('a failing PUBACK frees the slot too', () => {
    const { core, fx } = online({ protocolVersion: 5 }, { receiveMaximum: 1 });
    core.publish(pub('t', 1, '1'), T0);
    core.publish(pub('t', 1, '2'), T0);
    fx.take();
    core.receive(ack('puback', 1, 0x80), T0);
    expect(sends(fx.take())).toMatchObject([{ type: 'publish', packetId: 2 }]);
  });

  it('option maxInflight caps the window below the server limit (3.1.1 too)', () => {
    const { core, fx } = online({ protocolVersion: 4, maxInflight: 1 });
    core.publish(pub('t', 1, '1'), T0);
    core.publish(pub('t', 1, '2'), T0);
    expect(sends(fx.take())).toHaveLength(1);
    core.receive(ack('puback', 1), T0);
    expect(sends(fx.take())).toMatchObject([{ packetId: 2 }]);
  });

  it('after a reconnect with session present, redelivery also respects the window', () => {
    const { core, fx } = online({ protocolVersion: 5, clean: false, clientId: 'c' });
    for (let i = 1; i <= 3; i++) core.publish(pub('t', 1, String(i)), T0);
    core.closed(undefined, T0 + 1);
    core.open(T0 + 2);
    fx.take();
    core.receive(connack(true, { receiveMaximum: 2 }), T0 + 3);
    expect(sends(fx.take())).toMatchObject([
      { packetId: 1, dup: true },
      { packetId: 2, dup: true },
    ]);
    core.publish(pub('t', 1, 'new'), T0 + 4);
    expect(sends(fx.take())).toEqual([]);
    core.receive(ack('puback', 1), T0 + 5);
    expect(sends(fx.take())).toMatchObject([{ packetId: 3, dup: true }]);
    core.receive(ack('puback', 2), T0 + 5);
    expect(sends(fx.take())).toMatchObject([{ packetId: 4, dup: false }]);
  });
});

describe('core: server limits', () => {
  it('[MQTT-3.2.2-15] a publish above the server Maximum Packet Size is refused before sending', () => {
    const { core, fx } = online({ protocolVersion: 5 }, { maximumPacketSize: 64 });
    const big = pub('t', 1, 'x'.repeat(100));
    const small = pub('t', 1, 'ok');
    core.publish(big, T0);
    core.publish(small, T0);
    const actions = fx.take();
    expect(settles(actions)).toMatchObject([{ op: big, error: { code: 'ERR_PACKET_TOO_LARGE', reasonCode: 0x95 } }]);
    expect(sends(actions)).toMatchObject([{ type: 'publish', payload: Buffer.from('ok') }]);
    expect(core.inflightCount).toBe(1);
    const q0 = pub('t', 0, 'y'.repeat(70));
    core.publish(q0, T0);
    expect(fx.take()).toMatchObject([{ kind: 'settle', op: q0, error: { code: 'ERR_PACKET_TOO_LARGE' } }]);
  });

  it('[MQTT-3.2.2-11] QoS above the server Maximum QoS is refused (QosNotSupportedError)', () => {
    const { core, fx } = online({ protocolVersion: 5 }, { maximumQoS: 1 });
    const op = pub('t', 2);
    core.publish(op, T0);
    expect(fx.take()).toMatchObject([{ kind: 'settle', op, error: { code: 'ERR_QOS_NOT_SUPPORTED', reasonCode: 0x9b } }]);
    expect(core.inflightCount).toBe(0);
  });

  it('[MQTT-3.2.2-11] with downgradeQos the publish goes at the Maximum QoS', () => {
    const { core, fx } = online({ protocolVersion: 5, downgradeQos: true }, { maximumQoS: 0 });
    const a = pub('t', 2);
    const b = pub('t', 1);
    core.publish(a, T0);
    core.publish(b, T0);
    const actions = fx.take();
    expect(actions).toMatchObject([
      { kind: 'send', op: a, packet: { qos: 0, packetId: undefined, dup: false } },
      { kind: 'send', op: b, packet: { qos: 0, packetId: undefined } },
    ]);
    expect(core.inflightCount).toBe(0);
    const c = online({ protocolVersion: 5, downgradeQos: true }, { maximumQoS: 1 });
    c.core.publish(pub('t', 2), T0);
    expect(sends(c.fx.take())).toMatchObject([{ qos: 1, packetId: 1 }]);
  });

  it('[MQTT-3.2.2-14] RETAIN refused when Retain Available is 0, or cleared with downgradeQos', () => {
    const a = online({ protocolVersion: 5 }, { retainAvailable: false });
    const op = pub('t', 1, 'x', true);
    a.core.publish(op, T0);
    expect(a.fx.take()).toMatchObject([{ kind: 'settle', op, error: { code: 'ERR_RETAIN_NOT_SUPPORTED', reasonCode: 0x9a } }]);
    const b = online({ protocolVersion: 5, downgradeQos: true }, { retainAvailable: false });
    b.core.publish(pub('t', 0, 'x', true), T0);
    expect(sends(b.fx.take())).toMatchObject([{ retain: false }]);
  });

  it('limits of a publish queued offline are checked against the connection it is sent on', () => {
    const { core, fx } = setup({ protocolVersion: 5 });
    const op = pub('t', 2);
    core.publish(op, T0);
    core.open(T0);
    core.receive(connack(false, { maximumQoS: 1 }), T0);
    expect(settles(fx.take())).toMatchObject([{ op, error: { code: 'ERR_QOS_NOT_SUPPORTED' } }]);
  });
});

describe('core: outbound topic aliases (5.0)', () => {
  it('[MQTT-3.3.2-9] [MQTT-3.2.2-17] [MQTT-3.3.2-8] auto aliases: topic + alias first, then empty topic; never above the maximum', () => {
    const { core, fx } = online({ protocolVersion: 5, topicAliases: 'auto' }, { topicAliasMaximum: 2 });
    for (const t of ['a', 'a', 'b', 'c', 'b']) core.publish(pub(t, 0), T0);
    expect(sends(fx.take())).toMatchObject([
      { topic: 'a', properties: { topicAlias: 1 } },
      { topic: '', properties: { topicAlias: 1 } },
      { topic: 'b', properties: { topicAlias: 2 } },
      { topic: 'c', properties: undefined },
      { topic: '', properties: { topicAlias: 2 } },
    ]);
  });

  it('keeps the publish properties next to the alias and does not touch the op', () => {
    const { core, fx } = online({ protocolVersion: 5, topicAliases: 'auto' }, { topicAliasMaximum: 1 });
    const op = pub('a', 1, 'x', false, { contentType: 'text/plain' });
    core.publish(op, T0);
    expect(sends(fx.take())).toMatchObject([{ topic: 'a', packetId: 1, properties: { contentType: 'text/plain', topicAlias: 1 } }]);
    expect(op.topic).toBe('a');
    expect(op.properties).toEqual({ contentType: 'text/plain' });
  });

  it('[MQTT-3.2.2-18] no Topic Alias Maximum from the server: no aliases', () => {
    const { core, fx } = online({ protocolVersion: 5, topicAliases: 'auto' });
    core.publish(pub('a', 0), T0);
    core.publish(pub('a', 0), T0);
    expect(sends(fx.take())).toMatchObject([
      { topic: 'a', properties: undefined },
      { topic: 'a', properties: undefined },
    ]);
  });

  it('aliases start over on every connection; a redelivery sends the topic again', () => {
    const { core, fx } = online({ protocolVersion: 5, topicAliases: 'auto', clean: false, clientId: 'c' }, { topicAliasMaximum: 5 });
    core.publish(pub('a', 1), T0);
    core.publish(pub('a', 0), T0);
    core.closed(undefined, T0 + 1);
    core.open(T0 + 2);
    fx.take();
    core.receive(connack(true, { topicAliasMaximum: 5 }), T0 + 3);
    core.publish(pub('a', 0), T0 + 4);
    expect(sends(fx.take())).toMatchObject([
      { topic: 'a', dup: true, properties: { topicAlias: 1 } },
      { topic: '', properties: { topicAlias: 1 } },
    ]);
  });

  it('the user may not set topicAlias or subscriptionIdentifier [MQTT-3.3.4-6]', () => {
    const { core, fx } = online({ protocolVersion: 5 });
    const a = pub('t', 0, 'x', false, { topicAlias: 1 });
    const b = pub('t', 0, 'x', false, { subscriptionIdentifier: 1 });
    core.publish(a, T0);
    core.publish(b, T0);
    expect(settles(fx.take()).map((s) => codeOf(s.error))).toEqual(['ERR_INVALID_REQUEST', 'ERR_INVALID_REQUEST']);
  });
});

describe('core: publish validation', () => {
  it('refuses invalid requests with typed errors and sends nothing', () => {
    const { core, fx } = online({ protocolVersion: 4 });
    const cases: Array<[PublishOp, string]> = [
      [pub('a/+', 0), 'ERR_INVALID_TOPIC'],
      [pub('a/#', 1), 'ERR_INVALID_TOPIC'],
      [pub('', 0), 'ERR_INVALID_TOPIC'],
      [new PublishOp('t', Buffer.alloc(0), 3 as 0), 'ERR_INVALID_REQUEST'],
      [new PublishOp('t', 'text' as unknown as Buffer, 0), 'ERR_INVALID_REQUEST'],
      [pub('t', 0, 'x', false, { contentType: 'x' }), 'ERR_INVALID_REQUEST'],
    ];
    for (const [op] of cases) core.publish(op, T0);
    const actions = fx.take();
    expect(sends(actions)).toEqual([]);
    expect(settles(actions).map((s) => codeOf(s.error))).toEqual(cases.map((c) => c[1]));
  });

  it('refuses invalid 5.0 property values (codec validation) before taking a packet id', () => {
    const { core, fx } = online({ protocolVersion: 5 });
    const op = pub('t', 1, 'x', false, { payloadFormatIndicator: 7 as 1 });
    core.publish(op, T0);
    const [s] = settles(fx.take());
    expect(codeOf(s!.error)).toMatch(/^ERR_/);
    expect(core.inflightCount).toBe(0);
  });

  it('a reused op is a driver bug (throws)', () => {
    const { core } = online();
    const op = pub('t', 0);
    core.publish(op, T0);
    expect(() => core.publish(op, T0)).toThrowError(expect.objectContaining({ code: 'ERR_INVALID_REQUEST' }));
  });
});

describe('core: offline queue', () => {
  it.each([4, 5] as const)('v%i publishes made offline wait and go out in order after CONNACK (QoS 0 first, then QoS 1/2)', (protocolVersion) => {
    const { core, fx } = setup({ protocolVersion });
    core.publish(pub('a', 1, '1'), T0);
    core.publish(pub('b', 0, '2'), T0);
    core.publish(pub('c', 2, '3'), T0);
    expect(fx.take()).toEqual([]);
    expect(core.queuedCount).toBe(3);
    core.open(T0);
    core.receive(connack(), T0 + 1);
    expect(sends(fx.take()).map((p) => (p as PublishPacket).topic ?? p.type)).toEqual(['connect', 'b', 'a', 'c']);
    expect(core.queuedCount).toBe(0);
  });

  for (const [name, qos, protocolVersion] of [
    ['QoS 0', 0, 4],
    ['QoS 1/2', 1, 4],
    ['QoS 0', 0, 5],
    ['QoS 1/2', 2, 5],
  ] as const) {
    const key = qos === 0 ? 'queueQos0' : 'queueQos12';
    it(`v${protocolVersion} ${name}: reject-new refuses the newest with OfflineQueueFullError (count bound)`, () => {
      const { core, fx } = setup({ protocolVersion, [key]: { maxCount: 2, policy: 'reject-new' } });
      const ops = [pub('t', qos, '1'), pub('t', qos, '2'), pub('t', qos, '3')];
      for (const op of ops) core.publish(op, T0);
      expect(settles(fx.take())).toMatchObject([{ op: ops[2], error: { code: 'ERR_QUEUE_FULL', temporary: true } }]);
      core.open(T0);
      core.receive(connack(), T0);
      expect(sends(fx.take()).slice(1).map((p) => (p as PublishPacket).payload.toString())).toEqual(['1', '2']);
    });

    it(`v${protocolVersion} ${name}: drop-oldest settles the oldest with MessageDroppedError (bytes bound)`, () => {
      const { core, fx } = setup({ protocolVersion, [key]: { maxBytes: 10, policy: 'drop-oldest' } });
      // Each op counts payload (4) + topic (1) = 5 bytes.
      const ops = [pub('t', qos, 'aaaa'), pub('t', qos, 'bbbb'), pub('t', qos, 'cccc')];
      for (const op of ops) core.publish(op, T0);
      expect(settles(fx.take())).toMatchObject([{ op: ops[0], error: { code: 'ERR_MESSAGE_DROPPED', temporary: true } }]);
      // An op larger than the whole bound is refused, not queued.
      const huge = pub('t', qos, 'x'.repeat(20));
      core.publish(huge, T0);
      expect(settles(fx.take())).toMatchObject([{ op: huge, error: { code: 'ERR_QUEUE_FULL' } }]);
      core.open(T0);
      core.receive(connack(), T0);
      expect(sends(fx.take()).slice(1).map((p) => (p as PublishPacket).payload.toString())).toEqual(['bbbb', 'cccc']);
    });
  }

  it('default bounds: QoS 0 keeps 10,000 messages and drops the oldest beyond', () => {
    const { core, fx } = setup();
    const first = pub('t', 0);
    core.publish(first, T0);
    for (let i = 1; i < 10_000; i++) core.publish(pub('t', 0), T0);
    expect(fx.take()).toEqual([]);
    core.publish(pub('t', 0), T0);
    expect(settles(fx.take())).toMatchObject([{ op: first, error: { code: 'ERR_MESSAGE_DROPPED' } }]);
  });

  it('cancel withdraws a queued publish (and frees its id), not one in flight', () => {
    const { core, fx } = online({ protocolVersion: 5 }, { receiveMaximum: 1 });
    const a = pub('t', 1);
    const b = pub('t', 1);
    core.publish(a, T0);
    core.publish(b, T0);
    fx.take();
    const abort = new Error('aborted');
    expect(core.cancel(a, abort, T0)).toBe(false);
    expect(core.cancel(b, abort, T0)).toBe(true);
    expect(settles(fx.take())).toMatchObject([{ op: b, error: abort }]);
    expect(core.inflightCount).toBe(1);
    core.receive(ack('puback', 1), T0);
    expect(sends(fx.take())).toEqual([]);
  });
});

describe('core: packet ids', () => {
  it('[MQTT-2.2.1-3] 65,535 in flight: the rest wait, no id is reused while in flight, all settle once acks flow', () => {
    const { core, fx } = online({ protocolVersion: 4 });
    const total = 65_535 + 500;
    const ops: PublishOp[] = [];
    for (let i = 0; i < total; i++) {
      const op = new PublishOp('t', Buffer.alloc(0), 1);
      ops.push(op);
      core.publish(op, T0);
    }
    let actions = fx.take();
    const firstIds = sends(actions).map((p) => (p as PublishPacket).packetId!);
    expect(firstIds).toHaveLength(65_535);
    expect(new Set(firstIds).size).toBe(65_535);
    expect(firstIds[0]).toBe(1);
    expect(firstIds.at(-1)).toBe(65_535);
    expect(core.queuedCount).toBe(500);
    // Acknowledge 200 ids in the middle: exactly 200 waiting publishes go, each with one of the freed ids.
    const freed = firstIds.slice(1000, 1200);
    for (const id of freed) core.receive(ack('puback', id), T0 + 1);
    actions = fx.take();
    const nextIds = sends(actions).map((p) => (p as PublishPacket).packetId!);
    expect(nextIds.sort((x, y) => x - y)).toEqual([...freed].sort((x, y) => x - y));
    expect(settles(actions)).toHaveLength(200);
    // Ack everything in flight until all settled.
    let rounds = 0;
    while (core.inflightCount > 0 && rounds++ < 10) {
      const inflight = ops.filter((op) => !op.done && op.state === 2).map((op) => op.packetId!);
      for (const id of inflight) core.receive(ack('puback', id), T0 + 2);
    }
    expect(ops.every((op) => op.done)).toBe(true);
    expect(core.queuedCount).toBe(0);
  });

  it('with ids exhausted, a bounded queue refuses with PacketIdsExhaustedError', () => {
    const { core, fx } = online({ protocolVersion: 5, queueQos12: { maxCount: 1 } });
    // 65,535 subscribe-free publishes need no queue room once sent; fill the id space first.
    for (let i = 0; i < 65_535; i++) core.publish(new PublishOp('t', Buffer.alloc(0), 1), T0);
    fx.take();
    core.publish(pub('t', 1), T0);
    const last = pub('t', 1);
    core.publish(last, T0);
    expect(settles(fx.take())).toMatchObject([{ op: last, error: { code: 'ERR_PACKET_IDS_EXHAUSTED', temporary: true } }]);
  });
});

describe('core: persistence', () => {
  function records(actions: Action[]): PersistRecord[] {
    return actions.filter((a) => a.kind === 'persist').map((a) => (a as { record: PersistRecord }).record);
  }

  it('durable: a QoS 1/2 PUBLISH is sent only after its record is written, in order', () => {
    const { core, fx } = online({ protocolVersion: 5, persistence: 'durable' });
    const a = pub('t/a', 1, 'A');
    const b = pub('t/b', 2, 'B');
    core.publish(a, T0);
    core.publish(b, T0);
    let actions = fx.take();
    expect(sends(actions)).toEqual([]);
    const recs = records(actions);
    expect(recs.map((r) => [r.keyspace, r.key, r.op])).toEqual([
      ['outbound', 1, a],
      ['outbound', 2, b],
    ]);
    expect(recs[0]!.seq).toBeLessThan(recs[1]!.seq);
    // The record holds the encoded PUBLISH as first sent.
    expect(decode(recs[0]!.bytes, { protocolVersion: 5 })).toMatchObject({ type: 'publish', topic: 't/a', qos: 1, dup: false, packetId: 1 });
    core.persisted(b, T0 + 1);
    expect(sends(fx.take())).toEqual([]);
    core.persisted(a, T0 + 2);
    expect(sends(fx.take()).map((p) => (p as PublishPacket).topic)).toEqual(['t/a', 't/b']);
    expect(a.stored && b.stored).toBe(true);
    // PUBREC rewrites the record as PUBREL under the same seq; PUBACK / PUBCOMP delete it.
    core.receive(ack('pubrec', 2), T0 + 3);
    actions = fx.take();
    const [rel] = records(actions);
    expect(rel).toMatchObject({ keyspace: 'outbound', key: 2, seq: recs[1]!.seq });
    expect(decode(rel!.bytes, { protocolVersion: 5 })).toMatchObject({ type: 'pubrel', packetId: 2 });
    core.receive(ack('puback', 1), T0 + 4);
    core.receive(ack('pubcomp', 2), T0 + 4);
    expect(fx.take().filter((x) => x.kind === 'unpersist')).toEqual([
      { kind: 'unpersist', keyspace: 'outbound', key: 1 },
      { kind: 'unpersist', keyspace: 'outbound', key: 2 },
    ]);
  });

  it('[MQTT-4.3.3-6] durable: PUBREL leaves only after its record replaced the PUBLISH record (a crash in between cannot resend the PUBLISH)', () => {
    const { core, fx } = online({ protocolVersion: 5, persistence: 'durable' });
    const op = pub('t/q2', 2, 'Q2');
    core.publish(op, T0);
    fx.take();
    core.persisted(op, T0);
    expect(sends(fx.take()).map((p) => p.type)).toEqual(['publish']);
    core.receive(ack('pubrec', 1), T0 + 1);
    let actions = fx.take();
    // The PUBREL record is written with the op attached, and no PUBREL goes out yet.
    expect(records(actions).map((r) => [r.key, r.op])).toEqual([[1, op]]);
    expect(sends(actions)).toEqual([]);
    // A repeated PUBREC while the record is still being written does not release it early either.
    core.receive(ack('pubrec', 1), T0 + 2);
    expect(sends(fx.take())).toEqual([]);
    core.persisted(op, T0 + 3);
    actions = fx.take();
    expect(sends(actions)).toMatchObject([{ type: 'pubrel', packetId: 1 }]);
    core.receive(ack('pubcomp', 1), T0 + 4);
    expect(settles(fx.take())).toMatchObject([{ op, error: undefined }]);
  });

  it('[MQTT-4.4.0-1] durable: a PUBREL whose record was not yet stored when the link dropped waits for it on resume', () => {
    const { core, fx } = online({ protocolVersion: 5, persistence: 'durable', clean: false });
    const op = pub('t/q2', 2, 'Q2');
    core.publish(op, T0);
    core.persisted(op, T0);
    core.receive(ack('pubrec', 1), T0 + 1);
    fx.take();
    core.closed(undefined, T0 + 2);
    core.open(T0 + 3);
    core.receive({ type: 'connack', sessionPresent: true, reasonCode: 0, properties: undefined }, T0 + 3);
    let actions = fx.take();
    expect(sends(actions).filter((p) => p.type === 'pubrel')).toEqual([]);
    expect(records(actions).map((r) => [r.key, r.op])).toEqual([[1, op]]);
    core.persisted(op, T0 + 4);
    actions = fx.take();
    expect(sends(actions)).toMatchObject([{ type: 'pubrel', packetId: 1 }]);
  });

  it('durable: a failed write settles the unsent publish with StoreError and frees its id', () => {
    const { core, fx } = online({ protocolVersion: 4, persistence: 'durable' });
    const op = pub('t', 1);
    core.publish(op, T0);
    fx.take();
    core.persistFailed(op, new Error('disk full'), T0);
    const actions = fx.take();
    expect(settles(actions)).toMatchObject([{ op, error: { code: 'ERR_STORE', kind: 'storage', temporary: true } }]);
    expect(core.inflightCount).toBe(0);
  });

  it('async: sending does not wait for the store; none: no persist effects at all', () => {
    const a = online({ protocolVersion: 5, persistence: 'async' });
    a.core.publish(pub('t', 1), T0);
    expect(a.fx.take().map((x) => x.kind)).toEqual(['persist', 'send']);
    const n = online({ protocolVersion: 5 });
    n.core.publish(pub('t', 1), T0);
    n.core.receive(ack('puback', 1), T0);
    expect(n.fx.take().map((x) => x.kind)).toEqual(['send', 'settle']);
  });

  it('offline durable publishes are stored at once (they have a packet id before any connection)', () => {
    const { core, fx } = setup({ protocolVersion: 5, persistence: 'durable' });
    const op = pub('t', 1);
    core.publish(op, T0);
    expect(records(fx.take())).toMatchObject([{ keyspace: 'outbound', key: 1, op }]);
  });
});
