/**
 * The `mqttx run` config: loading JSON and YAML, the validator listing every problem by path, `${VAR}`
 * interpolation, references across sessions / forwarders / routes, topic mapping templates, TLS files, and
 * the declarative forwarder filter, and the forwarder's `retain`, `envelope` and `maxHops` reaching a running
 * forwarder.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MqttClient, type Message } from '@mqttx/client';
import { ForwarderManager, parseEnvelope } from 'mqttx';
import { forwarderConfigOf, sessionOptionsOf } from '../src/cli/commands/run-map.js';
import { CliError } from '../src/cli/errors.js';
import { compileMessageFilter } from '../src/cli/config/filter.js';
import { lineColumn, loadRunConfig, parseJson, parseYaml } from '../src/cli/config/load.js';
import { mappingProblem, validateRunConfig } from '../src/cli/config/schema.js';
import { interpolate, suggest, type WalkContext } from '../src/cli/config/walker.js';
import { DEFAULT_MAX_HOPS, resolveForwarderConfig } from '../src/forward/config.js';
import { ROOT } from './cli-helpers/build.js';
import { tempDir } from './cli-helpers/fixtures.js';
import { harness, until } from './helpers/harness.js';

const dir = tempDir('cli-config');

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** Loads and expects a config error; returns its problems as `path: message`. */
function problemsOf(path: string, env: Record<string, string> = {}): Map<string, string> {
  try {
    loadRunConfig(path, env, dir);
  } catch (err) {
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).code).toBe('ERR_CONFIGURATION');
    expect((err as CliError).exitCode).toBe(2);
    return new Map((err as CliError).problems.map((p) => [p.path, p.message]));
  }
  throw new Error('expected the config to be refused');
}

function validate(raw: unknown, env: Record<string, string> = {}) {
  return validateRunConfig(raw, { env });
}

const minimal = { sessions: [{ name: 'a', brokers: 'mqtt://127.0.0.1:1883' }] };

describe('example configs', () => {
  it('the YAML example loads, with ${VAR} from the environment and paths resolved against its directory', () => {
    const config = loadRunConfig(join(ROOT, 'packages/manager/examples/mqttx.yaml'), { STORAGE_PASSWORD: 's3cret' }, ROOT);
    expect(config.sessions.map((s) => s.name)).toEqual(['sensor-1', 'sensor-2', 'storage']);
    const storage = config.sessions[2]!;
    expect(storage.password).toBe('s3cret');
    expect(storage.brokers).toEqual(['mqtt://127.0.0.1:1883', 'mqtt://127.0.0.1:1884']); // ${STORAGE_BROKER:-...} fallback
    expect(storage.storage).toEqual({ type: 'file', dir: join(ROOT, 'packages/manager/examples/mqttx-store') });
    expect(storage.topics).toEqual([{ topic: 'storage/#', qos: 1 }]);
    expect(config.sessions[1]!.protocolVersion).toBe(4); // "3.1.1"
    expect(config.sessions[0]!.brokers).toEqual(['mqtt://127.0.0.1:1883']); // a single URL becomes a list
    expect(config.forwarders[0]!.metadata).toEqual({ pipeline: 'demo', version: '2' });
    expect(config.forwarders[0]).toMatchObject({ retain: 'keep', envelope: false, maxHops: 8 });
    expect(config.metrics).toEqual({ port: 9464, host: '127.0.0.1' });
    expect(config.status).toEqual({ intervalMs: 1000 });
  });

  it('the JSON example loads; the same config missing its variable is refused', () => {
    const path = join(ROOT, 'packages/manager/examples/mqttx.json');
    const config = loadRunConfig(path, { STORAGE_PASSWORD: 'x', STORAGE_BROKER: 'mqtts://broker.example:8883' }, ROOT);
    expect(config.sessions[1]!.brokers).toEqual(['mqtts://broker.example:8883']);
    expect(config.forwarders[0]).toMatchObject({ dropPolicy: 'drop-oldest', retain: 'clear', envelope: true, maxHops: 2 });
    expect(config.routes).toEqual([{ filter: 'alerts/#', action: 'log' }]);
    expect(problemsOf(path)).toEqual(new Map([['sessions[1].password', 'environment variable STORAGE_PASSWORD is not set']]));
  });

  it('defaults: no forwarders, routes or metrics; status every second', () => {
    const r = validate(minimal);
    expect(r).toEqual({ ok: true, config: { sessions: [{ name: 'a', brokers: ['mqtt://127.0.0.1:1883'] }], forwarders: [], routes: [], status: { intervalMs: 1000 } } });
  });
});

