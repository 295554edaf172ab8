/**
 * Core inputs added for the driver: per-connect credentials on `open()` (resolved by the driver before
 * every attempt) and the Server Reference kept on a redirecting CONNACK's error.
 */
import { describe, expect, it } from 'vitest';
import type { ConnectPacket } from '@mqttx/codec';
import { ClientCore, ConnectOp, MqttxError, RecordingEffects } from '../src/index.js';

function setup(protocolVersion: 4 | 5 = 5) {
  const fx = new RecordingEffects();
  const core = new ClientCore({ protocolVersion, clientId: 'c', username: 'static', password: Buffer.from('old') }, fx);
  return { core, fx };
}

describe('core additions', () => {
  it('open() with credentials replaces the user name and password of the options for that CONNECT', () => {
    const { core, fx } = setup();
    core.open(0, undefined, undefined, { username: 'fresh', password: Buffer.from('token-2') });
    const connect = fx.sent()[0] as ConnectPacket;
    expect(connect.username).toBe('fresh');
    expect(connect.password?.toString()).toBe('token-2');
  });

  it('open() without credentials uses the options', () => {
    const { core, fx } = setup(4);
    core.open(0);
    const connect = fx.sent()[0] as ConnectPacket;
    expect([connect.username, connect.password?.toString()]).toEqual(['static', 'old']);
  });

  it('a CONNACK 0x9C keeps its Server Reference on the ConnackError', () => {
    const { core, fx } = setup();
    const op = new ConnectOp();
    core.open(0, op);
    fx.take();
    core.receive({ type: 'connack', sessionPresent: false, reasonCode: 0x9c, properties: { serverReference: 'b:1883', reasonString: 'moved' } }, 1);
    const settle = fx.take().find((a) => a.kind === 'settle') as unknown as { error: MqttxError };
    expect(settle.error.code).toBe('ERR_CONNACK_REFUSED');
    expect(settle.error.reasonCode).toBe(0x9c);
    expect(settle.error.context).toMatchObject({ serverReference: 'b:1883', reasonString: 'moved' });
  });
});
