import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { MqttxError, Target, TransportError, parseTarget, redactTarget } from '@mqttx/transport';
import { resolveTarget } from '../src/target.js';

function codeOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(TransportError);
    return (err as MqttxError).code;
  }
  return 'no error';
}

describe('parseTarget: accepted forms', () => {
  const table: Array<[string, string, string, number, string?, string?]> = [
    ['mqtt://broker.example', 'tcp', 'broker.example', 1883],
    ['mqtt://broker.example:1884', 'tcp', 'broker.example', 1884],
    ['mqtt://broker.example:1884/', 'tcp', 'broker.example', 1884],
    ['tcp://10.0.0.1', 'tcp', '10.0.0.1', 1883],
    ['MQTT://Broker.Example', 'tcp', 'Broker.Example', 1883],
    ['mqtts://broker.example', 'tls', 'broker.example', 8883],
    ['ssl://broker.example:8884', 'tls', 'broker.example', 8884],
    ['tls://broker.example', 'tls', 'broker.example', 8883],
    ['mqtt://[::1]:1883', 'tcp', '::1', 1883],
    ['mqtts://[2001:db8::1]', 'tls', '2001:db8::1', 8883],
    ['localhost:1883', 'tcp', 'localhost', 1883],
    ['localhost', 'tcp', 'localhost', 1883],
    ['127.0.0.1:65535', 'tcp', '127.0.0.1', 65535],
    ['[::1]:1884', 'tcp', '::1', 1884],
    ['[::1]', 'tcp', '::1', 1883],
    ['::1', 'tcp', '::1', 1883],
    ['fe80::1:2', 'tcp', 'fe80::1:2', 1883],
    ['mqtt://user:pass@h.example', 'tcp', 'h.example', 1883, 'user', 'pass'],
    ['mqtts://us%40er:p%3Ass%2Fw%20rd@h.example:1', 'tls', 'h.example', 1, 'us@er', 'p:ss/w rd'],
    ['mqtt://user@h.example', 'tcp', 'h.example', 1883, 'user', undefined],
    ['mqtt://:pw@h.example', 'tcp', 'h.example', 1883, undefined, 'pw'],
  ];
  for (const [input, protocol, host, port, username, password] of table) {
    it(`${input}`, () => {
      const t = parseTarget(input);
      expect(t).toBeInstanceOf(Target);
      expect({ protocol: t.protocol, host: t.host, port: t.port, username: t.username, password: t.password }).toEqual({
        protocol,
        host,
        port,
        username,
        password,
      });
    });
  }
});

describe('parseTarget: rejected forms give ERR_INVALID_TARGET', () => {
  const bad = [
    '',
    'ws://broker.example',
    'wss://broker.example:443',
    'http://broker.example',
    'mqtt://',
    'mqtt://h.example:0',
    'mqtt://h.example:65536',
    'mqtt://h.example:abc',
    'mqtt://h.example/topic',
    'mqtt://h.example?x=1',
    'mqtt://h.example#frag',
    'mqtt://ho st',
    'mqtt://h%41.example',
    'mqtt://user:p%zz@h.example',
    'h.example:0',
    'h.example:99999',
    'h.example:',
    'h.example:1:2',
    '[::1',
    '[not-ipv6]:1883',
    'user@h.example:1883',
    'h.example/path',
  ];
  for (const input of bad) {
    it(JSON.stringify(input), () => {
      expect(codeOf(() => parseTarget(input))).toBe('ERR_INVALID_TARGET');
    });
  }

  it('is a configuration error, and names the unsupported scheme in context', () => {
    try {
      parseTarget('ws://u:secret@h.example');
      expect.unreachable();
    } catch (err) {
      const e = err as TransportError;
      expect(e.kind).toBe('configuration');
      expect(e.context?.scheme).toBe('ws');
      expect(e.temporary).toBe(false);
    }
  });

  it('never leaks URL credentials into the error (message, JSON, inspect, cause)', () => {
    for (const input of ['mqtt://alice:s3cret@h.example:99999', 'mqtt://alice:s3cret@ho st', 'ws://alice:s3cret@h']) {
      try {
        parseTarget(input);
        expect.unreachable();
      } catch (err) {
        const text = [String(err), JSON.stringify(err), inspect(err, { depth: Infinity })].join('\n');
        expect(text).not.toContain('s3cret');
        expect(text).not.toContain('alice');
      }
    }
  });
});

