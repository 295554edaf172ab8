/**
 * Client core: CONNECT / CONNACK, session present or not, server limits, connect timeout.
 * Scripted input -> expected actions (fake time: plain numbers).
 */
import { describe, expect, it } from 'vitest';
import type { ConnackPacket, Packet, Properties, PublishPacket } from '@mqttx/codec';
import {
  ClientCore,
  ConnectOp,
  PublishOp,
  RecordingEffects,
  SubscribeOp,
  type Action,
  type ConnectedInfo,
  type CoreOptions,
} from '../src/state/index.js';
import { MqttxError } from '@mqttx/codec';

const T0 = 10_000;

function setup(options: CoreOptions = {}) {
  const fx = new RecordingEffects();
  const core = new ClientCore(options, fx);
  return { core, fx };
}

function connack(sessionPresent = false, reasonCode = 0, properties?: Properties): ConnackPacket {
  return { type: 'connack', sessionPresent, reasonCode, properties };
}

function sends(actions: Action[]): Packet[] {
  return actions.filter((a) => a.kind === 'send').map((a) => (a as { packet: Packet }).packet);
}

function settled(actions: Action[]) {
  return actions.filter((a) => a.kind === 'settle') as Array<Extract<Action, { kind: 'settle' }>>;
}

function errorOf(actions: Action[], kind: Action['kind'] = 'settle'): MqttxError {
  const a = actions.find((x) => x.kind === kind) as { error?: unknown } | undefined;
  expect(a?.error).toBeInstanceOf(MqttxError);
  return a!.error as MqttxError;
}

function incoming(topic: string, qos: 0 | 1 | 2, packetId?: number, properties?: Properties): PublishPacket {
  return { type: 'publish', topic, payload: Buffer.from('m'), qos, retain: false, dup: false, packetId, properties };
}

describe('core: CONNECT', () => {
  it('builds CONNECT from the options (5.0), only with the properties the user set', () => {
    const { core, fx } = setup({
      protocolVersion: 5,
      clientId: 'c1',
      clean: false,
      keepalive: 30,
      username: 'u',
      password: Buffer.from('p'),
      will: { topic: 'w', payload: Buffer.from('bye'), qos: 1, retain: true, properties: { willDelayInterval: 5 } },
      properties: { sessionExpiryInterval: 60 },
    });
    core.open(T0);
    expect(sends(fx.take())).toEqual([
      {
        type: 'connect',
        protocolVersion: 5,
        clientId: 'c1',
        clean: false,
        keepalive: 30,
        username: 'u',
        password: Buffer.from('p'),
        will: { topic: 'w', payload: Buffer.from('bye'), qos: 1, retain: true, properties: { willDelayInterval: 5 } },
        properties: { sessionExpiryInterval: 60 },
      },
    ]);
    expect(core.status).toBe('connecting');
  });

  it('builds a 3.1.1 CONNECT without properties', () => {
    const { core, fx } = setup({ protocolVersion: 4, clientId: 'c4' });
    core.open(T0);
    expect(sends(fx.take())).toMatchObject([{ type: 'connect', protocolVersion: 4, clientId: 'c4', clean: true, keepalive: 60, properties: undefined }]);
  });

  it('rejects invalid options with ConfigError', () => {
    const cases: CoreOptions[] = [
      // [MQTT-3.1.3-7] (3.1.1) a zero-byte client id needs Clean Session 1.
      { protocolVersion: 4, clientId: '', clean: false },
      // [MQTT-3.1.2-22] (3.1.1) no password without a user name.
      { protocolVersion: 4, password: Buffer.from('x') },
      { keepalive: 70_000 },
      { protocolVersion: 4, properties: { sessionExpiryInterval: 1 } },
      { protocolVersion: 3 as 4 },
      { will: { topic: 'a/+', payload: Buffer.alloc(0), qos: 0, retain: false } },
      { properties: { receiveMaximum: 0 } },
      { topicAliases: 'auto', protocolVersion: 4 },
      { queueQos0: { policy: 'newest' as 'reject-new' } },
    ];
    for (const options of cases) {
      expect(() => setup(options), JSON.stringify(options)).toThrowError(expect.objectContaining({ code: 'ERR_CONFIG', kind: 'configuration' }));
    }
  });

  it('refuses a second open while a connection is active', () => {
    const { core } = setup();
    core.open(T0);
    expect(() => core.open(T0)).toThrowError(expect.objectContaining({ code: 'ERR_INVALID_REQUEST' }));
  });
});

