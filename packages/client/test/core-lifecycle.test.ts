/**
 * Client core: keepalive, server DISCONNECT, enhanced authentication, graceful disconnect, destroyAll,
 * protocol violations, restoring a session from store records, re-entrant effects.
 */
import { describe, expect, it } from 'vitest';
import {
  CodecError,
  encode,
  isTemporary,
  isTimeout,
  MqttxError,
  type AuthPacket,
  type ConnackPacket,
  type Packet,
  type Properties,
  type PublishPacket,
} from '@mqttx/codec';
import {
  ClientCore,
  ConnectOp,
  DisconnectOp,
  PublishOp,
  ReauthOp,
  RecordingEffects,
  SubscribeOp,
  UnsubscribeOp,
  type Action,
  type CoreOptions,
  type Op,
} from '../src/state/index.js';

const T0 = 100_000;

function connack(sessionPresent = false, properties?: Properties, reasonCode = 0): ConnackPacket {
  return { type: 'connack', sessionPresent, reasonCode, properties };
}

function setup(options: CoreOptions = {}) {
  const fx = new RecordingEffects();
  const core = new ClientCore(options, fx);
  return { core, fx };
}

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

const PINGREQ = { type: 'pingreq' };
const PINGRESP: Packet = { type: 'pingresp' };

describe('core: keepalive', () => {
  for (const protocolVersion of [4, 5] as const) {
    it(`v${protocolVersion} [MQTT-3.1.2-20] (5.0) / [MQTT-3.1.2-23] (3.1.1) PINGREQ when nothing was sent for the keepalive`, () => {
      const { core, fx } = online({ protocolVersion, keepalive: 10 });
      expect(core.nextDeadline()).toBe(T0 + 10_000);
      core.tick(T0 + 9_999);
      expect(fx.take()).toEqual([]);
      // Sending postpones the PINGREQ; receiving does not.
      core.publish(new PublishOp('t', Buffer.alloc(0), 0), T0 + 5_000);
      core.receive({ type: 'publish', topic: 't', payload: Buffer.alloc(0), qos: 0, retain: false, dup: false, packetId: undefined, properties: undefined }, T0 + 12_000);
      fx.take();
      expect(core.nextDeadline()).toBe(T0 + 15_000);
      core.tick(T0 + 15_000);
      expect(sends(fx.take())).toEqual([PINGREQ]);
      // Default ping timeout: half the keepalive.
      expect(core.nextDeadline()).toBe(T0 + 20_000);
      core.receive(PINGRESP, T0 + 15_100);
      expect(core.nextDeadline()).toBe(T0 + 25_000);
      core.tick(T0 + 25_000);
      expect(sends(fx.take())).toEqual([PINGREQ]);
    });
  }

  it.each([4, 5] as const)('v%i no answer within the ping timeout: close with KeepaliveTimeoutError (timeout, temporary), no DISCONNECT', (protocolVersion) => {
    const { core, fx } = online({ protocolVersion, keepalive: 4, pingTimeout: 1_500 });
    core.tick(T0 + 4_000);
    fx.take();
    expect(core.nextDeadline()).toBe(T0 + 5_500);
    core.tick(T0 + 5_499);
    expect(fx.take()).toEqual([]);
    core.tick(T0 + 5_500);
    const actions = fx.take();
    expect(sends(actions)).toEqual([]);
    const close = actions.at(-1) as { kind: string; error: MqttxError };
    expect(close.kind).toBe('close');
    expect(close.error).toMatchObject({ code: 'ERR_KEEPALIVE_TIMEOUT', timeout: true, temporary: true });
    expect(isTimeout(close.error) && isTemporary(close.error)).toBe(true);
    expect(core.status).toBe('closing');
    expect(core.nextDeadline()).toBe(Infinity);
  });

  it('any packet from the server answers the PINGREQ', () => {
    const { core, fx } = online({ protocolVersion: 4, keepalive: 2 });
    core.tick(T0 + 2_000);
    core.publish(new PublishOp('t', Buffer.alloc(0), 1), T0 + 2_100);
    core.receive({ type: 'puback', packetId: 1, reasonCode: undefined, properties: undefined }, T0 + 2_200);
    fx.take();
    core.tick(T0 + 3_100);
    expect(fx.take().filter((a) => a.kind === 'close')).toEqual([]);
    expect(core.nextDeadline()).toBe(T0 + 4_100);
  });

  it('the ping timeout is at least one second', () => {
    const { core, fx } = online({ protocolVersion: 4, keepalive: 1 });
    core.tick(T0 + 1_000);
    fx.take();
    expect(core.nextDeadline()).toBe(T0 + 2_000);
  });

  it('keepalive 0 (ours or the server’s) disables the timer', () => {
    expect(online({ keepalive: 0 }).core.nextDeadline()).toBe(Infinity);
    expect(online({ protocolVersion: 5, keepalive: 30 }, { serverKeepAlive: 0 }).core.nextDeadline()).toBe(Infinity);
  });
});

