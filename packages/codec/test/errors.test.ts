/**
 * The error base: CodecError carries a stable code and the MQTT 5 reason code; isTemporary and isTimeout
 * walk the cause chain.
 */
import { describe, expect, it } from 'vitest';
import { CodecError, MqttxError, isTemporary, isTimeout, reasonCodeName, ReasonCode } from '@mqttx/codec';

describe('CodecError', () => {
  it('carries code, reasonCode, kind and context', () => {
    const err = new CodecError('ERR_INVALID_QOS', 'bad qos', 0x81, { qos: 3 });
    expect(err).toBeInstanceOf(MqttxError);
    expect(err).toBeInstanceOf(Error);
    expect(err.code).toBe('ERR_INVALID_QOS');
    expect(err.reasonCode).toBe(0x81);
    expect(err.kind).toBe('protocol');
    expect(err.context).toEqual({ qos: 3 });
    expect(err.name).toBe('CodecError');
    expect(isTemporary(err)).toBe(false);
    expect(isTimeout(err)).toBe(false);
  });

  it('defaults the reason code to 0x81 malformed packet', () => {
    expect(new CodecError('ERR_TRUNCATED', 'short').reasonCode).toBe(0x81);
  });
});

describe('isTemporary / isTimeout', () => {
  it('walk the cause chain to a temporary MqttxError', () => {
    const root = new MqttxError('ERR_X', 'link dropped', { temporary: true });
    const outer = new Error('outer', { cause: new Error('middle', { cause: root }) });
    expect(isTemporary(outer)).toBe(true);
    expect(isTimeout(outer)).toBe(false);
  });

  it('find a timeout anywhere in the chain, and a timeout counts as temporary', () => {
    const root = new MqttxError('ERR_TIMEOUT', 'no CONNACK', { timeout: true });
    const outer = new MqttxError('ERR_CONNECT', 'connect failed', { cause: root });
    expect(isTimeout(outer)).toBe(true);
    expect(isTemporary(outer)).toBe(true);
  });

  it('recognise Node network errors and TimeoutError by code and name', () => {
    const reset = Object.assign(new Error('reset'), { code: 'ECONNRESET' });
    expect(isTemporary(new Error('wrapped', { cause: reset }))).toBe(true);
    const timeout = Object.assign(new Error('slow'), { name: 'TimeoutError' });
    expect(isTimeout(new Error('wrapped', { cause: timeout }))).toBe(true);
  });

  it('are false for plain errors, non-errors and a CodecError cause', () => {
    expect(isTemporary(new Error('x'))).toBe(false);
    expect(isTemporary(undefined)).toBe(false);
    expect(isTemporary('ECONNRESET')).toBe(false);
    expect(isTemporary(new Error('x', { cause: new CodecError('ERR_VARINT', 'v') }))).toBe(false);
  });

  it('stop on a cause cycle', () => {
    const a = new Error('a') as Error & { cause?: unknown };
    const b = new Error('b', { cause: a });
    a.cause = b;
    expect(isTemporary(a)).toBe(false);
    expect(isTimeout(a)).toBe(false);
  });
});

describe('reason code names', () => {
  it('names reason codes and formats unknown ones', () => {
    expect(reasonCodeName(ReasonCode.NotAuthorized)).toBe('NotAuthorized');
    expect(reasonCodeName(0x00)).toBe('Success');
    expect(reasonCodeName(0x95)).toBe('PacketTooLarge');
    expect(reasonCodeName(0x03)).toBe('0x03');
  });
});
