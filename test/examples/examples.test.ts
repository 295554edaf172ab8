/**
 * Runs every program of `examples/` (built by `tsc -b examples`, see build.ts) as a child process, exactly
 * as a user would (`node examples/dist/<name>.js`, importing the public package names), against the
 * testkit broker on a free loopback port: plain TCP, TLS with generated certificates (server-authenticated
 * and mutual), and with a private `redis-server` for the Redis store. Each run must exit 0 by itself within
 * its timeout and print the behaviour it promises; on failure the assertion shows its whole output.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { startBroker, type Broker, type BrokerConnection } from '@mqttx/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCerts, type TestCerts } from '../helpers/certs.js';
import { describeRedis, startRedis, type RedisInstance } from '../helpers/redis.js';
import { resourceCounts, settleResources } from '../helpers/resources.js';
import { EXAMPLES_DIST, ROOT, ensureExamplesBuilt } from './build.js';

/** What a finished example did. */
interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  /** Everything, for assertion messages. */
  dump: string;
}

/** Runs `examples/dist/<name>.js` with `args` and `env`; killed (and reported) after `timeoutMs`. */
function runExample(name: string, args: string[], env: Record<string, string>, timeoutMs = 30_000): Promise<Run> {
  const started = Date.now();
  const child = spawn(process.execPath, [join(EXAMPLES_DIST, `${name}.js`), ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', NODE_NO_WARNINGS: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const ms = Date.now() - started;
      const head = `${name} ${args.join(' ')}: exit ${String(code)}${signal === null ? '' : ` (${signal})`}${timedOut ? ` after the ${timeoutMs} ms timeout` : ''} in ${ms} ms`;
      resolve({ code, signal, stdout, stderr, ms, dump: `${head}\n--- stdout\n${stdout}--- stderr\n${stderr}` });
    });
  });
}

/** Asserts a clean exit 0 and returns stdout. */
function ok(run: Run): string {
  expect(run.code, run.dump).toBe(0);
  return run.stdout;
}

let resourcesBefore: Record<string, number>;

beforeAll(async () => {
  await ensureExamplesBuilt();
  resourcesBefore = resourceCounts();
}, 240_000);

afterAll(async () => {
  expect(await settleResources(resourcesBefore)).toEqual({});
});