describe('core: server DISCONNECT (5.0)', () => {
  it('surfaces the reason code and server reference, closes, and sends or delivers nothing after it', () => {
    const { core, fx } = online({ protocolVersion: 5 });
    const disconnect: Packet = {
      type: 'disconnect',
      reasonCode: 0x9c,
      properties: { serverReference: 'other:1883', reasonString: 'moving' },
    };
    core.receive(disconnect, T0 + 1);
    const actions = fx.take();
    expect(actions.map((a) => a.kind)).toEqual(['serverDisconnect', 'close']);
    expect(actions[0]).toEqual({ kind: 'serverDisconnect', packet: disconnect });
    const error = (actions[1] as unknown as { error: MqttxError }).error;
    expect(error).toMatchObject({
      code: 'ERR_SERVER_DISCONNECT',
      reasonCode: 0x9c,
      temporary: true,
      context: { serverReference: 'other:1883', reasonString: 'moving' },
    });
    core.receive({ type: 'publish', topic: 't', payload: Buffer.alloc(0), qos: 1, retain: false, dup: false, packetId: 1, properties: undefined }, T0 + 2);
    core.publish(new PublishOp('t', Buffer.alloc(0), 0), T0 + 2);
    core.tick(T0 + 1_000_000);
    expect(fx.take()).toEqual([]);
  });

  it.each([
    [0x8e, false],
    [0x8b, true],
    [0x87, false],
    [0x00, false],
  ])('reason 0x%s: temporary=%s', (reasonCode, temporary) => {
    const { core, fx } = online({ protocolVersion: 5 });
    core.receive({ type: 'disconnect', reasonCode, properties: undefined }, T0);
    expect((fx.take().at(-1) as unknown as { error: MqttxError }).error).toMatchObject({ reasonCode, temporary });
  });
});