describe('every problem, by path', () => {
  it('a bad YAML config lists all of its problems at once', () => {
    const path = file(
      'bad.yaml',
      `
sessions:
  - name: ok
    brokers: mqtt://127.0.0.1:1883
  - name: ok
    brokers: [mqtt://127.0.0.1:1883, http://example.com]
    protocolVersion: 6
    brokerz: typo
  - name: third
    brokers: mqtt://127.0.0.1:1883
    connectProps: { keepAlive: 70000, initialReconnectInterval: 5000, maxReconnectInterval: 1000 }
    storage: { type: sqlite }
    topics: [{ topic: "a/#/b", qos: 3 }]
  - brokers: []
forwarders:
  - name: f
    sourceSessions: [ok, ghost]
    sourceTopics: ["sensors/+/t"]
    targetSession: nowhere
    topicMapping: { "sensors/+/t": "out/{2}" }
    dropPolicy: drop-everything
    filter: { topicRegex: "(" }
routes:
  - filter: a/b
    action: print
    session: ghost
metrics: { port: 99999 }
status: { intervalMs: 10 }
extra: 1
`,
    );
    const problems = problemsOf(path);
    expect(problems).toEqual(
      new Map([
        ['sessions[1].brokerz', "unknown key (did you mean 'brokers'?)"],
        ['sessions[1].brokers[1]', 'must be an mqtt://, mqtts://, tcp://, ssl:// or tls:// URL'],
        ['sessions[1].protocolVersion', "must be one of 4, 5, '3.1.1', '4', '5', '5.0'"],
        ['sessions[2].connectProps.keepAlive', 'must be an integer from 0 to 65535'],
        ['sessions[2].storage.type', "must be one of 'memory', 'file', 'redis'"],
        ['sessions[2].topics[0].topic', 'must be a valid MQTT topic filter'],
        ['sessions[2].topics[0].qos', 'must be one of 0, 1, 2'],
        ['sessions[3].name', 'is required'],
        ['sessions[3].brokers', 'must not be empty'],
        ['forwarders[0].dropPolicy', "must be one of 'backpressure', 'drop-oldest', 'drop-newest'"],
        ['forwarders[0].filter.topicRegex', 'must be a valid regular expression'],
        ['routes[0].action', "must be one of 'log'"],
        ['metrics.port', 'must be an integer from 0 to 65535'],
        ['status.intervalMs', 'must be an integer >= 100'],
        ['extra', 'unknown key'],
        // checks across parts still run on what could be read
        ['sessions[1].name', 'duplicate session name (also sessions[0].name)'],
        ['sessions[2].connectProps.maxReconnectInterval', 'must be >= initialReconnectInterval'],
        ['forwarders[0].topicMapping["sensors/+/t"]', '{2} does not name a wildcard of the filter (it has 1)'],
      ]),
    );
  });

  it('references to sessions are checked once every session name could be read', () => {
    const r = validate({
      sessions: [{ name: 'a', brokers: 'mqtt://h' }],
      forwarders: [{ name: 'f', sourceSessions: ['a', 'ghost'], sourceTopics: 'x/#', targetSession: 'nowhere' }],
      routes: [{ filter: 'a', action: 'log', session: 'ghost' }, { name: 'r', filter: 'b', action: 'log' }, { name: 'r', filter: 'c', action: 'log' }],
    });
    expect(r.ok).toBe(false);
    expect(r.ok ? [] : r.problems).toEqual([
      { path: 'forwarders[0].sourceSessions[1]', message: "no session named 'ghost'" },
      { path: 'forwarders[0].targetSession', message: "no session named 'nowhere'" },
      { path: 'routes[2].name', message: 'duplicate route name (also routes[1].name)' },
      { path: 'routes[0].session', message: "no session named 'ghost'" },
    ]);
  });

  it('required keys, wrong types and an empty document', () => {
    expect(validate(null)).toEqual({ ok: false, problems: [{ path: '', message: 'must be an object' }] });
    expect(validate({})).toEqual({ ok: false, problems: [{ path: 'sessions', message: 'is required' }] });
    expect(validate({ sessions: 'a' })).toEqual({ ok: false, problems: [{ path: 'sessions', message: 'must be a list' }] });
    const r = validate({ sessions: [{ name: 1, brokers: 'mqtt://h', tls: { skipVerify: 'yes' }, connectProps: { backoffFactor: 0.5 } }] });
    expect(r.ok ? [] : r.problems).toEqual([
      { path: 'sessions[0].name', message: 'must be a string' },
      { path: 'sessions[0].tls.skipVerify', message: 'must be true or false' },
      { path: 'sessions[0].connectProps.backoffFactor', message: 'must be a number >= 1' },
    ]);
  });

  it('a password without a username is refused for MQTT 3.1.1 only [MQTT-3.1.2-22]', () => {
    const v4 = validate({ sessions: [{ name: 'a', brokers: 'mqtt://h', protocolVersion: '3.1.1', password: 'p' }] });
    expect(v4.ok ? [] : v4.problems.map((p) => p.path)).toEqual(['sessions[0].password']);
    expect(validate({ sessions: [{ name: 'a', brokers: 'mqtt://h', protocolVersion: 5, password: 'p' }] }).ok).toBe(true);
  });

  it('two sessions with one client id on one broker would take each other over', () => {
    const r = validate({
      sessions: [
        { name: 'a', brokers: 'mqtt://h', clientId: 'same' },
        { name: 'b', brokers: ['mqtt://other', 'mqtt://h'], clientId: 'same' },
        { name: 'c', brokers: 'mqtt://third', clientId: 'same' },
      ],
    });
    expect(r.ok ? [] : r.problems.map((p) => p.path)).toEqual(['sessions[1].clientId']);
  });

  it('a will: topic name required, payload text, QoS and retain', () => {
    const ok = validate({ sessions: [{ name: 'a', brokers: 'mqtt://h', will: { topic: 'status/a', payload: 'offline', qos: 1, retain: true } }] });
    expect(ok.ok && ok.config.sessions[0]!.will).toEqual({ topic: 'status/a', payload: 'offline', qos: 1, retain: true });
    const bad = validate({ sessions: [{ name: 'a', brokers: 'mqtt://h', will: { topic: 'status/#', qos: 3, delay: 5 } }] });
    expect(bad.ok ? [] : bad.problems.map((p) => p.path)).toEqual(['sessions[0].will.delay', 'sessions[0].will.topic', 'sessions[0].will.qos']);
  });

  it('storage variants, TLS pairs and the redis address', () => {
    const r = validate({
      sessions: [
        { name: 'a', brokers: 'mqtts://h', tls: { certFile: '/c.pem' }, storage: { type: 'file' } },
        { name: 'b', brokers: 'mqtt://h', storage: { type: 'redis', address: 'http://x', dir: '/tmp' } },
        { name: 'c', brokers: 'mqtt://h', storage: { dir: '/tmp' } },
        { name: 'd', brokers: 'mqtt://h', storage: { type: 'redis', address: 'redis://127.0.0.1:6379', db: 2, keyPrefix: 'mqttx:' } },
      ],
    });
    expect(r.ok ? [] : r.problems).toEqual([
      { path: 'sessions[0].storage.dir', message: 'is required' },
      { path: 'sessions[1].storage.dir', message: 'unknown key' },
      { path: 'sessions[1].storage.address', message: 'must be a redis:// or rediss:// URL' },
      { path: 'sessions[2].storage.type', message: "is required (one of 'memory', 'file', 'redis')" },
      { path: 'sessions[0].tls', message: 'certFile and keyFile go together' },
    ]);
  });

  it('TLS files must be readable, resolved against the config directory', () => {
    writeFileSync(join(dir, 'ca.pem'), 'not really a CA');
    const path = file(
      'tls.yaml',
      'sessions:\n  - name: a\n    brokers: mqtts://127.0.0.1:8883\n    tls: { caFile: ca.pem, certFile: missing.pem, keyFile: /nonexistent/key.pem }\n',
    );
    expect(problemsOf(path)).toEqual(
      new Map([
        ['sessions[0].tls.certFile', `cannot read ${join(dir, 'missing.pem')} (ENOENT)`],
        ['sessions[0].tls.keyFile', 'cannot read /nonexistent/key.pem (ENOENT)'],
      ]),
    );
    const ok = file('tls-ok.json', JSON.stringify({ sessions: [{ name: 'a', brokers: 'mqtts://h', tls: { caFile: 'ca.pem', skipVerify: true } }] }));
    expect(loadRunConfig(ok, {}, '/').sessions[0]!.tls).toEqual({ caFile: join(dir, 'ca.pem'), skipVerify: true });
  });
});

