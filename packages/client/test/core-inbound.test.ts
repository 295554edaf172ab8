/**
 * Client core: incoming publishes. QoS 0/1/2 receiver flows, exactly-once QoS 2 (also across reconnects
 * and restarts), our Receive Maximum, inbound topic aliases, ordered manual acknowledgements.
 */
import { describe, expect, it } from 'vitest';
import type { ConnackPacket, Packet, Properties, PublishPacket } from '@mqttx/codec';
import { ClientCore, PublishOp, RecordingEffects, type Action, type CoreOptions } from '../src/state/index.js';

const T0 = 1_000;

function connack(sessionPresent = false, properties?: Properties): ConnackPacket {
  return { type: 'connack', sessionPresent, reasonCode: 0, properties };
}

function online(options: CoreOptions = {}) {
  const fx = new RecordingEffects();
  const core = new ClientCore(options, fx);
  core.open(T0);
  core.receive(connack(false), T0);
  fx.take();
  return { core, fx };
}

function reconnect(core: ClientCore, fx: RecordingEffects, sessionPresent: boolean) {
  core.closed(undefined, T0 + 50);
  core.open(T0 + 100);
  core.receive(connack(sessionPresent), T0 + 100);
  fx.take();
}

function msg(topic: string, qos: 0 | 1 | 2, packetId?: number, dup = false, properties?: Properties): PublishPacket {
  return { type: 'publish', topic, payload: Buffer.from(topic), qos, retain: false, dup, packetId, properties };
}

function sends(actions: Action[]): Packet[] {
  return actions.filter((a) => a.kind === 'send').map((a) => (a as { packet: Packet }).packet);
}

function delivered(actions: Action[]): string[] {
  return actions.filter((a) => a.kind === 'deliver').map((a) => (a as { message: PublishPacket }).message.topic);
}

/** Compact trace: `deliver:topic` and `type:packetId` for sends. */
function trace(actions: Action[]): string[] {
  return actions.flatMap((a) => {
    if (a.kind === 'deliver') return [`deliver:${a.message.topic}`];
    if (a.kind === 'send') {
      const p = a.packet as { type: string; packetId?: number; reasonCode?: number };
      return [`${p.type}:${p.packetId ?? ''}${p.reasonCode ? `/${p.reasonCode.toString(16)}` : ''}`];
    }
    return [a.kind];
  });
}

const pubrel = (packetId: number): Packet => ({ type: 'pubrel', packetId, reasonCode: 0, properties: undefined });

