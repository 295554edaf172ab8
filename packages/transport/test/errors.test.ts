/**
 * Mapping of Node socket / TLS errors to stable transport codes (synthetic errors: the mapping is a table).
 */
import { describe, expect, it } from 'vitest';
import { MqttxError, TlsError, TransportError, isTemporary, isTimeout } from '@mqttx/transport';
import { type FailurePhase, toTransportError } from '../src/errors.js';

function sys(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`synthetic ${code}`), { code });
}

describe('toTransportError', () => {
  const table: Array<[string, FailurePhase, string, boolean, boolean]> = [
    // system code, phase, expected code, temporary, timeout
    ['ECONNREFUSED', 'connect', 'ERR_CONNECT_REFUSED', true, false],
    ['ECONNRESET', 'established', 'ERR_CONNECTION_RESET', true, false],
    ['EPIPE', 'established', 'ERR_CONNECTION_RESET', true, false],
    ['ECONNABORTED', 'established', 'ERR_CONNECTION_RESET', true, false],
    ['ETIMEDOUT', 'connect', 'ERR_CONNECT_TIMEOUT', true, true],
    ['ETIMEDOUT', 'established', 'ERR_CONNECTION_RESET', true, true],
    ['ENOTFOUND', 'connect', 'ERR_DNS', false, false],
    ['EAI_AGAIN', 'connect', 'ERR_DNS', true, false],
    ['EHOSTUNREACH', 'connect', 'ERR_NETWORK_UNREACHABLE', true, false],
    ['ENETUNREACH', 'connect', 'ERR_NETWORK_UNREACHABLE', true, false],
    ['EACCES', 'connect', 'ERR_TRANSPORT', false, false],
  ];
  for (const [system, phase, code, temporary, timeout] of table) {
    it(`${system} (${phase}) -> ${code}`, () => {
      const cause = sys(system);
      const err = toTransportError(cause, 'mqtt://h:1', phase);
      expect(err).toBeInstanceOf(TransportError);
      expect(err.code).toBe(code);
      expect(err.kind).toBe('connection');
      expect(err.temporary).toBe(temporary);
      expect(err.timeout).toBe(timeout);
      expect(isTemporary(err)).toBe(temporary || timeout);
      expect(isTimeout(err)).toBe(timeout);
      expect(err.cause).toBe(cause);
      expect(err.context).toMatchObject({ target: 'mqtt://h:1', systemCode: system });
    });
  }

  const tls: Array<[string, FailurePhase, string]> = [
    ['CERT_HAS_EXPIRED', 'connect', 'ERR_TLS_CERT_REJECTED'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'connect', 'ERR_TLS_CERT_REJECTED'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'connect', 'ERR_TLS_CERT_REJECTED'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'connect', 'ERR_TLS_CERT_REJECTED'],
    ['ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', 'connect', 'ERR_TLS_CLIENT_CERT_REJECTED'],
    ['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'established', 'ERR_TLS_CLIENT_CERT_REJECTED'],
    ['ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', 'connect', 'ERR_TLS_HANDSHAKE'],
    ['ERR_SSL_DECRYPTION_FAILED_OR_BAD_RECORD_MAC', 'established', 'ERR_TLS_PROTOCOL'],
    ['ERR_OSSL_BAD_DECRYPT', 'connect', 'ERR_TLS_CONFIG'],
  ];
  for (const [reason, phase, code] of tls) {
    it(`${reason} (${phase}) -> ${code}, reason kept`, () => {
      const err = toTransportError(sys(reason), 'mqtts://h:1', phase);
      expect(err).toBeInstanceOf(TlsError);
      expect(err.code).toBe(code);
      expect(err.context?.reason).toBe(reason);
      expect(err.temporary).toBe(false);
      expect(err.kind).toBe(code === 'ERR_TLS_CONFIG' ? 'configuration' : 'connection');
    });
  }

  it("uses the first inner error's code of an AggregateError (happy-eyeballs connect)", () => {
    const aggregate = new AggregateError([sys('ECONNREFUSED'), sys('ECONNREFUSED')], 'all failed');
    expect(toTransportError(aggregate, 'mqtt://h:1', 'connect').code).toBe('ERR_CONNECT_REFUSED');
  });

  it('returns project errors unchanged, and maps code-less errors to ERR_TRANSPORT', () => {
    const own = new TransportError('ERR_READ_TIMEOUT', 'x');
    expect(toTransportError(own, 't', 'established')).toBe(own);
    const generic = toTransportError(new Error('weird'), 't', 'established');
    expect(generic).toBeInstanceOf(MqttxError);
    expect(generic.code).toBe('ERR_TRANSPORT');
  });
});