describe('core: CONNACK', () => {
  it('success: settles the connect op with the info, reports connected and ready, applies server limits', () => {
    const { core, fx } = setup({ protocolVersion: 5, clientId: '' });
    const op = new ConnectOp('slot');
    core.open(T0, op);
    fx.take();
    core.receive(
      connack(false, 0, {
        receiveMaximum: 10,
        maximumPacketSize: 1000,
        topicAliasMaximum: 5,
        maximumQoS: 1,
        retainAvailable: false,
        wildcardSubscriptionAvailable: false,
        subscriptionIdentifiersAvailable: false,
        sharedSubscriptionAvailable: false,
        assignedClientIdentifier: 'assigned-1',
        serverKeepAlive: 20,
      }),
      T0 + 5,
    );
    const actions = fx.take();
    expect(actions.map((a) => a.kind)).toEqual(['settle', 'connected', 'ready']);
    const info = (actions[1] as { info: ConnectedInfo }).info;
    expect(settled(actions)[0]).toMatchObject({ op, error: undefined, value: info });
    expect(info).toMatchObject({
      sessionPresent: false,
      clientId: 'assigned-1',
      keepalive: 20,
      limits: {
        receiveMaximum: 10,
        maximumPacketSize: 1000,
        topicAliasMaximum: 5,
        maximumQoS: 1,
        retainAvailable: false,
        wildcardSubscriptionAvailable: false,
        subscriptionIdentifiersAvailable: false,
        sharedSubscriptionAvailable: false,
      },
    });
    expect(core.status).toBe('connected');
    expect(core.clientId).toBe('assigned-1');
    // [MQTT-3.1.2-21] / [MQTT-3.2.2-21]: the Server Keep Alive (20 s) replaces ours (60 s).
    expect(core.nextDeadline()).toBe(T0 + 20_000);
  });

  it('uses the assigned client id on the next CONNECT', () => {
    const { core, fx } = setup({ protocolVersion: 5, clientId: '', clean: false });
    core.open(T0);
    core.receive(connack(false, 0, { assignedClientIdentifier: 'given' }), T0);
    core.closed(undefined, T0 + 1);
    fx.take();
    core.open(T0 + 2);
    expect(sends(fx.take())).toMatchObject([{ type: 'connect', clientId: 'given' }]);
  });

  it.each(
    [0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8c, 0x90, 0x95, 0x97, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9f].map(
      (r) => [r.toString(16), r] as const,
    ),
  )(
    '5.0 refused with reason 0x%s: ConnackError with that reason code, then close [MQTT-4.13.2-1]',
    (_hex, reason) => {
      const { core, fx } = setup({ protocolVersion: 5 });
      const op = new ConnectOp();
      core.open(T0, op);
      fx.take();
      core.receive(connack(false, reason, { reasonString: 'no' }), T0 + 1);
      const actions = fx.take();
      expect(actions.map((a) => a.kind)).toEqual(['settle', 'close']);
      const err = errorOf(actions);
      expect(err.code).toBe('ERR_CONNACK_REFUSED');
      expect(err.reasonCode).toBe(reason);
      expect(err.kind).toBe([0x86, 0x87, 0x8a, 0x8c].includes(reason) ? 'authentication' : 'connection');
      expect(errorOf(actions, 'close')).toBe(err);
      expect(err.temporary).toBe([0x80, 0x83, 0x88, 0x89, 0x97, 0x9c, 0x9d, 0x9f].includes(reason));
      expect(core.status).toBe('closing');
      // Nothing is sent or processed after a refusal.
      core.publish(new PublishOp('t', Buffer.alloc(0), 0), T0 + 2);
      core.receive(incoming('t', 0), T0 + 2);
      expect(sends(fx.take())).toEqual([]);
    },
  );

  it.each([
    [1, 0x84],
    [2, 0x85],
    [3, 0x88],
    [4, 0x86],
    [5, 0x87],
  ])('3.1.1 return code %i maps to reason code %i', (returnCode, reason) => {
    const { core, fx } = setup({ protocolVersion: 4 });
    const op = new ConnectOp();
    core.open(T0, op);
    fx.take();
    core.receive(connack(false, returnCode), T0 + 1);
    const actions = fx.take();
    expect(actions.map((a) => a.kind)).toEqual(['settle', 'close']);
    const err = errorOf(actions) as MqttxError & { returnCode?: number };
    expect(err.code).toBe('ERR_CONNACK_REFUSED');
    expect(err.reasonCode).toBe(reason);
    expect(err.returnCode).toBe(returnCode);
    // 3.1.1 sends no DISCONNECT on a refusal.
    expect(sends(actions)).toEqual([]);
  });

  it('[MQTT-3.2.2-4] Session Present after a clean start is a protocol error: DISCONNECT 0x82 and close', () => {
    const { core, fx } = setup({ protocolVersion: 5, clean: true });
    const op = new ConnectOp();
    core.open(T0, op);
    fx.take();
    core.receive(connack(true), T0 + 1);
    const actions = fx.take();
    expect(sends(actions)).toEqual([{ type: 'disconnect', reasonCode: 0x82, properties: undefined }]);
    const err = errorOf(actions);
    expect(err.code).toBe('ERR_PROTOCOL_VIOLATION');
    expect(err.reasonCode).toBe(0x82);
    expect(actions.at(-1)).toMatchObject({ kind: 'close', error: err });
  });

  it('[MQTT-3.2.0-1] a packet other than CONNACK / AUTH / PUBLISH before CONNACK is a protocol violation', () => {
    const { core, fx } = setup({ protocolVersion: 5 });
    core.open(T0);
    fx.take();
    core.receive({ type: 'puback', packetId: 1, reasonCode: 0, properties: undefined }, T0 + 1);
    const actions = fx.take();
    expect(sends(actions)).toEqual([{ type: 'disconnect', reasonCode: 0x82, properties: undefined }]);
    expect(errorOf(actions, 'close').code).toBe('ERR_PROTOCOL_VIOLATION');
  });

  it('a second CONNACK is a protocol violation', () => {
    const { core, fx } = setup({ protocolVersion: 4 });
    core.open(T0);
    core.receive(connack(), T0);
    fx.take();
    core.receive(connack(), T0 + 1);
    const actions = fx.take();
    // 3.1.1: no DISCONNECT from a client for errors, just close.
    expect(sends(actions)).toEqual([]);
    expect(errorOf(actions, 'close')).toMatchObject({ code: 'ERR_PROTOCOL_VIOLATION', reasonCode: 0x82 });
  });

  it('a PUBLISH read before CONNACK is processed after it, in order', () => {
    const { core, fx } = setup({ protocolVersion: 5 });
    core.open(T0);
    fx.take();
    core.receive(incoming('early/1', 1, 7), T0 + 1);
    core.receive(incoming('early/2', 0), T0 + 1);
    expect(fx.take()).toEqual([]);
    core.receive(connack(), T0 + 2);
    const actions = fx.take();
    expect(actions.map((a) => a.kind)).toEqual(['connected', 'ready', 'deliver', 'send', 'deliver']);
    expect(actions[2]).toMatchObject({ message: { topic: 'early/1' } });
    expect(actions[3]).toMatchObject({ packet: { type: 'puback', packetId: 7 } });
    expect(actions[4]).toMatchObject({ message: { topic: 'early/2' } });
  });

  it('a PUBLISH read before a refusing CONNACK is dropped', () => {
    const { core, fx } = setup({ protocolVersion: 5 });
    core.open(T0);
    core.receive(incoming('early', 1, 7), T0 + 1);
    core.receive(connack(false, 0x87), T0 + 2);
    expect(fx.take().filter((a) => a.kind === 'deliver')).toEqual([]);
  });

  it('no CONNACK within connectTimeout: ConnectTimeoutError (timeout, temporary) and close', () => {
    const { core, fx } = setup({ connectTimeout: 5000 });
    const op = new ConnectOp();
    core.open(T0, op);
    fx.take();
    expect(core.nextDeadline()).toBe(T0 + 5000);
    core.tick(T0 + 4999);
    expect(fx.take()).toEqual([]);
    core.tick(T0 + 5000);
    const actions = fx.take();
    const err = errorOf(actions);
    expect(err).toMatchObject({ code: 'ERR_CONNECT_TIMEOUT', timeout: true, temporary: true });
    expect(actions.at(-1)).toMatchObject({ kind: 'close', error: err });
    expect(core.nextDeadline()).toBe(Infinity);
  });

  it('the link closing before CONNACK settles the connect op with ConnectionClosedError', () => {
    const { core, fx } = setup();
    const op = new ConnectOp();
    core.open(T0, op);
    fx.take();
    const cause = new Error('ECONNRESET');
    core.closed(cause, T0 + 1);
    const err = errorOf(fx.take());
    expect(err).toMatchObject({ code: 'ERR_CONNECTION_CLOSED', temporary: true });
    expect(err.cause).toBe(cause);
    expect(core.status).toBe('offline');
    expect(core.nextDeadline()).toBe(Infinity);
  });
});