describe('core: enhanced authentication (5.0)', () => {
  const method = 'SCRAM-SHA-256';
  const auth = (reasonCode: number, data: string, m = method): AuthPacket => ({
    type: 'auth',
    reasonCode,
    properties: { authenticationMethod: m, authenticationData: Buffer.from(data) },
  });

  it('[MQTT-4.12.0-3] [MQTT-4.12.0-5] AUTH 0x18 exchange during connect; [MQTT-3.1.2-30] nothing else is sent before CONNACK', () => {
    const { core, fx } = setup({ protocolVersion: 5, properties: { authenticationMethod: method } });
    const op = new ConnectOp();
    core.open(T0, op, Buffer.from('client-first'));
    expect(sends(fx.take())).toMatchObject([
      { type: 'connect', properties: { authenticationMethod: method, authenticationData: Buffer.from('client-first') } },
    ]);
    core.publish(new PublishOp('t', Buffer.alloc(0), 1), T0);
    core.receive(auth(0x18, 'server-first'), T0 + 1);
    expect(fx.take()).toEqual([{ kind: 'auth', packet: auth(0x18, 'server-first') }]);
    core.authContinue(Buffer.from('client-final'), T0 + 2);
    expect(sends(fx.take())).toEqual([
      { type: 'auth', reasonCode: 0x18, properties: { authenticationMethod: method, authenticationData: Buffer.from('client-final') } },
    ]);
    // A stale answer (no AUTH pending) is ignored.
    core.authContinue(Buffer.from('again'), T0 + 3);
    expect(fx.take()).toEqual([]);
    core.receive(connack(false, { authenticationMethod: method, authenticationData: Buffer.from('server-final') }), T0 + 4);
    const actions = fx.take();
    expect(settles(actions)).toMatchObject([{ op, error: undefined, value: { connack: { properties: { authenticationData: Buffer.from('server-final') } } } }]);
    expect(sends(actions)).toMatchObject([{ type: 'publish' }]);
  });

  it('[MQTT-4.12.0-5] an AUTH with another method is a protocol violation', () => {
    const { core, fx } = setup({ protocolVersion: 5, properties: { authenticationMethod: method } });
    core.open(T0, undefined, Buffer.from('x'));
    fx.take();
    core.receive(auth(0x18, 'x', 'PLAIN'), T0);
    expect(sends(fx.take())).toEqual([{ type: 'disconnect', reasonCode: 0x82, properties: undefined }]);
  });

  it('[MQTT-4.12.0-6] an AUTH when we sent no method is a protocol violation; [MQTT-4.12.0-7] we never send AUTH without one', () => {
    const { core, fx } = online({ protocolVersion: 5 });
    const op = new ReauthOp(Buffer.from('x'));
    core.reauthenticate(op, T0);
    const actions = fx.take();
    expect(sends(actions)).toEqual([]);
    expect(settles(actions)[0]!.error).toMatchObject({ code: 'ERR_INVALID_REQUEST' });
    core.receive(auth(0x18, 'x'), T0);
    expect(sends(fx.take())).toEqual([{ type: 'disconnect', reasonCode: 0x82, properties: undefined }]);
  });

  it('[MQTT-4.12.0-2] a server AUTH that is neither 0x18 nor an answer to a re-authentication is a protocol violation', () => {
    const { core, fx } = setup({ protocolVersion: 5, properties: { authenticationMethod: method } });
    const op = new ConnectOp();
    core.open(T0, op, Buffer.from('x'));
    fx.take();
    core.receive(auth(0x19, 'x'), T0);
    const actions = fx.take();
    expect(sends(actions)).toEqual([{ type: 'disconnect', reasonCode: 0x82, properties: undefined }]);
    expect(settles(actions)).toMatchObject([{ op, error: { code: 'ERR_PROTOCOL_VIOLATION' } }]);
  });

  it('the authenticator failing ends the connect: DISCONNECT 0x80 and AuthenticationError', () => {
    const { core, fx } = setup({ protocolVersion: 5, properties: { authenticationMethod: method } });
    const op = new ConnectOp();
    core.open(T0, op, Buffer.from('x'));
    core.receive(auth(0x18, 'challenge'), T0);
    fx.take();
    const cause = new Error('bad secret');
    core.authFailed(cause, T0 + 1);
    const actions = fx.take();
    expect(sends(actions)).toEqual([{ type: 'disconnect', reasonCode: 0x80, properties: undefined }]);
    const [s] = settles(actions);
    expect(s).toMatchObject({ op, error: { code: 'ERR_AUTH_FAILED', kind: 'authentication' } });
    expect((s!.error as Error).cause).toBe(cause);
    expect(actions.at(-1)).toMatchObject({ kind: 'close', error: s!.error });
  });

  it('[MQTT-4.12.1-1] [MQTT-3.15.2-1] re-authentication: AUTH 0x19 with the same method, continue, success settles the op', () => {
    const { core, fx } = online({ protocolVersion: 5, properties: { authenticationMethod: method } });
    const op = new ReauthOp(Buffer.from('first'));
    core.reauthenticate(op, T0);
    expect(sends(fx.take())).toEqual([
      { type: 'auth', reasonCode: 0x19, properties: { authenticationMethod: method, authenticationData: Buffer.from('first') } },
    ]);
    // Only one at a time.
    const second = new ReauthOp();
    core.reauthenticate(second, T0);
    expect(settles(fx.take())).toMatchObject([{ op: second, error: { code: 'ERR_INVALID_REQUEST' } }]);
    core.receive(auth(0x18, 'challenge'), T0 + 1);
    expect(fx.take().map((a) => a.kind)).toEqual(['auth']);
    core.authContinue(Buffer.from('answer'), T0 + 2);
    expect(sends(fx.take())).toMatchObject([{ type: 'auth', reasonCode: 0x18 }]);
    core.receive(auth(0x00, 'ok'), T0 + 3);
    expect(settles(fx.take())).toMatchObject([{ op, error: undefined, value: { type: 'auth', reasonCode: 0 } }]);
    // A success AUTH with no re-authentication running is a protocol violation.
    core.receive(auth(0x00, 'ok'), T0 + 4);
    expect(sends(fx.take())).toEqual([{ type: 'disconnect', reasonCode: 0x82, properties: undefined }]);
  });

  it('[MQTT-4.12.1-2] a failed re-authentication (server DISCONNECT) settles the op with ServerDisconnectError', () => {
    const { core, fx } = online({ protocolVersion: 5, properties: { authenticationMethod: method } });
    const op = new ReauthOp(Buffer.from('first'));
    core.reauthenticate(op, T0);
    fx.take();
    core.receive({ type: 'disconnect', reasonCode: 0x87, properties: undefined }, T0 + 1);
    expect(settles(fx.take())).toMatchObject([{ op, error: { code: 'ERR_SERVER_DISCONNECT', reasonCode: 0x87, kind: 'authentication' } }]);
  });
});