describe('environment variables', () => {
  const ctx = (env: Record<string, string>): WalkContext => ({ problems: [], env });

  it('${NAME}, ${NAME:-fallback}, $${ and a lone $', () => {
    const c = ctx({ USER: 'alice', EMPTY: '' });
    expect(interpolate('${USER}@host', 'p', c)).toBe('alice@host');
    expect(interpolate('${MISSING:-dflt}/${EMPTY:-e}/${EMPTY}', 'p', c)).toBe('dflt/e/');
    expect(interpolate('pa$$word $USER $${USER}', 'p', c)).toBe('pa$$word $USER ${USER}');
    expect(c.problems).toEqual([]);
  });

  it('an unset variable and malformed references are problems naming the variable, not a value', () => {
    const c = ctx({ SECRET: 'hunter2' });
    expect(interpolate('${NOPE}', 'sessions[0].password', c)).toBeUndefined();
    expect(interpolate('${bad-name}', 'x', c)).toBeUndefined();
    expect(interpolate('${SECRET', 'y', c)).toBeUndefined();
    expect(c.problems).toEqual([
      { path: 'sessions[0].password', message: 'environment variable NOPE is not set' },
      { path: 'x', message: 'has a malformed ${...} reference (expected ${NAME} or ${NAME:-default})' },
      { path: 'y', message: 'has a ${ without its closing }' },
    ]);
  });

  it('numbers and booleans may come from variables; a bad value is still a problem', () => {
    const raw = {
      sessions: [{ name: 'a', brokers: 'mqtt://h', connectProps: { keepAlive: '${KA}', cleanSession: '${CLEAN}' } }],
      metrics: { port: '${PORT}' },
    };
    const r = validate(raw, { KA: '15', CLEAN: 'false', PORT: '9464' });
    expect(r.ok && r.config.sessions[0]!.connectProps).toEqual({ keepAlive: 15, cleanSession: false });
    expect(r.ok && r.config.metrics).toEqual({ port: 9464 });
    const bad = validate(raw, { KA: 'x', CLEAN: 'no', PORT: '70000' });
    expect(bad.ok ? [] : bad.problems.map((p) => p.path)).toEqual([
      'sessions[0].connectProps.keepAlive',
      'sessions[0].connectProps.cleanSession',
      'metrics.port',
    ]);
    // a plain string where a number belongs is not silently converted
    expect(validate({ ...minimal, metrics: { port: '9464' } }).ok).toBe(false);
  });

  it('no problem message contains the value of a variable', () => {
    const r = validate(
      { sessions: [{ name: 'a', brokers: '${URL}', password: '${PW}', connectProps: { keepAlive: '${PW}' } }] },
      { URL: 'http://user:hunter2@h', PW: 'hunter2' },
    );
    expect(r.ok).toBe(false);
    expect(JSON.stringify(r)).not.toContain('hunter2');
  });
});