describe('core: inbound QoS flows', () => {
  for (const protocolVersion of [4, 5] as const) {
    it(`v${protocolVersion} [MQTT-3.3.4-1] QoS 0 is delivered, nothing sent`, () => {
      const { core, fx } = online({ protocolVersion });
      core.receive(msg('a', 0), T0);
      expect(trace(fx.take())).toEqual(['deliver:a']);
    });

    it(`v${protocolVersion} [MQTT-4.3.2-4] [MQTT-2.2.1-5] (5.0) / [MQTT-4.3.2-2] [MQTT-2.3.1-6] (3.1.1) QoS 1: delivered, then PUBACK with its id; [MQTT-4.3.2-5] the id reused later is a new message`, () => {
      const { core, fx } = online({ protocolVersion });
      core.receive(msg('a', 1, 3), T0);
      core.receive(msg('b', 1, 3, true), T0);
      expect(trace(fx.take())).toEqual(['deliver:a', 'puback:3', 'deliver:b', 'puback:3']);
    });

    it(`v${protocolVersion} [MQTT-4.3.3-8] [MQTT-4.3.3-10] [MQTT-4.3.3-11] [MQTT-4.3.3-12] QoS 2: delivered once, PUBREC, PUBREL -> PUBCOMP`, () => {
      const { core, fx } = online({ protocolVersion });
      core.receive(msg('a', 2, 9), T0);
      expect(trace(fx.take())).toEqual(['deliver:a', 'pubrec:9']);
      // A repeat before PUBREL: PUBREC again, no second delivery.
      core.receive(msg('a', 2, 9, true), T0 + 1);
      expect(trace(fx.take())).toEqual(['pubrec:9']);
      core.receive(pubrel(9), T0 + 2);
      expect(trace(fx.take())).toEqual(['pubcomp:9']);
      // After PUBCOMP the id names a new message.
      core.receive(msg('again', 2, 9), T0 + 3);
      expect(trace(fx.take())).toEqual(['deliver:again', 'pubrec:9']);
    });

    it(`v${protocolVersion} [MQTT-4.3.3-10] a QoS 2 id stays held across a reconnect: the resent PUBLISH is not delivered again`, () => {
      const { core, fx } = online({ protocolVersion, clean: false, clientId: 'c' });
      core.receive(msg('a', 2, 4), T0);
      fx.take();
      reconnect(core, fx, true);
      core.receive(msg('a', 2, 4, true), T0 + 101);
      expect(trace(fx.take())).toEqual(['pubrec:4']);
      core.receive(pubrel(4), T0 + 102);
      expect(trace(fx.take())).toEqual(['pubcomp:4']);
    });
  }

  it('[MQTT-4.3.3-10] a QoS 2 id held in the store stays held after a restart', () => {
    const fx = new RecordingEffects();
    const core = new ClientCore({ protocolVersion: 5, clean: false, clientId: 'c' }, fx);
    core.restore({ inbound: [{ key: 12, seq: 1, bytes: Buffer.alloc(0) }] });
    core.open(T0);
    core.receive(connack(true), T0);
    fx.take();
    core.receive(msg('a', 2, 12, true), T0 + 1);
    expect(trace(fx.take())).toEqual(['pubrec:12']);
    core.receive(pubrel(12), T0 + 2);
    expect(trace(fx.take())).toEqual(['pubcomp:12']);
  });

  it('PUBREL for an id not held gets PUBCOMP anyway (5.0 with 0x92 Packet Identifier not found)', () => {
    const v5 = online({ protocolVersion: 5 });
    v5.core.receive(pubrel(70), T0);
    expect(sends(v5.fx.take())).toEqual([{ type: 'pubcomp', packetId: 70, reasonCode: 0x92, properties: undefined }]);
    const v4 = online({ protocolVersion: 4 });
    v4.core.receive(pubrel(70), T0);
    expect(sends(v4.fx.take())).toEqual([{ type: 'pubcomp', packetId: 70, reasonCode: undefined, properties: undefined }]);
  });

  it('persists held QoS 2 ids (async persistence) and deletes them at PUBREL', () => {
    const { core, fx } = online({ protocolVersion: 5, persistence: 'async' });
    core.receive(msg('a', 2, 5), T0);
    expect(fx.take().filter((a) => a.kind === 'persist')).toMatchObject([{ record: { keyspace: 'inbound', key: 5 } }]);
    core.receive(pubrel(5), T0);
    expect(fx.take().filter((a) => a.kind === 'unpersist')).toEqual([{ kind: 'unpersist', keyspace: 'inbound', key: 5 }]);
  });

  it('[MQTT-3.3.1-3] the DUP flag of a reply does not copy the DUP flag of the message it answers', () => {
    const { core, fx } = online({ protocolVersion: 5 });
    fx.onAction = (a) => {
      if (a.kind === 'deliver') core.publish(new PublishOp('reply', Buffer.from('r'), 1), T0);
    };
    core.receive(msg('request', 1, 1, true), T0);
    fx.onAction = undefined;
    expect(sends(fx.take())).toMatchObject([{ type: 'puback' }, { type: 'publish', topic: 'reply', dup: false }]);
  });

  it('[MQTT-3.3.4-1] "acks for the application replies go after ours": a publish made inside the handler follows the PUBACK', () => {
    const { core, fx } = online({ protocolVersion: 5 });
    fx.onAction = (a) => {
      if (a.kind === 'deliver') core.publish(new PublishOp('reply', Buffer.from('r'), 1), T0);
    };
    core.receive(msg('request', 1, 1), T0);
    fx.onAction = undefined;
    expect(trace(fx.take())).toEqual(['deliver:request', 'puback:1', 'publish:1']);
  });
});