describe('core: graceful disconnect', () => {
  it('[MQTT-3.14.4-1] [MQTT-3.14.4-2] 5.0: DISCONNECT with reason and properties, then close; nothing after', () => {
    const { core, fx } = online({ protocolVersion: 5, properties: { sessionExpiryInterval: 10 } });
    const op = new DisconnectOp(0x04, { sessionExpiryInterval: 30, reasonString: 'bye' });
    core.disconnect(op, T0);
    const actions = fx.take();
    expect(actions.map((a) => a.kind)).toEqual(['send', 'settle', 'close']);
    expect(sends(actions)).toMatchObject([{ type: 'disconnect', reasonCode: 0x04, properties: { sessionExpiryInterval: 30, reasonString: 'bye' } }]);
    expect(actions.at(-1)).toEqual({ kind: 'close', error: undefined });
    core.publish(new PublishOp('t', Buffer.alloc(0), 0), T0);
    core.tick(T0 + 10_000_000);
    expect(fx.take()).toEqual([]);
  });

  it('3.1.1: a plain DISCONNECT', () => {
    const { core, fx } = online({ protocolVersion: 4 });
    core.disconnect(new DisconnectOp(0x04), T0);
    expect(sends(fx.take())).toEqual([{ type: 'disconnect', reasonCode: undefined, properties: undefined }]);
  });

  it('offline: the op settles at once and nothing is sent', () => {
    const { core, fx } = setup();
    const op = new DisconnectOp();
    core.disconnect(op, T0);
    expect(fx.take()).toEqual([{ kind: 'settle', op, error: undefined, value: undefined }]);
  });

  it('raising the session expiry from 0 on DISCONNECT is refused', () => {
    const { core, fx } = online({ protocolVersion: 5 });
    const op = new DisconnectOp(0, { sessionExpiryInterval: 60 });
    core.disconnect(op, T0);
    const actions = fx.take();
    expect(sends(actions)).toEqual([]);
    expect(settles(actions)[0]!.error).toMatchObject({ code: 'ERR_INVALID_REQUEST' });
    expect(core.connected).toBe(true);
  });

  it('idle tells the driver when a graceful end may go', () => {
    const { core, fx } = online({ protocolVersion: 4 });
    expect(core.idle).toBe(true);
    core.publish(new PublishOp('t', Buffer.alloc(0), 1), T0);
    expect(core.idle).toBe(false);
    core.receive({ type: 'puback', packetId: 1, reasonCode: undefined, properties: undefined }, T0);
    fx.take();
    expect(core.idle).toBe(true);
  });
});

