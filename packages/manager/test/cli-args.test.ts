/**
 * Command-line parsing and validation, in-process: the flag parser, value parsers, the connection flags of
 * pub / sub / bench (broker forms, TLS, credentials, will, MQTT 5 only flags), each command's own checks,
 * and the error line format (one line, no secrets; `--verbose` adds stacks and causes).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newConnectionError } from 'mqttx';
import { parseCommandArgs, parseIntFlag, parseKeyValue, parseVersionFlag, renderHelp, type OptionSpecs } from '../src/cli/args.js';
import { parseBrokerUrl, resolveBrokerFlag } from '../src/cli/broker-url.js';
import { parseBenchArgs } from '../src/cli/commands/bench.js';
import { parseBrokerArgs } from '../src/cli/commands/broker.js';
import { parsePubArgs } from '../src/cli/commands/pub.js';
import { parseSubArgs } from '../src/cli/commands/sub.js';
import { CliError, EXIT, exitCodeFor, formatError } from '../src/cli/errors.js';
import { tempDir } from './cli-helpers/fixtures.js';

const dir = tempDir('cli-args');
const ctx = { cwd: dir, env: {} as Record<string, string | undefined> };

/** Runs `fn`, expects a CliError with `code`, returns it. */
function usage(fn: () => unknown, code = 'ERR_USAGE'): CliError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).code).toBe(code);
    return err as CliError;
  }
  throw new Error('expected a usage error');
}

describe('flag parser', () => {
  const specs = {
    topic: { type: 'string', short: 't', description: 't' },
    tag: { type: 'string', multiple: true, description: 'tags' },
    retain: { type: 'boolean', short: 'r', description: 'r' },
    help: { type: 'boolean', description: 'help' },
  } as const satisfies OptionSpecs;

  it('long, short, inline and repeated values; defaults', () => {
    const { values, positionals } = parseCommandArgs(['-t', 'a/b', '--tag=x', '--tag', 'y', '-r', 'pos'], specs, { min: 0, max: 1 });
    expect(values).toEqual({ topic: 'a/b', tag: ['x', 'y'], retain: true, help: false });
    expect(positionals).toEqual(['pos']);
    expect(parseCommandArgs([], specs).values).toEqual({ topic: undefined, tag: [], retain: false, help: false });
  });

  it('a value may start with a dash', () => {
    expect(parseCommandArgs(['-t', '-5'], specs).values.topic).toBe('-5');
  });

  it('mistakes are ERR_USAGE naming the flag, never its value', () => {
    expect(usage(() => parseCommandArgs(['--topicc=hunter2'], specs)).message).toBe("unknown option '--topicc'");
    expect(usage(() => parseCommandArgs(['-x'], specs)).message).toBe("unknown option '-x'");
    expect(usage(() => parseCommandArgs(['--retain=yes'], specs)).message).toBe('option -r/--retain takes no value');
    expect(usage(() => parseCommandArgs(['-t'], specs)).message).toBe('option -t/--topic needs a value');
    expect(usage(() => parseCommandArgs(['-t', 'a', '--topic', 'b'], specs)).message).toBe('option -t/--topic given more than once');
    expect(usage(() => parseCommandArgs(['extra'], specs)).message).toBe('this command takes no arguments');
    expect(usage(() => parseCommandArgs([], specs, { min: 1, max: 1 })).message).toBe('missing argument (expected 1)');
  });

  it('help lists every flag with its group, default and repeatability', () => {
    const text = renderHelp({ usage: 'mqttx x', description: 'Does x.', options: { ...specs, qos: { type: 'string', short: 'q', value: '<0|1|2>', description: 'QoS', default: '0', group: 'Message' } } });
    expect(text).toContain('Usage: mqttx x');
    expect(text).toMatch(/-t, --topic <value> +t/);
    expect(text).toMatch(/--tag <value> +tags \(repeatable\)/);
    expect(text).toMatch(/Message:\n {2}-q, --qos <0\|1\|2> +QoS \(default: 0\)/);
  });
});