describe('core: our Receive Maximum (5.0)', () => {
  it('[MQTT-3.3.4-9] more unacknowledged QoS 1 publishes than we advertised: DISCONNECT 0x93 and close', () => {
    const { core, fx } = online({ protocolVersion: 5, properties: { receiveMaximum: 2 }, manualAck: true });
    core.receive(msg('a', 1, 1), T0);
    core.receive(msg('b', 1, 2), T0);
    expect(delivered(fx.take())).toEqual(['a', 'b']);
    core.receive(msg('c', 1, 3), T0);
    const actions = fx.take();
    expect(delivered(actions)).toEqual([]);
    expect(sends(actions)).toEqual([{ type: 'disconnect', reasonCode: 0x93, properties: undefined }]);
    expect(actions.at(-1)).toMatchObject({ kind: 'close', error: { code: 'ERR_PROTOCOL_VIOLATION', reasonCode: 0x93 } });
  });

  it('[MQTT-3.3.4-9] QoS 2 counts until our PUBCOMP', () => {
    const { core, fx } = online({ protocolVersion: 5, properties: { receiveMaximum: 2 } });
    core.receive(msg('a', 2, 1), T0);
    core.receive(msg('b', 2, 2), T0);
    core.receive(pubrel(1), T0);
    core.receive(msg('c', 2, 3), T0);
    expect(trace(fx.take())).toEqual(['deliver:a', 'pubrec:1', 'deliver:b', 'pubrec:2', 'pubcomp:1', 'deliver:c', 'pubrec:3']);
    core.receive(msg('d', 2, 4), T0);
    expect(sends(fx.take())).toEqual([{ type: 'disconnect', reasonCode: 0x93, properties: undefined }]);
  });

  it('acknowledged messages free the window (auto ack never trips it)', () => {
    const { core, fx } = online({ protocolVersion: 5, properties: { receiveMaximum: 1 } });
    for (let i = 1; i <= 5; i++) core.receive(msg(`m${i}`, 1, i), T0);
    expect(delivered(fx.take())).toHaveLength(5);
    expect(core.connected).toBe(true);
  });
});

describe('core: inbound topic aliases (5.0)', () => {
  it('[MQTT-3.3.2-10] accepts aliases 1..our Topic Alias Maximum and resolves empty topics', () => {
    const { core, fx } = online({ protocolVersion: 5, properties: { topicAliasMaximum: 3 } });
    core.receive(msg('sensors/1', 0, undefined, false, { topicAlias: 3 }), T0);
    core.receive({ ...msg('', 1, 1, false, { topicAlias: 3 }), payload: Buffer.from('v') }, T0);
    const actions = fx.take();
    expect(delivered(actions)).toEqual(['sensors/1', 'sensors/1']);
    expect(sends(actions)).toMatchObject([{ type: 'puback', packetId: 1 }]);
  });

  it.each([
    ['above our maximum', 4],
    ['zero', 0],
  ])('an alias %s is Topic Alias invalid: DISCONNECT 0x94', (_name, alias) => {
    const { core, fx } = online({ protocolVersion: 5, properties: { topicAliasMaximum: 3 } });
    core.receive(msg('t', 0, undefined, false, { topicAlias: alias }), T0);
    const actions = fx.take();
    expect(sends(actions)).toEqual([{ type: 'disconnect', reasonCode: 0x94, properties: undefined }]);
    expect(actions.at(-1)).toMatchObject({ kind: 'close', error: { code: 'ERR_PROTOCOL_VIOLATION', reasonCode: 0x94 } });
  });

  it('an alias when we advertised none is invalid (0x94)', () => {
    const { core, fx } = online({ protocolVersion: 5 });
    core.receive(msg('t', 0, undefined, false, { topicAlias: 1 }), T0);
    expect(sends(fx.take())).toEqual([{ type: 'disconnect', reasonCode: 0x94, properties: undefined }]);
  });

  it('[MQTT-3.3.2-7] an unknown alias, also one from a previous connection, is invalid (0x94)', () => {
    const { core, fx } = online({ protocolVersion: 5, properties: { topicAliasMaximum: 3 } });
    core.receive(msg('t', 0, undefined, false, { topicAlias: 1 }), T0);
    reconnect(core, fx, false);
    core.receive(msg('', 0, undefined, false, { topicAlias: 1 }), T0 + 101);
    const actions = fx.take();
    expect(delivered(actions)).toEqual([]);
    expect(sends(actions)).toEqual([{ type: 'disconnect', reasonCode: 0x94, properties: undefined }]);
  });
});