describe('core: destroyAll', () => {
  it('settles every pending op exactly once with ClientClosedError', () => {
    const { core, fx } = online({ protocolVersion: 5, properties: { authenticationMethod: 'M' } }, { receiveMaximum: 1 });
    const ops: Op[] = [];
    const inflight1 = new PublishOp('a', Buffer.alloc(0), 2);
    const queued1 = new PublishOp('b', Buffer.alloc(0), 1);
    const sub = new SubscribeOp([{ topicFilter: 's', qos: 1 }]);
    const unsub = new UnsubscribeOp(['s']);
    const reauth = new ReauthOp(Buffer.from('x'));
    core.publish(inflight1, T0);
    core.publish(queued1, T0);
    core.subscribe(sub, T0);
    core.unsubscribe(unsub, T0);
    core.reauthenticate(reauth, T0);
    core.receive({ type: 'pubrec', packetId: inflight1.packetId!, reasonCode: 0, properties: undefined }, T0);
    core.closed(undefined, T0 + 1);
    const offline0 = new PublishOp('c', Buffer.alloc(0), 0);
    const offline2 = new PublishOp('d', Buffer.alloc(0), 2);
    core.publish(offline0, T0 + 2);
    core.publish(offline2, T0 + 2);
    const connecting = new ConnectOp();
    core.open(T0 + 3, connecting);
    ops.push(inflight1, queued1, sub, unsub, offline0, offline2, connecting);
    const before = settles(fx.take());
    expect(before.map((s) => s.op)).toEqual([reauth]);
    const cause = new Error('shutdown');
    core.destroyAll(cause);
    const after = settles(fx.take());
    expect(new Set(after.map((s) => s.op))).toEqual(new Set(ops));
    expect(after).toHaveLength(ops.length);
    for (const s of after) {
      expect(s.error).toMatchObject({ code: 'ERR_CLIENT_CLOSED' });
      expect((s.error as Error).cause).toBe(cause);
    }
    expect(core.status).toBe('destroyed');
    expect(core.nextDeadline()).toBe(Infinity);
    // Later requests settle at once; a second destroyAll does nothing.
    const late = new PublishOp('e', Buffer.alloc(0), 1);
    core.publish(late, T0 + 4);
    core.subscribe(new SubscribeOp([{ topicFilter: 'x', qos: 0 }]), T0 + 4);
    core.open(T0 + 4, new ConnectOp());
    core.destroyAll();
    expect(settles(fx.take()).map((s) => (s.error as MqttxError).code)).toEqual(['ERR_CLIENT_CLOSED', 'ERR_CLIENT_CLOSED', 'ERR_CLIENT_CLOSED']);
  });

  it('an effect destroying the client while a message is delivered leaves nothing half done', () => {
    const { core, fx } = online({ protocolVersion: 5 });
    const op = new PublishOp('t', Buffer.alloc(0), 1);
    core.publish(op, T0);
    fx.onAction = (a) => {
      if (a.kind === 'deliver') core.destroyAll(new Error('handler crashed'));
    };
    core.receive({ type: 'publish', topic: 'in', payload: Buffer.alloc(0), qos: 2, retain: false, dup: false, packetId: 3, properties: undefined }, T0);
    fx.onAction = undefined;
    const actions = fx.take();
    expect(actions.map((a) => a.kind)).toEqual(['send', 'deliver', 'settle']);
    expect(settles(actions)[0]).toMatchObject({ op, error: { code: 'ERR_CLIENT_CLOSED' } });
  });
});

describe('core: protocol violations', () => {
  it('a decoder error from the driver: DISCONNECT with its reason code (5.0), close with the cause kept', () => {
    const { core, fx } = online({ protocolVersion: 5 });
    const cause = new CodecError('ERR_MALFORMED_PACKET', 'bad', 0x81);
    core.protocolError(cause, T0);
    const actions = fx.take();
    expect(sends(actions)).toEqual([{ type: 'disconnect', reasonCode: 0x81, properties: undefined }]);
    const error = (actions.at(-1) as unknown as { error: MqttxError }).error;
    expect(error).toMatchObject({ code: 'ERR_PROTOCOL_VIOLATION', reasonCode: 0x81, temporary: true });
    expect(error.cause).toBe(cause);
  });

  it('[MQTT-4.8.0-1] (3.1.1) closes without DISCONNECT', () => {
    const { core, fx } = online({ protocolVersion: 4 });
    core.protocolError(new CodecError('ERR_PACKET_TOO_LARGE', 'big', 0x95), T0);
    expect(fx.take()).toMatchObject([{ kind: 'close', error: { code: 'ERR_PROTOCOL_VIOLATION', reasonCode: 0x95 } }]);
  });

  it.each(['pingreq', 'subscribe', 'connect'] as const)('a %s from the server is a protocol violation', (type) => {
    const { core, fx } = online({ protocolVersion: 5 });
    const packets: Record<string, Packet> = {
      pingreq: { type: 'pingreq' },
      subscribe: { type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: 'a', qos: 0 }], properties: undefined },
      connect: { type: 'connect', protocolVersion: 5, clientId: 'x', clean: true, keepalive: 0 },
    };
    core.receive(packets[type]!, T0);
    expect(sends(fx.take())).toEqual([{ type: 'disconnect', reasonCode: 0x82, properties: undefined }]);
  });
});