/** Connects, publishes and leaves `n` QoS 1 and one QoS 2 publish in various states, then drops the link. */
function sessionWithInflight(options: CoreOptions) {
  const { core, fx } = setup({ clean: false, clientId: 'c', ...options });
  core.open(T0);
  core.receive(connack(false), T0);
  const a = new PublishOp('t/a', Buffer.from('a'), 1);
  const b = new PublishOp('t/b', Buffer.from('b'), 2);
  const c = new PublishOp('t/c', Buffer.from('c'), 2);
  const d = new PublishOp('t/d', Buffer.from('d'), 1);
  for (const op of [a, b, c, d]) core.publish(op, T0 + 1);
  // b gets PUBREC: PUBREL sent, waiting for PUBCOMP.
  core.receive({ type: 'pubrec', packetId: b.packetId!, reasonCode: 0, properties: undefined }, T0 + 2);
  core.closed(undefined, T0 + 3);
  fx.take();
  return { core, fx, a, b, c, d };
}

describe('core: session present / not present', () => {
  for (const protocolVersion of [4, 5] as const) {
    it(`v${protocolVersion} [MQTT-4.4.0-1] [MQTT-4.6.0-1] [MQTT-2.3.1-3] (3.1.1) resume: unacknowledged PUBLISH resent with DUP [MQTT-3.3.1-1] and PUBREL (not the PUBLISH [MQTT-4.3.3-6]), in original order`, () => {
      const { core, fx, a, b, c, d } = sessionWithInflight({ protocolVersion });
      core.open(T0 + 10);
      core.receive(connack(true), T0 + 11);
      const packets = sends(fx.take());
      expect(packets).toMatchObject([
        { type: 'connect', clean: false },
        { type: 'publish', topic: 't/a', dup: true, packetId: a.packetId, qos: 1 },
        { type: 'pubrel', packetId: b.packetId },
        { type: 'publish', topic: 't/c', dup: true, packetId: c.packetId, qos: 2 },
        { type: 'publish', topic: 't/d', dup: true, packetId: d.packetId, qos: 1 },
      ]);
      // The original packet ids are kept and the flows complete.
      core.receive({ type: 'puback', packetId: a.packetId!, reasonCode: 0, properties: undefined }, T0 + 12);
      core.receive({ type: 'pubcomp', packetId: b.packetId!, reasonCode: 0, properties: undefined }, T0 + 12);
      expect(settled(fx.take()).map((s) => s.op)).toEqual([a, b]);
    });

    it(`v${protocolVersion} [MQTT-3.2.2-5] no session: unacknowledged publishes are sent again as new (DUP 0), in order`, () => {
      const { core, fx, a, b, c, d } = sessionWithInflight({ protocolVersion });
      core.open(T0 + 10);
      core.receive(connack(false), T0 + 11);
      const packets = sends(fx.take());
      expect(packets).toMatchObject([
        { type: 'connect' },
        { type: 'publish', topic: 't/a', dup: false, qos: 1 },
        { type: 'publish', topic: 't/b', dup: false, qos: 2 },
        { type: 'publish', topic: 't/c', dup: false, qos: 2 },
        { type: 'publish', topic: 't/d', dup: false, qos: 1 },
      ]);
      for (const op of [a, b, c, d]) expect(op.done).toBe(false);
    });
  }

  it('no session with onSessionLost "fail": unacknowledged publishes settle with MessageDroppedError', () => {
    const { core, fx, a, b, c, d } = sessionWithInflight({ protocolVersion: 5, onSessionLost: 'fail' });
    core.open(T0 + 10);
    core.receive(connack(false), T0 + 11);
    const actions = fx.take();
    expect(settled(actions).map((s) => [s.op, (s.error as MqttxError).code])).toEqual([
      [a, 'ERR_MESSAGE_DROPPED'],
      [b, 'ERR_MESSAGE_DROPPED'],
      [c, 'ERR_MESSAGE_DROPPED'],
      [d, 'ERR_MESSAGE_DROPPED'],
    ]);
    expect(core.inflightCount).toBe(0);
  });

  it('[MQTT-3.2.2-5] no session: held QoS 2 ids are forgotten and subscriptions are made again (refused ones not)', () => {
    const { core, fx } = setup({ protocolVersion: 5, clean: false, clientId: 'c' });
    core.open(T0);
    core.receive(connack(false), T0);
    fx.take();
    const sub = new SubscribeOp(
      [
        { topicFilter: 'a/#', qos: 1 },
        { topicFilter: 'refused', qos: 2 },
        { topicFilter: 'b', qos: 0 },
      ],
      { subscriptionIdentifier: 3 },
    );
    core.subscribe(sub, T0 + 1);
    const subscribeId = (sends(fx.take())[0] as { packetId: number }).packetId;
    core.receive({ type: 'suback', packetId: subscribeId, reasonCodes: [1, 0x87, 0], properties: undefined }, T0 + 2);
    core.receive(incoming('q2', 2, 9), T0 + 3);
    core.closed(undefined, T0 + 4);
    fx.take();
    core.open(T0 + 10);
    core.receive(connack(false), T0 + 11);
    let actions = fx.take();
    expect(actions.filter((a) => a.kind === 'ready')).toEqual([]);
    const resub = sends(actions).filter((p) => p.type === 'subscribe');
    expect(resub).toMatchObject([
      {
        type: 'subscribe',
        subscriptions: [
          { topicFilter: 'a/#', qos: 1 },
          { topicFilter: 'b', qos: 0 },
        ],
        properties: { subscriptionIdentifier: 3 },
      },
    ]);
    // The held id 9 was forgotten: the same id is a new message now.
    core.receive({ ...incoming('q2', 2, 9) }, T0 + 12);
    actions = fx.take();
    expect(actions.filter((a) => a.kind === 'deliver')).toHaveLength(1);
    core.receive({ type: 'suback', packetId: (resub[0] as { packetId: number }).packetId, reasonCodes: [1, 0], properties: undefined }, T0 + 13);
    actions = fx.take();
    expect(actions.map((a) => a.kind)).toEqual(['settle', 'ready']);
  });

  it('[MQTT-3.1.2-4] a clean start discards the held QoS 2 ids of the old session', () => {
    const { core, fx } = setup({ protocolVersion: 5, clean: true });
    core.open(T0);
    core.receive(connack(false), T0);
    core.receive(incoming('q2', 2, 5), T0 + 1);
    core.closed(undefined, T0 + 2);
    core.open(T0 + 3);
    core.receive(connack(false), T0 + 3);
    fx.take();
    core.receive(incoming('q2', 2, 5), T0 + 4);
    expect(fx.take().filter((a) => a.kind === 'deliver')).toHaveLength(1);
  });

  it('session present: nothing is resubscribed and ready comes at once', () => {
    const { core, fx } = setup({ protocolVersion: 4, clean: false, clientId: 'c' });
    core.open(T0);
    core.receive(connack(false), T0);
    fx.take();
    core.subscribe(new SubscribeOp([{ topicFilter: 'x', qos: 1 }]), T0);
    const id = (sends(fx.take())[0] as { packetId: number }).packetId;
    core.receive({ type: 'suback', packetId: id, reasonCodes: [1], properties: undefined }, T0);
    core.closed(undefined, T0 + 1);
    fx.take();
    core.open(T0 + 2);
    core.receive(connack(true), T0 + 3);
    const actions = fx.take();
    expect(actions.map((a) => a.kind)).toEqual(['send', 'connected', 'ready']);
  });
});