describe('syntax errors', () => {
  it('YAML: located by line and column, without quoting the text', () => {
    const { problems } = parseYaml('sessions:\n  - name: a\n    password: "hunter2\n');
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toMatch(/^YAML syntax: .*\(line \d+, column \d+\)$/);
    expect(problems[0]!.message).not.toContain('hunter2');
    const dup = parseYaml('a: 1\na: 2\n').problems;
    expect(dup.map((p) => p.message)).toEqual(['YAML syntax: Map keys must be unique (line 2, column 1)']);
  });

  it('JSON: located by line and column, without quoting the text', () => {
    const { problems } = parseJson('{\n  "password": hunter2\n}');
    expect(problems).toEqual([{ path: '', message: 'invalid JSON (line 2, column 15)' }]);
    expect(parseJson('{"a": 1,\n "b": 2').problems[0]!.message).toMatch(/^invalid JSON \(line 2, column \d+\)$/);
  });

  it('lineColumn counts from 1', () => {
    expect(lineColumn('ab\ncd', 0)).toEqual({ line: 1, column: 1 });
    expect(lineColumn('ab\ncd', 4)).toEqual({ line: 2, column: 2 });
  });

  it('the file must exist and end in .json, .yaml or .yml', () => {
    expect(() => loadRunConfig(join(dir, 'none.yaml'), {}, dir)).toThrow(expect.objectContaining({ code: 'ERR_CONFIGURATION', exitCode: 2 }));
    const txt = file('config.txt', '{}');
    expect(() => loadRunConfig(txt, {}, dir)).toThrow(expect.objectContaining({ code: 'ERR_CONFIGURATION' }));
    expect(problemsOf(file('empty.yml', ''))).toEqual(new Map([['', 'must be an object']]));
  });
});