describe('examples on the testkit broker', () => {
  let broker: Broker;
  let env: Record<string, string>;

  beforeAll(async () => {
    broker = await startBroker({ port: 0, records: false });
    env = { MQTT_URL: broker.url };
  });
  afterAll(() => broker?.close());

  it('basic-pubsub: publishes 10 QoS 1 messages and reads all 10 back', async () => {
    const out = ok(await runExample('basic-pubsub', [], env));
    expect(out, out).toMatch(/granted QoS 1/);
    expect(out, out).toMatch(/^received 10\/10 messages$/m);
  });

  it('basic-pubsub: takes the broker URL and the count from argv', async () => {
    const out = ok(await runExample('basic-pubsub', [broker.url, '3'], {}));
    expect(out, out).toMatch(/^received 3\/3 messages$/m);
  });

  it('many-sessions: 50 device sessions and a collector, 50 status messages counted', async () => {
    const out = ok(await runExample('many-sessions', [], env));
    expect(out, out).toMatch(/^collector received 50\/50 status messages$/m);
    expect(out, out).toMatch(/^manager: 51\/51 connected, 50 sent, 50 received, 0 errors$/m);
  });

  it('many-sessions: SESSIONS sets the count', async () => {
    const out = ok(await runExample('many-sessions', [], { ...env, SESSIONS: '120' }));
    expect(out, out).toMatch(/^collector received 120\/120 status messages$/m);
  });

  it('forwarder: wildcard mapping, filter and metadata as MQTT 5 user properties', async () => {
    const out = ok(await runExample('forwarder', [], env));
    expect(out, out).toMatch(/^sample: mqttx-examples\/\d+\/storage\/kitchen\/temp 18\.0 \[site=lyon pipeline=mqttx-example mqttx-hops=1\]$/m);
    expect(out, out).toMatch(/^forwarded 15\/15, filtered 1, dropped 0, failed 0$/m);
    expect(out, out).toMatch(/^received on cloud: 15;/m);
  });

  it('forwarder: source and target on two brokers', async () => {
    const cloud = await startBroker({ port: 0, records: false });
    try {
      const seen: string[] = [];
      cloud.on('packet', (r) => {
        if (r.direction === 'in' && r.packet?.type === 'publish') seen.push(r.packet.topic);
      });
      const out = ok(await runExample('forwarder', [broker.url, cloud.url], {}));
      expect(out, out).toMatch(/^forwarded 15\/15/m);
      expect(seen).toHaveLength(15); // every forwarded publish went to the cloud broker
      expect(seen.every((t) => /^mqttx-examples\/\d+\/storage\/(kitchen|garage|attic)\/temp$/.test(t))).toBe(true);
    } finally {
      await cloud.close();
    }
  });

  it('prometheus: serves /metrics and scrapes it', async () => {
    const out = ok(await runExample('prometheus', [], env));
    expect(out, out).toMatch(/-> 200 text\/plain; version=0\.0\.4; charset=utf-8$/m);
    expect(out, out).toMatch(/^ {2}mqtt_session_messages_sent_total\{session="sensor"\} 20$/m);
    expect(out, out).toMatch(/^ {2}mqtt_session_connected\{session="sensor"\} 1$/m);
    expect(out, out).toMatch(/^ {2}mqtt_session_status\{session="sensor"\} 2$/m);
    expect(out, out).toMatch(/^ {2}mqtt_manager_sessions 1$/m);
  });

  it('durable-file-store: messages stored offline are delivered by a new client over the same store', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mqttx-examples-store-'));
    try {
      const out = ok(await runExample('durable-file-store', [], { ...env, STORE_DIR: dir }));
      expect(out, out).toMatch(/^stored 5 messages in /m);
      expect(out, out).toMatch(/^first after restart: mqttx-examples\/durable\/\d+ reading 1$/m);
      expect(out, out).toMatch(/^delivered 5\/5 after the restart$/m);
      expect(readdirSync(dir)).toHaveLength(1); // the session's folder, kept in a directory we gave
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('durable-file-store: a temporary store directory is removed at the end', async () => {
    const out = ok(await runExample('durable-file-store', [broker.url], {}));
    const dir = /^stored 5 messages in (\S+) /m.exec(out)?.[1];
    expect(dir, out).toBeDefined();
    expect(existsSync(dir!)).toBe(false);
  });
});

describe('secure-connect on the testkit broker over TLS', () => {
  let broker: Broker;
  let certs: TestCerts;
  const links: BrokerConnection[] = [];

  beforeAll(async () => {
    certs = await makeCerts();
    // Client certificates are asked for, not required: both server-only and mutual TLS can be seen.
    broker = await startBroker({
      port: 0,
      records: false,
      tls: { key: certs.serverKey, cert: certs.serverCert, ca: certs.ca, requestCert: true, rejectUnauthorized: false, port: 0 },
    });
    broker.on('clientConnected', (c) => links.push(c));
  });
  afterAll(() => broker?.close());

  it('mutual TLS with --ca --cert --key: the broker verified the client certificate', async () => {
    links.length = 0;
    const f = certs.files;
    const out = ok(await runExample('secure-connect', [broker.tlsUrl!, '--ca', f.ca, '--cert', f.clientCert, '--key', f.clientKey], {}));
    expect(out, out).toMatch(/\(mutual TLS\)$/m);
    expect(out, out).toMatch(/^round trip over TLS: mqttx-examples\/tls\/\d+ hello over TLS$/m);
    expect(links.map((c) => [c.transport, c.authorized, c.peerCertificate?.subject?.CN])).toEqual([['tls', true, 'mqttx-client']]);
  });

  it('server-authenticated TLS from MQTT_URL and MQTT_CA', async () => {
    links.length = 0;
    const out = ok(await runExample('secure-connect', [], { MQTT_URL: broker.tlsUrl!, MQTT_CA: certs.files.ca }));
    expect(out, out).toMatch(/\(server authenticated\)$/m);
    expect(out, out).toMatch(/^round trip over TLS: /m);
    expect(links.map((c) => [c.transport, c.authorized])).toEqual([['tls', false]]);
  });

  it('a CA that did not sign the broker certificate: exit 1 with the TLS error code', async () => {
    const run = await runExample('secure-connect', [broker.tlsUrl!, '--ca', certs.files.otherCa], {});
    expect(run.code, run.dump).toBe(1);
    expect(run.stderr, run.dump).toMatch(/^TLS session failed: ERR_ALL_TARGETS_FAILED <- ERR_TLS_CERT_REJECTED: /m);
  });

  it('no CA given: usage on stderr, exit 2', async () => {
    const run = await runExample('secure-connect', [broker.tlsUrl!], {});
    expect(run.code, run.dump).toBe(2);
    expect(run.stderr, run.dump).toMatch(/^usage: /m);
  });
});

describeRedis('redis-store on the testkit broker and a private redis-server', () => {
  let broker: Broker;
  let redis: RedisInstance;

  beforeAll(async () => {
    [broker, redis] = await Promise.all([startBroker({ port: 0, records: false }), startRedis()]);
  });
  afterAll(async () => {
    await broker?.close();
    await redis?.stop();
  });

  it('records written while offline are delivered after a restart, and the keys are removed', async () => {
    const out = ok(await runExample('redis-store', [], { MQTT_URL: broker.url, REDIS_URL: redis.url }));
    expect(out, out).toMatch(/^redis holds 3 outbound records for mqttx-example-redis-\d+$/m);
    expect(out, out).toMatch(/^delivered 3\/3 after the restart$/m);
    expect(out, out).toMatch(/^redis holds 0 outbound records after the PUBACKs$/m);
    const admin = new Redis(redis.url, { lazyConnect: true });
    try {
      await admin.connect();
      expect(await admin.keys('*')).toEqual([]);
    } finally {
      admin.disconnect();
    }
  });
});
