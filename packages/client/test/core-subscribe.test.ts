/**
 * Client core: SUBSCRIBE / UNSUBSCRIBE, the subscriptions kept in the session, feature availability,
 * offline behaviour and validation.
 */
import { describe, expect, it } from 'vitest';
import { MqttxError, type ConnackPacket, type Packet, type Properties, type SubscribePacket } from '@mqttx/codec';
import {
  ClientCore,
  PublishOp,
  RecordingEffects,
  SubscribeOp,
  UnsubscribeOp,
  type Action,
  type CoreOptions,
} from '../src/state/index.js';

const T0 = 2_000;

function connack(sessionPresent = false, properties?: Properties): ConnackPacket {
  return { type: 'connack', sessionPresent, reasonCode: 0, properties };
}

function online(options: CoreOptions = {}, props?: Properties) {
  const fx = new RecordingEffects();
  const core = new ClientCore(options, fx);
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

const codeOf = (e: unknown) => (e instanceof MqttxError ? e.code : undefined);

function suback(packetId: number, reasonCodes: number[]): Packet {
  return { type: 'suback', packetId, reasonCodes, properties: undefined };
}

function unsuback(packetId: number, reasonCodes?: number[]): Packet {
  return { type: 'unsuback', packetId, reasonCodes, properties: undefined };
}

/** Sends `op` and answers it with `codes`; returns the packet id used. */
function acked(core: ClientCore, fx: RecordingEffects, op: SubscribeOp | UnsubscribeOp, codes?: number[]): number {
  if (op.kind === 'subscribe') core.subscribe(op, T0);
  else core.unsubscribe(op, T0);
  const packet = sends(fx.take()).at(-1) as { packetId: number };
  core.receive(op.kind === 'subscribe' ? suback(packet.packetId, codes!) : unsuback(packet.packetId, codes), T0);
  return packet.packetId;
}

/** Filters the core would subscribe again after a session loss. */
function resubscribed(core: ClientCore, fx: RecordingEffects): string[] {
  core.closed(undefined, T0 + 50);
  core.open(T0 + 60);
  core.receive(connack(false), T0 + 60);
  return sends(fx.take())
    .filter((p): p is SubscribePacket => p.type === 'subscribe')
    .flatMap((p) => p.subscriptions.map((s) => s.topicFilter));
}

describe('core: subscribe', () => {
  for (const protocolVersion of [4, 5] as const) {
    it(`v${protocolVersion} [MQTT-2.2.1-3] SUBSCRIBE with an unused id; SUBACK settles with the per-filter codes [MQTT-3.9.3-1]`, () => {
      const { core, fx } = online({ protocolVersion });
      const op = new SubscribeOp([
        { topicFilter: 'a/+', qos: 1 },
        { topicFilter: 'b/#', qos: 2 },
      ]);
      core.subscribe(op, T0);
      expect(sends(fx.take())).toMatchObject([
        { type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: 'a/+', qos: 1 }, { topicFilter: 'b/#', qos: 2 }] },
      ]);
      core.receive(suback(1, [1, 0x80]), T0 + 1);
      const [s] = settles(fx.take());
      expect(s).toMatchObject({ op, error: undefined, value: { type: 'suback', reasonCodes: [1, 0x80] } });
      // The refused filter is not kept, so it is not resubscribed.
      expect(resubscribed(core, fx)).toEqual(['a/+']);
    });
  }

  it('5.0 subscription options and properties go into the SUBSCRIBE', () => {
    const { core, fx } = online({ protocolVersion: 5 });
    const op = new SubscribeOp(
      [{ topicFilter: 'x', qos: 1, noLocal: true, retainAsPublished: true, retainHandling: 2 }],
      { subscriptionIdentifier: 42, userProperties: [['k', 'v']] },
    );
    core.subscribe(op, T0);
    expect(sends(fx.take())).toEqual([
      {
        ...op,
        packetId: 1,
        subscriptions: [{ topicFilter: 'x', qos: 1, noLocal: true, retainAsPublished: true, retainHandling: 2 }],
        properties: { subscriptionIdentifier: 42, userProperties: [['k', 'v']] },
      },
    ]);
  });

  it('a refused re-subscription drops the filter from the session', () => {
    const { core, fx } = online({ protocolVersion: 5 });
    acked(core, fx, new SubscribeOp([{ topicFilter: 'x', qos: 1 }]), [1]);
    acked(core, fx, new SubscribeOp([{ topicFilter: 'x', qos: 2 }]), [0x97]);
    fx.take();
    expect(resubscribed(core, fx)).toEqual([]);
  });

  it('resubscribe batches keep each request’s properties', () => {
    const { core, fx } = online({ protocolVersion: 5 });
    acked(core, fx, new SubscribeOp([{ topicFilter: 'a', qos: 0 }, { topicFilter: 'b', qos: 1 }], { subscriptionIdentifier: 1 }), [0, 1]);
    acked(core, fx, new SubscribeOp([{ topicFilter: 'c', qos: 2 }]), [2]);
    core.closed(undefined, T0 + 1);
    core.open(T0 + 2);
    fx.take();
    core.receive(connack(false), T0 + 3);
    expect(sends(fx.take()).filter((p) => p.type === 'subscribe')).toMatchObject([
      { subscriptions: [{ topicFilter: 'a' }, { topicFilter: 'b' }], properties: { subscriptionIdentifier: 1 } },
      { subscriptions: [{ topicFilter: 'c', qos: 2 }], properties: undefined },
    ]);
  });

  it('[MQTT-3.9.3-1] (5.0) / [MQTT-3.8.4-5] (3.1.1) SUBACK with the wrong number of codes, or for an unknown id, is a protocol violation', () => {
    const a = online({ protocolVersion: 5 });
    a.core.subscribe(new SubscribeOp([{ topicFilter: 'a', qos: 0 }, { topicFilter: 'b', qos: 0 }]), T0);
    a.fx.take();
    a.core.receive(suback(1, [0]), T0);
    expect(sends(a.fx.take())).toEqual([{ type: 'disconnect', reasonCode: 0x82, properties: undefined }]);
    const b = online({ protocolVersion: 4 });
    b.core.receive(suback(5, [0]), T0);
    expect(b.fx.take()).toMatchObject([{ kind: 'close', error: { code: 'ERR_PROTOCOL_VIOLATION' } }]);
  });

  it('refuses invalid requests with typed errors', () => {
    const v4 = online({ protocolVersion: 4 });
    const v5 = online({ protocolVersion: 5 });
    const cases: Array<[ClientCore, RecordingEffects, SubscribeOp, string]> = [
      // [MQTT-3.8.3-2] (5.0) / [MQTT-3.8.3-3] (3.1.1) at least one filter.
      [v5.core, v5.fx, new SubscribeOp([]), 'ERR_INVALID_REQUEST'],
      // [MQTT-4.7.1-1] '#' last, [MQTT-4.7.3-1] not empty.
      [v5.core, v5.fx, new SubscribeOp([{ topicFilter: 'a/#/b', qos: 0 }]), 'ERR_INVALID_TOPIC_FILTER'],
      [v5.core, v5.fx, new SubscribeOp([{ topicFilter: '', qos: 0 }]), 'ERR_INVALID_TOPIC_FILTER'],
      [v5.core, v5.fx, new SubscribeOp([{ topicFilter: 'a', qos: 3 as 0 }]), 'ERR_INVALID_REQUEST'],
      // [MQTT-3.8.3-4] No Local on a shared subscription.
      [v5.core, v5.fx, new SubscribeOp([{ topicFilter: '$share/g/a', qos: 0, noLocal: true }]), 'ERR_INVALID_REQUEST'],
      [v5.core, v5.fx, new SubscribeOp([{ topicFilter: 'a', qos: 0 }], { subscriptionIdentifier: 0 }), 'ERR_INVALID_REQUEST'],
      [v5.core, v5.fx, new SubscribeOp([{ topicFilter: 'a', qos: 0, retainHandling: 3 as 0 }]), 'ERR_INVALID_REQUEST'],
      [v4.core, v4.fx, new SubscribeOp([{ topicFilter: 'a', qos: 0, noLocal: true }]), 'ERR_INVALID_REQUEST'],
      [v4.core, v4.fx, new SubscribeOp([{ topicFilter: 'a', qos: 0 }], { subscriptionIdentifier: 1 }), 'ERR_INVALID_REQUEST'],
    ];
    for (const [core, fx, op, code] of cases) {
      core.subscribe(op, T0);
      const actions = fx.take();
      expect(sends(actions)).toEqual([]);
      expect(codeOf(settles(actions)[0]?.error), JSON.stringify(op.subscriptions)).toBe(code);
    }
  });

  it.each([
    ['wildcard', { wildcardSubscriptionAvailable: false }, new SubscribeOp([{ topicFilter: 'a/+', qos: 0 }]), 0xa2],
    ['shared', { sharedSubscriptionAvailable: false }, new SubscribeOp([{ topicFilter: '$share/g/a', qos: 0 }]), 0x9e],
    [
      'subscriptionIdentifier',
      { subscriptionIdentifiersAvailable: false },
      new SubscribeOp([{ topicFilter: 'a', qos: 0 }], { subscriptionIdentifier: 5 }),
      0xa1,
    ],
  ] as const)('a %s subscription the server does not support fails early (FeatureNotSupportedError)', (feature, props, op, reason) => {
    const { core, fx } = online({ protocolVersion: 5 }, props);
    core.subscribe(op, T0);
    const actions = fx.take();
    expect(sends(actions)).toEqual([]);
    expect(settles(actions)[0]!.error).toMatchObject({ code: 'ERR_FEATURE_NOT_SUPPORTED', feature, reasonCode: reason });
  });

  it('a SUBSCRIBE larger than the server Maximum Packet Size fails with PacketTooLargeError', () => {
    const { core, fx } = online({ protocolVersion: 5 }, { maximumPacketSize: 20 });
    core.subscribe(new SubscribeOp([{ topicFilter: 'x'.repeat(40), qos: 0 }]), T0);
    expect(settles(fx.take())[0]!.error).toMatchObject({ code: 'ERR_PACKET_TOO_LARGE' });
  });
});