describe('core: manual acknowledgement', () => {
  it('[MQTT-4.6.0-2] [MQTT-4.6.0-3] acks leave in arrival order whatever order the handlers finish in', () => {
    const { core, fx } = online({ protocolVersion: 5, manualAck: true });
    const m1 = msg('m1', 1, 1);
    const m2 = msg('m2', 2, 2);
    const m3 = msg('m3', 1, 3);
    for (const m of [m1, m2, m3]) core.receive(m, T0);
    expect(trace(fx.take())).toEqual(['deliver:m1', 'deliver:m2', 'deliver:m3']);
    expect(core.ack(m3, T0)).toBe(true);
    expect(fx.take()).toEqual([]);
    expect(core.ack(m1, T0)).toBe(true);
    expect(trace(fx.take())).toEqual(['puback:1']);
    expect(core.ack(m2, T0)).toBe(true);
    expect(trace(fx.take())).toEqual(['pubrec:2', 'puback:3']);
    // Nothing left to acknowledge.
    expect(core.ack(m2, T0)).toBe(false);
    expect(core.ack(msg('q0', 0), T0)).toBe(false);
  });

  it('[MQTT-4.3.2-4] [MQTT-4.3.3-9] an ack given synchronously inside deliver (a handler that returns at once) is sent', () => {
    for (const protocolVersion of [4, 5] as const) {
      const { core, fx } = online({ protocolVersion, manualAck: true });
      fx.onAction = (a) => {
        if (a.kind === 'deliver') core.ack((a as { message: PublishPacket }).message, T0);
      };
      core.receive(msg('m1', 1, 1), T0);
      core.receive(msg('m2', 2, 2), T0);
      fx.onAction = undefined;
      expect(trace(fx.take())).toEqual(['deliver:m1', 'puback:1', 'deliver:m2', 'pubrec:2']);
    }
  });

  it('[MQTT-4.5.0-2] a refusing ack (5.0 reason >= 0x80) is still an ack; a refused QoS 2 id is free again [MQTT-4.3.3-9]', () => {
    const { core, fx } = online({ protocolVersion: 5, manualAck: true });
    const m1 = msg('m1', 1, 1);
    const m2 = msg('m2', 2, 2);
    core.receive(m1, T0);
    core.receive(m2, T0);
    fx.take();
    core.ack(m1, T0, 0x80);
    core.ack(m2, T0, 0x83);
    expect(trace(fx.take())).toEqual(['puback:1/80', 'pubrec:2/83']);
    core.receive(msg('m2-again', 2, 2), T0);
    expect(delivered(fx.take())).toEqual(['m2-again']);
  });

  it('an ack for a message of a closed connection is ignored for QoS 1 (the server resends it)', () => {
    const { core, fx } = online({ protocolVersion: 5, manualAck: true, clean: false, clientId: 'c' });
    const m1 = msg('m1', 1, 1);
    core.receive(m1, T0);
    fx.take();
    reconnect(core, fx, true);
    expect(core.ack(m1, T0 + 101)).toBe(false);
    expect(fx.take()).toEqual([]);
  });

  it('QoS 2 acked while offline: the resent PUBLISH gets PUBREC without a second delivery', () => {
    const { core, fx } = online({ protocolVersion: 4, manualAck: true, clean: false, clientId: 'c' });
    const m = msg('m', 2, 7);
    core.receive(m, T0);
    core.closed(undefined, T0 + 1);
    fx.take();
    expect(core.ack(m, T0 + 2)).toBe(true);
    core.open(T0 + 3);
    core.receive(connack(true), T0 + 3);
    fx.take();
    core.receive(msg('m', 2, 7, true), T0 + 4);
    expect(trace(fx.take())).toEqual(['pubrec:7']);
  });

  it('QoS 2 resent before the application acked: PUBREC waits for the ack, no second delivery', () => {
    const { core, fx } = online({ protocolVersion: 5, manualAck: true, clean: false, clientId: 'c' });
    const m = msg('m', 2, 7);
    core.receive(m, T0);
    reconnect(core, fx, true);
    core.receive(msg('m', 2, 7, true), T0 + 101);
    expect(fx.take()).toEqual([]);
    expect(core.ack(m, T0 + 102)).toBe(true);
    expect(trace(fx.take())).toEqual(['pubrec:7']);
  });

  it('PUBREL before our PUBREC is a protocol violation', () => {
    const { core, fx } = online({ protocolVersion: 5, manualAck: true });
    core.receive(msg('m', 2, 7), T0);
    fx.take();
    core.receive(pubrel(7), T0);
    expect(sends(fx.take())).toEqual([{ type: 'disconnect', reasonCode: 0x82, properties: undefined }]);
  });
});