describe('topic mappings and filters', () => {
  it('mapping templates name wildcard levels 1..n and produce topic names', () => {
    expect(mappingProblem('sensors/+/temperature', 'storage/{1}/temp')).toBeUndefined();
    expect(mappingProblem('a/+/b/#', 'x/{2}/{1}')).toBeUndefined();
    expect(mappingProblem('a/exact', 'b/exact')).toBeUndefined();
    expect(mappingProblem('a/+', 'b/{0}')).toMatch(/does not name a wildcard/);
    expect(mappingProblem('a/+', 'b/{1}/#')).toMatch(/without \+ or #/);
    expect(mappingProblem('a/+', 'b/{x}')).toMatch(/placeholders/);
  });

  it('a mapping key must be a filter; a filter with no condition is a problem', () => {
    const r = validate({
      ...minimal,
      forwarders: [{ name: 'f', sourceSessions: 'a', sourceTopics: '#', targetSession: 'a', topicMapping: { 'a/#/b': 'x' }, filter: {} }],
    });
    expect(r.ok ? [] : r.problems).toEqual([
      { path: 'forwarders[0].topicMapping["a/#/b"]', message: 'must be a valid MQTT topic filter' },
      { path: 'forwarders[0].filter', message: 'needs at least one of topicRegex, payloadContains, payloadRegex' },
    ]);
  });

  it('compiled filters: every given condition must hold', () => {
    const msg = (topic: string, payload: string) => ({ topic, payload: Buffer.from(payload) });
    const f = compileMessageFilter({ topicRegex: '^sensors/', payloadContains: 'ok', payloadRegex: '^\\w+$' });
    expect(f(msg('sensors/1', 'ok1'))).toBe(true);
    expect(f(msg('other/1', 'ok1'))).toBe(false);
    expect(f(msg('sensors/1', 'fine'))).toBe(false);
    expect(f(msg('sensors/1', 'ok 1'))).toBe(false);
    expect(compileMessageFilter({})(msg('x', 'y'))).toBe(true);
  });

  it('did-you-mean suggestions only for near misses', () => {
    expect(suggest('sesions', ['sessions', 'forwarders'])).toBe('sessions');
    expect(suggest('clientid', ['clientId', 'brokers'])).toBe('clientId');
    expect(suggest('zzz', ['sessions', 'forwarders'])).toBeUndefined();
  });
});

describe('forwarder retain, envelope and maxHops', () => {
  const fwd = { name: 'f', sourceSessions: 'a', sourceTopics: 'x/#', targetSession: 'a' };

  it('valid values reach the manager config; absent ones stay absent (manager defaults)', () => {
    const r = validate({ ...minimal, forwarders: [{ ...fwd, retain: 'clear', envelope: true, maxHops: 3 }, { ...fwd, name: 'g' }] });
    expect(r).toMatchObject({ ok: true });
    const [set, unset] = r.ok ? r.config.forwarders : [];
    const config = forwarderConfigOf(set!);
    expect(config).toMatchObject({ retain: 'clear', envelope: true, maxHops: 3 });
    expect(resolveForwarderConfig(config)).toMatchObject({ clearRetain: true, envelope: true, maxHops: 3 });
    const defaults = forwarderConfigOf(unset!);
    expect(['retain', 'envelope', 'maxHops'].filter((k) => k in defaults)).toEqual([]);
    expect(resolveForwarderConfig(defaults)).toMatchObject({ clearRetain: false, envelope: false, maxHops: DEFAULT_MAX_HOPS });
  });

  it('values may come from ${VAR}', () => {
    const r = validate({ ...minimal, forwarders: [{ ...fwd, retain: '${RETAIN}', envelope: '${ENVELOPE}', maxHops: '${HOPS}' }] }, { RETAIN: 'keep', ENVELOPE: 'true', HOPS: '5' });
    expect(r.ok && forwarderConfigOf(r.config.forwarders[0]!)).toMatchObject({ retain: 'keep', envelope: true, maxHops: 5 });
  });

  it('bad values are problems by path: ERR_CONFIGURATION, exit 2', () => {
    const path = file(
      'forwarder-options.yaml',
      `
sessions:
  - name: a
    brokers: mqtt://127.0.0.1:1883
forwarders:
  - { name: f1, sourceSessions: a, sourceTopics: x/#, targetSession: a, retain: drop, envelope: "yes", maxHops: 0 }
  - { name: f2, sourceSessions: a, sourceTopics: x/#, targetSession: a, retain: true, envelope: 1, maxHops: 2.5 }
  - { name: f3, sourceSessions: a, sourceTopics: x/#, targetSession: a, maxHops: "8", maxhops: 8 }
`,
    );
    expect(problemsOf(path)).toEqual(
      new Map([
        ['forwarders[0].retain', "must be one of 'keep', 'clear'"],
        ['forwarders[0].envelope', 'must be true or false'],
        ['forwarders[0].maxHops', 'must be an integer >= 1'],
        ['forwarders[1].retain', "must be one of 'keep', 'clear'"],
        ['forwarders[1].envelope', 'must be true or false'],
        ['forwarders[1].maxHops', 'must be an integer >= 1'],
        ['forwarders[2].maxhops', "unknown key (did you mean 'maxHops'?)"],
        ['forwarders[2].maxHops', 'must be an integer >= 1'], // a plain string is not converted
      ]),
    );
  });

  describe('on a running forwarder (testkit broker)', () => {
    const h = harness();

    it('retain: clear, envelope: true and maxHops: 1 from a YAML config', async () => {
      const broker = await h.broker();
      const path = file(
        'forwarder-running.yaml',
        `
sessions:
  - { name: src, brokers: "\${BROKER}", clientId: src }
  - { name: old, brokers: "\${BROKER}", clientId: old, protocolVersion: "3.1.1" }
forwarders:
  - name: back
    sourceSessions: old
    sourceTopics: out/#
    targetSession: src
    topicMapping: { "out/#": "back/{1}" }
    maxHops: 1
  - name: out
    sourceSessions: src
    sourceTopics: in/#
    targetSession: old
    topicMapping: { "in/#": "out/{1}" }
    retain: clear
    envelope: true
    metadata: { site: lyon }
`,
      );
      const config = loadRunConfig(path, { BROKER: broker.url }, dir);
      const m = h.manager();
      for (const s of config.sessions) m.addSession(sessionOptionsOf(s));
      for (const name of m.listSessions()) void m.getSession(name)!.connect();
      await m.waitForAllSessions(5000);
      const got: Message[] = [];
      const plain = new MqttClient({ brokers: broker.url, clientId: 'plain', protocolVersion: 4 });
      plain.on('message', (msg) => got.push(msg));
      h.defer(() => plain.end());
      await plain.connect();
      await plain.subscribe('out/#', { qos: 1 });
      // Retained before `out` subscribes: it reaches the source with RETAIN 1.
      broker.publish('in/x', 'hello', { retain: true });
      const fm = new ForwarderManager(m);
      const back = await fm.addForwarder(forwarderConfigOf(config.forwarders[0]!));
      const out = await fm.addForwarder(forwarderConfigOf(config.forwarders[1]!));
      await until(() => got.length === 1 && back.metrics.dropped === 1 && out.metrics.forwarded === 1);
      // envelope: true on a 3.1.1 target: payload, metadata and hop count in JSON.
      expect(parseEnvelope(got[0]!.payload)).toEqual({ mqttx: 1, hops: 1, session: 'src', topic: 'in/x', metadata: { site: 'lyon' }, encoding: 'utf8', payload: 'hello' });
      // retain: clear: the forwarded copy was published with RETAIN 0, so the broker keeps only the source's.
      expect(broker.retainedMessages().map((r) => r.topic)).toEqual(['in/x']);
      // maxHops: 1: the copy already went through one forwarder, so `back` drops it (default 8 would forward).
      expect(back.getMetrics()).toMatchObject({ received: 1, forwarded: 0, dropped: 1 });
      expect(out.getMetrics()).toMatchObject({ received: 1, forwarded: 1 });
    });
  });
});