describe('redaction', () => {
  it('redactTarget hides credentials and gives the canonical form', () => {
    expect(redactTarget('mqtt://alice:s3cret@h.example')).toBe('mqtt://***@h.example:1883');
    expect(redactTarget('ssl://alice@h.example:8884')).toBe('mqtts://***@h.example:8884');
    expect(redactTarget('h.example')).toBe('mqtt://h.example:1883');
    expect(redactTarget('[::1]:2')).toBe('mqtt://[::1]:2');
    expect(redactTarget({ host: 'h.example', protocol: 'tls', username: 'alice', password: 's3cret' })).toBe(
      'mqtts://***@h.example:8883',
    );
  });

  it('redactTarget masks credentials even in targets that do not parse', () => {
    for (const input of ['mqtt://alice:se/cr@et@h.example:bad', 'ws://alice:s3cret@h', 'alice:s3cret@h:1']) {
      const shown = redactTarget(input);
      expect(shown).not.toContain('s3cret');
      expect(shown).not.toContain('se/cr');
      expect(shown).not.toContain('alice');
    }
  });

  it('a parsed Target prints, serializes and inspects redacted but keeps the credentials readable', () => {
    const t = parseTarget('mqtts://alice:s3cret@h.example');
    expect(String(t)).toBe('mqtts://***@h.example:8883');
    expect(`${t}`).toBe('mqtts://***@h.example:8883');
    expect(JSON.stringify({ t })).toBe('{"t":"mqtts://***@h.example:8883"}');
    expect(inspect(t)).not.toContain('s3cret');
    expect(inspect({ nested: [t] }, { depth: 5 })).not.toContain('alice');
    expect(t.username).toBe('alice');
    expect(t.password).toBe('s3cret');
  });
});

describe('target objects', () => {
  it('defaults protocol and port, strips IPv6 brackets', () => {
    expect(resolveTarget({ host: 'h.example' }).target).toMatchObject({ protocol: 'tcp', host: 'h.example', port: 1883 });
    expect(resolveTarget({ host: 'h.example', protocol: 'tls' }).target.port).toBe(8883);
    expect(resolveTarget({ host: '[::1]', port: 5 }).target).toMatchObject({ host: '::1', port: 5 });
  });

  it('takes a url, with credentials given beside it and options carried along', () => {
    const options = { connectTimeout: 5 };
    const r = resolveTarget({ url: 'mqtts://h.example', username: 'u', password: 'p', options });
    expect(r.target).toMatchObject({ protocol: 'tls', host: 'h.example', port: 8883, username: 'u', password: 'p' });
    expect(r.options).toBe(options);
  });

  it('rejects bad objects with ERR_INVALID_TARGET', () => {
    expect(codeOf(() => resolveTarget({}))).toBe('ERR_INVALID_TARGET');
    expect(codeOf(() => resolveTarget({ host: 'h', port: 0 }))).toBe('ERR_INVALID_TARGET');
    expect(codeOf(() => resolveTarget({ host: 'h', port: 1.5 }))).toBe('ERR_INVALID_TARGET');
    expect(codeOf(() => resolveTarget({ host: 'h', protocol: 'ws' as 'tcp' }))).toBe('ERR_INVALID_TARGET');
    expect(codeOf(() => resolveTarget({ host: 'bad host' }))).toBe('ERR_INVALID_TARGET');
    expect(codeOf(() => resolveTarget(null as unknown as string))).toBe('ERR_INVALID_TARGET');
  });
});