describe('value parsers', () => {
  it('integers in range', () => {
    expect(parseIntFlag('--qos', '2', 0, 2)).toBe(2);
    for (const bad of ['3', '-1', '1.5', 'x', '', '1e2']) usage(() => parseIntFlag('--qos', bad, 0, 2));
  });

  it('protocol versions', () => {
    for (const v of ['5', '5.0', 'mqttv5']) expect(parseVersionFlag('-V', v)).toBe(5);
    for (const v of ['3.1.1', '311', '4', 'mqttv311']) expect(parseVersionFlag('-V', v)).toBe(4);
    usage(() => parseVersionFlag('-V', '3.1'));
  });

  it('key=value splits at the first =', () => {
    expect(parseKeyValue('--user-property', 'a=b=c')).toEqual(['a', 'b=c']);
    expect(parseKeyValue('--user-property', 'a=')).toEqual(['a', '']);
    usage(() => parseKeyValue('--user-property', '=b'));
    usage(() => parseKeyValue('--user-property', 'ab'));
  });
});

describe('broker addresses', () => {
  it('URLs of the five schemes; credentials hidden when shown', () => {
    expect(parseBrokerUrl('mqtts://u:p@host:8883')).toEqual({ url: 'mqtts://u:p@host:8883', shown: 'mqtts://***@host:8883', tls: true, hasPort: true });
    for (const ok of ['mqtt://h', 'tcp://h:1', 'ssl://h', 'tls://[::1]:8883', 'mqtt://h/']) expect(parseBrokerUrl(ok)).toBeDefined();
    for (const bad of ['ws://h', 'mqtt://', 'mqtt://h/path', 'mqtt://h?x=1', 'mqtt://h:0', 'h:1883', 'mqtt://h:99999']) expect(parseBrokerUrl(bad)).toBeUndefined();
  });

  it('-h host[:port] with -p; TLS flags choose mqtts and port 8883', () => {
    const url = (b: string | undefined, p?: number, tls = false) => {
      const r = resolveBrokerFlag(b, p, tls);
      return 'url' in r ? r.url.url : r.problem;
    };
    expect(url(undefined)).toBe('mqtt://127.0.0.1:1883');
    expect(url('broker.local', 1884)).toBe('mqtt://broker.local:1884');
    expect(url('broker.local:1885')).toBe('mqtt://broker.local:1885');
    expect(url('::1')).toBe('mqtt://[::1]:1883');
    expect(url('[::1]:1999')).toBe('mqtt://[::1]:1999');
    expect(url('h', undefined, true)).toBe('mqtts://h:8883');
    expect(url('mqtt://h:1', 2)).toMatch(/cannot be combined/);
    expect(url('h:1', 2)).toMatch(/given twice/);
    expect(url('mqtt://h', undefined, true)).toMatch(/need a TLS broker/);
    expect(url('ws://h')).toMatch(/must be an mqtt:\/\//);
    expect(url('a b')).toMatch(/must be an mqtt:\/\//);
  });
});

describe('pub', () => {
  it('defaults: MQTT 5, clean, keepalive 60, random client id, QoS 0', () => {
    const s = parsePubArgs(['-t', 'a/b', '-m', 'hi'], ctx);
    expect(s.topic).toBe('a/b');
    expect(s.source).toEqual({ kind: 'message', payload: Buffer.from('hi') });
    expect(s.publish).toEqual({ qos: 0, retain: false });
    expect(s.connection.client).toMatchObject({ brokers: 'mqtt://127.0.0.1:1883', protocolVersion: 5, clean: true, keepalive: 60 });
    expect(s.connection.client.clientId).toMatch(/^mqttx-pub-[0-9a-f]{8}$/);
    expect(s.connection.client.properties).toBeUndefined(); // no invented CONNECT properties
  });

  it('exactly one payload source', () => {
    usage(() => parsePubArgs(['-t', 'a'], ctx));
    usage(() => parsePubArgs(['-t', 'a', '-m', 'x', '-n'], ctx));
    expect(parsePubArgs(['-t', 'a', '-n'], ctx).source).toEqual({ kind: 'message', payload: Buffer.alloc(0) });
    expect(parsePubArgs(['-t', 'a', '-l'], ctx).source).toEqual({ kind: 'stdin-lines' });
    expect(parsePubArgs(['-t', 'a', '-s'], ctx).source).toEqual({ kind: 'stdin-file' });
    writeFileSync(join(dir, 'payload.bin'), Buffer.from([0, 1, 2]));
    expect(parsePubArgs(['-t', 'a', '-f', 'payload.bin'], ctx).source).toEqual({ kind: 'message', payload: Buffer.from([0, 1, 2]) });
    const missing = usage(() => parsePubArgs(['-t', 'a', '-f', 'nope.bin'], ctx), 'ERR_FILE');
    expect(missing.exitCode).toBe(EXIT.USAGE);
  });

  it('the topic is a topic name: no wildcards [MQTT-3.3.2-2], not empty', () => {
    for (const t of ['a/+', 'a/#', '']) usage(() => parsePubArgs(['-t', t, '-m', 'x'], ctx));
    usage(() => parsePubArgs(['-m', 'x'], ctx));
  });

  it('user properties need MQTT 5', () => {
    const s = parsePubArgs(['-t', 'a', '-m', 'x', '--user-property', 'k=v', '--user-property', 'k=w'], ctx);
    expect(s.publish.properties).toEqual({ userProperties: [['k', 'v'], ['k', 'w']] });
    usage(() => parsePubArgs(['-t', 'a', '-m', 'x', '-V', '3.1.1', '--user-property', 'k=v'], ctx));
  });

  it('QoS and retain', () => {
    expect(parsePubArgs(['-t', 'a', '-m', 'x', '-q', '2', '-r'], ctx).publish).toEqual({ qos: 2, retain: true });
    usage(() => parsePubArgs(['-t', 'a', '-m', 'x', '-q', '3'], ctx));
  });
});

describe('connection flags', () => {
  it('-c resumes a session: needs -i; in MQTT 5 the session expiry defaults to never', () => {
    usage(() => parseSubArgs(['-t', 'a', '-c'], ctx));
    const v5 = parseSubArgs(['-t', 'a', '-c', '-i', 'dash'], ctx).connection.client;
    expect(v5).toMatchObject({ clientId: 'dash', clean: false, properties: { sessionExpiryInterval: 0xffffffff } });
    const v4 = parseSubArgs(['-t', 'a', '-c', '-i', 'dash', '-V', '3.1.1'], ctx).connection.client;
    expect(v4.clean).toBe(false);
    expect(v4.properties).toBeUndefined();
  });

  it('-x session expiry: MQTT 5 only; -1 never expires', () => {
    expect(parseSubArgs(['-t', 'a', '-x', '120'], ctx).connection.client.properties).toEqual({ sessionExpiryInterval: 120 });
    expect(parseSubArgs(['-t', 'a', '-x', '-1'], ctx).connection.client.properties).toEqual({ sessionExpiryInterval: 0xffffffff });
    usage(() => parseSubArgs(['-t', 'a', '-x', '10', '-V', '3.1.1'], ctx));
    usage(() => parseSubArgs(['-t', 'a', '-x', '4294967296'], ctx));
  });

  it('password from -P or MQTTX_PASSWORD; MQTT 3.1.1 needs a user name with it [MQTT-3.1.2-22]', () => {
    expect(parsePubArgs(['-t', 'a', '-m', 'x', '-u', 'u', '-P', 'p'], ctx).connection.client).toMatchObject({ username: 'u', password: 'p' });
    const fromEnv = parsePubArgs(['-t', 'a', '-m', 'x', '-u', 'u'], { cwd: dir, env: { MQTTX_PASSWORD: 'envpass' } });
    expect(fromEnv.connection.client.password).toBe('envpass');
    const err = usage(() => parsePubArgs(['-t', 'a', '-m', 'x', '-V', '3.1.1', '-P', 'hunter2'], ctx));
    expect(err.message).not.toContain('hunter2');
    expect(parsePubArgs(['-t', 'a', '-m', 'x', '-P', 'p'], ctx).connection.client.password).toBe('p'); // 5.0 allows it
  });

  it('will flags need --will-topic, which must be a topic name', () => {
    const s = parsePubArgs(['-t', 'a', '-m', 'x', '--will-topic', 'w/t', '--will-payload', 'bye', '--will-qos', '1', '--will-retain'], ctx);
    expect(s.connection.client.will).toEqual({ topic: 'w/t', payload: 'bye', qos: 1, retain: true });
    usage(() => parsePubArgs(['-t', 'a', '-m', 'x', '--will-qos', '1'], ctx));
    usage(() => parsePubArgs(['-t', 'a', '-m', 'x', '--will-retain'], ctx));
    usage(() => parsePubArgs(['-t', 'a', '-m', 'x', '--will-topic', 'w/#'], ctx));
  });

  it('TLS: files read up front, cert and key together, --insecure warns', () => {
    writeFileSync(join(dir, 'ca.pem'), 'CA');
    writeFileSync(join(dir, 'c.pem'), 'CERT');
    writeFileSync(join(dir, 'k.pem'), 'KEY');
    const s = parsePubArgs(['-t', 'a', '-m', 'x', '-h', 'broker', '--ca', 'ca.pem', '--cert', 'c.pem', '--key', 'k.pem'], ctx);
    expect(s.connection.client.brokers).toBe('mqtts://broker:8883');
    expect(s.connection.client.tls).toEqual({ rejectUnauthorized: true, ca: Buffer.from('CA'), cert: Buffer.from('CERT'), key: Buffer.from('KEY') });
    expect(s.connection.warnings).toEqual([]);
    usage(() => parsePubArgs(['-t', 'a', '-m', 'x', '--cert', 'c.pem'], ctx));
    usage(() => parsePubArgs(['-t', 'a', '-m', 'x', '--ca', 'missing.pem'], ctx), 'ERR_FILE');
    usage(() => parsePubArgs(['-t', 'a', '-m', 'x', '-h', 'mqtt://h', '--ca', 'ca.pem'], ctx));
    const insecure = parsePubArgs(['-t', 'a', '-m', 'x', '-h', 'mqtts://h', '--insecure'], ctx);
    expect(insecure.connection.client.tls).toEqual({ rejectUnauthorized: false });
    expect(insecure.connection.warnings).toHaveLength(1);
  });

  it('keepalive range', () => {
    expect(parsePubArgs(['-t', 'a', '-m', 'x', '-k', '0'], ctx).connection.client.keepalive).toBe(0);
    usage(() => parsePubArgs(['-t', 'a', '-m', 'x', '-k', '65536'], ctx));
  });
});

describe('sub', () => {
  it('several filters, QoS, count and format', () => {
    const s = parseSubArgs(['-t', 'a/#', '-t', '+/b', '-q', '1', '-C', '3', '--format', 'json'], ctx);
    expect(s).toMatchObject({ filters: ['a/#', '+/b'], qos: 1, count: 3, format: 'json', userProperties: undefined });
    expect(s.connection.client.clientId).toMatch(/^mqttx-sub-/);
  });

  it('bad filters, formats and counts', () => {
    usage(() => parseSubArgs([], ctx));
    usage(() => parseSubArgs(['-t', 'a/#/b'], ctx));
    usage(() => parseSubArgs(['-t', 'a', '--format', 'xml'], ctx));
    usage(() => parseSubArgs(['-t', 'a', '-C', '0'], ctx));
  });
});

describe('broker', () => {
  it('defaults, port 0, TLS files', () => {
    expect(parseBrokerArgs([], ctx)).toEqual({ host: '127.0.0.1', port: 1883, tls: undefined, verbose: false });
    expect(parseBrokerArgs(['--port', '0', '-v', '--host', '::1'], ctx)).toEqual({ host: '::1', port: 0, tls: undefined, verbose: true });
    writeFileSync(join(dir, 's.pem'), 'S');
    writeFileSync(join(dir, 'sk.pem'), 'SK');
    const tls = parseBrokerArgs(['--tls-cert', 's.pem', '--tls-key', 'sk.pem', '--tls-port', '0', '--tls-ca', 'ca.pem'], ctx).tls;
    expect(tls).toEqual({ cert: Buffer.from('S'), key: Buffer.from('SK'), port: 0, ca: Buffer.from('CA'), requestCert: true, rejectUnauthorized: true });
    expect(parseBrokerArgs(['--tls-cert', 's.pem', '--tls-key', 'sk.pem'], ctx).tls?.port).toBe(8883);
  });

  it('mistakes', () => {
    usage(() => parseBrokerArgs(['--port', '65536'], ctx));
    usage(() => parseBrokerArgs(['--tls-cert', 's.pem'], ctx));
    usage(() => parseBrokerArgs(['--tls-port', '0'], ctx));
    usage(() => parseBrokerArgs(['--tls-cert', 'none.pem', '--tls-key', 'sk.pem'], ctx), 'ERR_FILE');
    usage(() => parseBrokerArgs(['--host', ''], ctx));
  });
});

describe('bench', () => {
  it('modes and defaults', () => {
    const p = parseBenchArgs(['pub'], ctx);
    expect(p).toMatchObject({ mode: 'pub', count: 10, connRate: 0, concurrency: 100, rate: 1, durationMs: 10_000, limit: 0, publishers: 1, qos: 0, size: 64, topic: 'mqttx/bench/%i', idPrefix: 'mqttx-bench-', json: false });
    expect(parseBenchArgs(['conn', '-c', '500', '--conn-rate', '250'], ctx)).toMatchObject({ mode: 'conn', count: 500, connRate: 250, durationMs: 0 });
    expect(parseBenchArgs(['sub', '-L', '5', '-d', '0', '-s', '8', '--json'], ctx)).toMatchObject({ mode: 'sub', limit: 5, durationMs: 0, size: 8, json: true });
  });

  it('mistakes', () => {
    usage(() => parseBenchArgs([], ctx));
    usage(() => parseBenchArgs(['flood'], ctx));
    usage(() => parseBenchArgs(['pub', '-t', 'a/+/%i'], ctx));
    usage(() => parseBenchArgs(['sub', '-s', '4'], ctx)); // the timestamp needs 8 bytes
    usage(() => parseBenchArgs(['pub', '-d', '0'], ctx)); // nothing would be published
    usage(() => parseBenchArgs(['pub', '--rate', '0'], ctx));
    usage(() => parseBenchArgs(['pub', '--will-topic', 'x'], ctx)); // not a bench flag
  });
});

describe('error lines', () => {
  it('one line: mqttx: <code>: <message>, URL credentials redacted', () => {
    const err = newConnectionError('cannot reach mqtt://alice:hunter2@h:1883\nsecond line');
    expect(formatError(err, false)).toBe('mqttx: ERR_CONNECTION: cannot reach mqtt://***@h:1883 second line\n');
    expect(formatError(new Error('plain'), false)).toBe('mqttx: ERR_UNKNOWN: plain\n');
    expect(formatError('thrown string', false)).toBe('mqttx: ERR_UNKNOWN: thrown string\n');
  });

  it('problems follow, one per line', () => {
    const err = new CliError('ERR_CONFIGURATION', 'c.yaml: 2 problems', { problems: [{ path: 'a', message: 'x' }, { path: '', message: 'y' }] });
    expect(formatError(err, false)).toBe('mqttx: ERR_CONFIGURATION: c.yaml: 2 problems\n  a: x\n  (root): y\n');
  });

  it('--verbose adds the stack and every cause, still redacted', () => {
    const root = Object.assign(new Error('connect ECONNREFUSED mqtt://bob:pw@127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const err = newConnectionError('connect failed', root);
    const text = formatError(err, true);
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('mqttx: ERR_CONNECTION: connect failed');
    expect(lines.filter((l) => l.startsWith('    at ')).length).toBeGreaterThan(1);
    expect(text).toContain('caused by: ECONNREFUSED: connect ECONNREFUSED mqtt://***@127.0.0.1:1');
    expect(text).not.toContain(':pw@');
  });

  it('exit codes: usage and configuration errors 2, everything else 1', () => {
    expect(exitCodeFor(new CliError('ERR_USAGE', 'x'))).toBe(2);
    expect(exitCodeFor(new CliError('ERR_SUBSCRIPTION', 'x'))).toBe(1);
    expect(exitCodeFor(Object.assign(newConnectionError('x'), { kind: 'configuration' }))).toBe(2);
    expect(exitCodeFor(newConnectionError('x'))).toBe(1);
    expect(exitCodeFor(new Error('x'))).toBe(1);
  });
});