describe('core: restore from store records', () => {
  const v = 5 as const;
  const publishBytes = (topic: string, qos: 1 | 2, packetId: number) =>
    encode({ type: 'publish', topic, payload: Buffer.from(topic), qos, retain: false, dup: false, packetId, properties: undefined }, { protocolVersion: v });
  const pubrelBytes = (packetId: number) => encode({ type: 'pubrel', packetId, reasonCode: undefined, properties: undefined }, { protocolVersion: v });
  const snapshot = () => ({
    outbound: [
      // Listed out of order on purpose: seq decides (ids wrapped from 65535 to 1).
      { key: 1, seq: 11, bytes: publishBytes('second', 2, 1) },
      { key: 65535, seq: 10, bytes: publishBytes('first', 1, 65535) },
      { key: 2, seq: 12, bytes: pubrelBytes(2) },
    ],
    subscriptions: [
      {
        key: 'f/#',
        seq: 3,
        bytes: encode({ type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: 'f/#', qos: 1 }], properties: undefined }, { protocolVersion: v }),
      },
    ],
    meta: [{ key: 'session', seq: 0, bytes: Buffer.from(JSON.stringify({ clientId: 'restored-id', protocolVersion: 5 })) }],
  });

  it('[MQTT-4.4.0-1] resumes in insertion order across the id wrap, keeping ids; new ids continue after', () => {
    const { core, fx } = setup({ protocolVersion: v, clean: false });
    const restored = core.restore(snapshot());
    expect(restored.map((op) => op.packetId)).toEqual([65535, 1, 2]);
    core.open(T0);
    expect(sends(fx.take())).toMatchObject([{ type: 'connect', clientId: 'restored-id' }]);
    core.receive(connack(true), T0);
    core.publish(new PublishOp('new', Buffer.alloc(0), 1), T0);
    expect(sends(fx.take())).toMatchObject([
      { type: 'publish', topic: 'first', packetId: 65535, dup: true },
      { type: 'publish', topic: 'second', packetId: 1, dup: true },
      { type: 'pubrel', packetId: 2 },
      { type: 'publish', topic: 'new', packetId: 3, dup: false },
    ]);
    core.receive({ type: 'puback', packetId: 65535, reasonCode: 0, properties: undefined }, T0);
    expect(settles(fx.take())).toMatchObject([{ op: restored[0], error: undefined }]);
  });

  it('no session on the server: restored publishes go again as new; a PUBREL without its message is dropped; subscriptions come back', () => {
    const { core, fx } = setup({ protocolVersion: v, clean: false });
    const restored = core.restore(snapshot());
    core.open(T0);
    core.receive(connack(false), T0);
    const actions = fx.take();
    expect(settles(actions)).toMatchObject([{ op: restored[2], error: { code: 'ERR_MESSAGE_DROPPED' } }]);
    expect(sends(actions).slice(1)).toMatchObject([
      { type: 'subscribe', subscriptions: [{ topicFilter: 'f/#', qos: 1 }] },
      { type: 'publish', topic: 'first', packetId: 65535, dup: false },
      { type: 'publish', topic: 'second', packetId: 1, dup: false },
    ]);
  });

  it('a record that does not decode is a StoreError', () => {
    const { core } = setup({ protocolVersion: v });
    expect(() => core.restore({ outbound: [{ key: 1, seq: 1, bytes: Buffer.from([0xff, 0x00]) }] })).toThrowError(
      expect.objectContaining({ code: 'ERR_STORE', kind: 'storage' }),
    );
    expect(() => core.restore({ outbound: [{ key: 9, seq: 1, bytes: publishBytes('t', 1, 1) }] })).toThrowError(
      expect.objectContaining({ code: 'ERR_STORE' }),
    );
  });

  it('restore after other inputs is a driver bug', () => {
    const { core } = online({ protocolVersion: v });
    expect(() => core.restore({})).toThrowError(expect.objectContaining({ code: 'ERR_INVALID_REQUEST' }));
  });
});

describe('core: status', () => {
  it('walks offline -> connecting -> connected -> closing -> offline', () => {
    const { core } = setup({ protocolVersion: 4 });
    const seen = [core.status];
    core.open(T0);
    seen.push(core.status);
    core.receive(connack(), T0);
    seen.push(core.status);
    expect(core.limits).toMatchObject({ receiveMaximum: 65535, maximumQoS: 2 });
    core.disconnect(new DisconnectOp(), T0);
    seen.push(core.status);
    core.closed(undefined, T0);
    seen.push(core.status);
    expect(seen).toEqual(['offline', 'connecting', 'connected', 'closing', 'offline']);
  });

  it('delivers the decoded PUBLISH itself as the message', () => {
    const { core, fx } = online({ protocolVersion: 5 });
    const p: PublishPacket = { type: 'publish', topic: 't', payload: Buffer.from('x'), qos: 0, retain: true, dup: false, packetId: undefined, properties: { contentType: 'c' } };
    core.receive(p, T0);
    expect(fx.take()).toEqual([{ kind: 'deliver', message: p }]);
  });
});