describe('core: unsubscribe', () => {
  it('[MQTT-3.10.4-1] 3.1.1: UNSUBACK removes exactly the filters named (character by character) from the session', () => {
    const { core, fx } = online({ protocolVersion: 4 });
    acked(core, fx, new SubscribeOp([{ topicFilter: 'a', qos: 0 }, { topicFilter: 'b', qos: 1 }]), [0, 1]);
    fx.take();
    const op = new UnsubscribeOp(['a']);
    core.unsubscribe(op, T0);
    expect(sends(fx.take()).at(-1)).toEqual({ ...op, packetId: 2, topicFilters: ['a'] });
    core.receive(unsuback(2), T0);
    expect(settles(fx.take())).toMatchObject([{ op, error: undefined, value: { type: 'unsuback', packetId: 2 } }]);
    expect(resubscribed(core, fx)).toEqual(['b']);
  });

  it('5.0: filters answered 0x00 or 0x11 are removed, a failure keeps the filter', () => {
    const { core, fx } = online({ protocolVersion: 5 });
    acked(core, fx, new SubscribeOp([{ topicFilter: 'a', qos: 0 }, { topicFilter: 'b', qos: 0 }, { topicFilter: 'c', qos: 0 }]), [0, 0, 0]);
    acked(core, fx, new UnsubscribeOp(['a', 'b', 'c'], { userProperties: [['k', 'v']] }), [0x00, 0x11, 0x87]);
    fx.take();
    expect(resubscribed(core, fx)).toEqual(['c']);
  });

  it('[MQTT-3.10.3-2] needs at least one valid filter; 5.0 UNSUBACK needs one code per filter', () => {
    const { core, fx } = online({ protocolVersion: 5 });
    core.unsubscribe(new UnsubscribeOp([]), T0);
    core.unsubscribe(new UnsubscribeOp(['a/#/b']), T0);
    expect(settles(fx.take()).map((s) => codeOf(s.error))).toEqual(['ERR_INVALID_REQUEST', 'ERR_INVALID_TOPIC_FILTER']);
    core.unsubscribe(new UnsubscribeOp(['a', 'b']), T0);
    fx.take();
    core.receive(unsuback(1, [0]), T0);
    expect(sends(fx.take())).toEqual([{ type: 'disconnect', reasonCode: 0x82, properties: undefined }]);
  });
});

describe('core: subscriptions offline and across reconnects', () => {
  it('offline requests queue and go out in order after CONNACK', () => {
    const fx = new RecordingEffects();
    const core = new ClientCore({ protocolVersion: 5 }, fx);
    core.subscribe(new SubscribeOp([{ topicFilter: 'a', qos: 1 }]), T0);
    core.unsubscribe(new UnsubscribeOp(['z']), T0);
    expect(fx.take()).toEqual([]);
    core.open(T0);
    core.receive(connack(), T0);
    expect(sends(fx.take()).map((p) => `${p.type}:${(p as { packetId?: number }).packetId ?? ''}`)).toEqual([
      'connect:',
      'subscribe:1',
      'unsubscribe:2',
    ]);
  });

  it('offlineSubscribe "reject" settles offline requests with NotConnectedError', () => {
    const fx = new RecordingEffects();
    const core = new ClientCore({ protocolVersion: 4, offlineSubscribe: 'reject' }, fx);
    core.subscribe(new SubscribeOp([{ topicFilter: 'a', qos: 1 }]), T0);
    expect(settles(fx.take())[0]!.error).toMatchObject({ code: 'ERR_NOT_CONNECTED', temporary: true });
  });

  it('a request waiting for its ack when the link drops is sent again on the next connection', () => {
    const fx = new RecordingEffects();
    const core = new ClientCore({ protocolVersion: 5, clean: false, clientId: 'c' }, fx);
    core.open(T0);
    core.receive(connack(), T0);
    const op = new SubscribeOp([{ topicFilter: 'a', qos: 1 }]);
    core.subscribe(op, T0);
    core.closed(undefined, T0 + 1);
    fx.take();
    expect(op.done).toBe(false);
    core.open(T0 + 2);
    core.receive(connack(true), T0 + 2);
    const [, again] = sends(fx.take()) as Array<{ type: string; packetId: number }>;
    // [MQTT-2.2.1-3] the id freed with the old connection; ids keep increasing.
    expect(again).toMatchObject({ type: 'subscribe', packetId: 2 });
    core.receive(suback(again!.packetId, [1]), T0 + 3);
    expect(settles(fx.take())).toMatchObject([{ op, error: undefined }]);
  });

  it('feature checks apply to requests queued offline, on the connection they are sent on', () => {
    const fx = new RecordingEffects();
    const core = new ClientCore({ protocolVersion: 5 }, fx);
    const op = new SubscribeOp([{ topicFilter: 'a/#', qos: 1 }]);
    core.subscribe(op, T0);
    core.open(T0);
    core.receive(connack(false, { wildcardSubscriptionAvailable: false }), T0);
    expect(settles(fx.take())).toMatchObject([{ op, error: { code: 'ERR_FEATURE_NOT_SUPPORTED' } }]);
  });

  it('cancel withdraws a queued request, not one waiting for SUBACK', () => {
    const fx = new RecordingEffects();
    const core = new ClientCore({ protocolVersion: 5 }, fx);
    const queued = new SubscribeOp([{ topicFilter: 'a', qos: 1 }]);
    core.subscribe(queued, T0);
    const abort = new Error('aborted');
    expect(core.cancel(queued, abort, T0)).toBe(true);
    expect(settles(fx.take())).toMatchObject([{ op: queued, error: abort }]);
    core.open(T0);
    core.receive(connack(), T0);
    const sent = new SubscribeOp([{ topicFilter: 'b', qos: 1 }]);
    core.subscribe(sent, T0);
    expect(sends(fx.take()).map((p) => p.type)).toEqual(['connect', 'subscribe']);
    expect(core.cancel(sent, abort, T0)).toBe(false);
  });

  it('with every packet id in use a SUBSCRIBE waits for a free one', () => {
    const { core, fx } = online({ protocolVersion: 4 });
    for (let i = 0; i < 65_535; i++) core.publish(new PublishOp('t', Buffer.alloc(0), 1), T0);
    fx.take();
    const op = new SubscribeOp([{ topicFilter: 'a', qos: 0 }]);
    core.subscribe(op, T0);
    expect(sends(fx.take())).toEqual([]);
    core.receive({ type: 'puback', packetId: 777, reasonCode: 0, properties: undefined }, T0);
    expect(sends(fx.take())).toMatchObject([{ type: 'subscribe', packetId: 777 }]);
  });
});
