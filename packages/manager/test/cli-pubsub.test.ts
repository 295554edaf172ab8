/**
 * `mqttx pub`, `mqttx sub` and `mqttx bench` as child processes against a testkit broker in the test
 * process: round trips in MQTT 5.0 and 3.1.1 (text and JSON output, user properties, retained messages,
 * files, stdin lines), what goes on the wire (will, clean session, session expiry, credentials), failures
 * (refused credentials, no broker, refused subscription) as one line with exit 1, SIGTERM ending `sub` with
 * exit 0, and benchmarks of a few hundred sessions finishing with a summary.
 */
import { writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectPacket } from '@mqttx/codec';
import type { Broker, BrokerOptions } from '@mqttx/testkit';
import { ensureCliBuilt } from './cli-helpers/build.js';
import { tempDir, useBrokers } from './cli-helpers/fixtures.js';
import { killAll, runCli, startCli, type CliProcess } from './cli-helpers/spawn.js';

beforeAll(ensureCliBuilt, 180_000);

const dir = tempDir('cli-pubsub');
const brokers = useBrokers();
afterEach(killAll); // registered after the brokers' hook, so it runs first: the CLI ends, then the broker

function useBroker(options: BrokerOptions = {}): Promise<Broker> {
  return brokers.start({ records: true, ...options });
}

/** Starts `mqttx sub` and resolves once the broker has granted its subscription. */
async function subscribed(b: Broker, args: string[]): Promise<CliProcess> {
  const since = b.records.length;
  const sub = startCli(['sub', '-h', b.url, ...args]);
  await b.waitFor({ direction: 'out', type: 'suback' }, { since, timeout: 10_000 });
  return sub;
}

function connectOf(b: Broker, clientId: string): ConnectPacket {
  const record = b.records.find((r) => r.packet?.type === 'connect' && r.packet.clientId === clientId);
  if (record === undefined) throw new Error(`no CONNECT from ${clientId}`);
  return record.packet as ConnectPacket;
}

describe('pub then sub round trip', () => {
  it('MQTT 5: JSON lines with user properties, QoS 1, stdin lines, and a will on the wire', async () => {
    const b = await useBroker();
    const sub = await subscribed(b, ['-t', 'rt/#', '-q', '1', '-C', '3', '--format', 'json']);
    const one = await runCli([
      'pub', '-h', b.url, '-i', 'pub-1', '-t', 'rt/a', '-m', 'hello', '-q', '1',
      '--user-property', 'k=v', '--user-property', 'unit=C', '--will-topic', 'wills/pub-1', '--will-payload', 'gone', '--will-qos', '1',
    ]);
    expect(one).toEqual({ code: 0, stdout: '', stderr: '' });
    const lines = await runCli(['pub', '-h', b.url, '-t', 'rt/lines', '-l', '-q', '2'], { input: 'first\n\nsecond\n' });
    expect(lines.code).toBe(0);
    expect(await sub.exit).toEqual({ code: 0, signal: null });
    const received = sub.stdout().trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(received).toEqual([
      { topic: 'rt/a', payload: 'hello', payloadEncoding: 'utf8', qos: 1, retain: false, properties: { userProperties: [['k', 'v'], ['unit', 'C']] } },
      { topic: 'rt/lines', payload: 'first', payloadEncoding: 'utf8', qos: 1, retain: false },
      { topic: 'rt/lines', payload: 'second', payloadEncoding: 'utf8', qos: 1, retain: false },
    ]);
    const connect = connectOf(b, 'pub-1');
    expect(connect).toMatchObject({ protocolVersion: 5, clean: true, keepalive: 60, will: { topic: 'wills/pub-1', qos: 1, retain: false } });
    expect(connect.will?.payload.toString()).toBe('gone');
    expect(connect.properties).toBeUndefined(); // no CONNECT property the user did not ask for
    // both clients ended with DISCONNECT (graceful), so the will was not published
    expect(b.records.filter((r) => r.direction === 'in' && r.packet?.type === 'disconnect').length).toBe(3);
  });

  it('MQTT 3.1.1: text lines, a retained message, a binary file, QoS 2', async () => {
    const b = await useBroker();
    const retained = await runCli(['pub', '-h', b.url, '-V', '3.1.1', '-t', 'rt/retained', '-m', 'kept', '-r', '-q', '2']);
    expect(retained.code).toBe(0);
    const sub = await subscribed(b, ['-V', '3.1.1', '-t', 'rt/+', '-q', '2', '-C', '2']);
    writeFileSync(join(dir, 'payload.txt'), 'from a file');
    const fromFile = await runCli(['pub', '-h', b.url, '-V', '311', '-t', 'rt/file', '-f', join(dir, 'payload.txt'), '-q', '1']);
    expect(fromFile.code).toBe(0);
    expect(await sub.exit).toEqual({ code: 0, signal: null });
    expect(sub.stdout()).toBe('rt/retained kept\nrt/file from a file\n');
    expect(b.records.filter((r) => r.packet?.type === 'connect').every((r) => (r.packet as ConnectPacket).protocolVersion === 4)).toBe(true);
  });

  it('binary payloads come out base64 in JSON', async () => {
    const b = await useBroker();
    const sub = await subscribed(b, ['-t', 'bin', '-C', '1', '--format', 'json']);
    writeFileSync(join(dir, 'payload.bin'), Buffer.from([0xff, 0x00, 0xfe]));
    expect((await runCli(['pub', '-h', b.url, '-t', 'bin', '-f', join(dir, 'payload.bin')])).code).toBe(0);
    expect((await sub.exit).code).toBe(0);
    expect(JSON.parse(sub.stdout())).toMatchObject({ payload: '/wD+', payloadEncoding: 'base64' });
  });
});

describe('connection options on the wire', () => {
  it('-c -i resumes a session: Clean Start 0 and, in 5.0, a session that never expires', async () => {
    const b = await useBroker();
    const sub = await subscribed(b, ['-c', '-i', 'durable', '-t', 'd/#', '-q', '1']);
    expect(connectOf(b, 'durable')).toMatchObject({ clean: false, properties: { sessionExpiryInterval: 0xffffffff } });
    sub.child.kill('SIGTERM');
    expect(await sub.exit).toEqual({ code: 0, signal: null });
    expect(b.sessions.get('durable')?.subscriptions.map((s) => s.filter)).toEqual(['d/#']); // the session outlived the connection
  });

  it('credentials: -u with MQTTX_PASSWORD reach the broker; a refusal is one line, exit 1, no password', async () => {
    const b = await useBroker({ authenticate: (ctx) => ctx.username === 'alice' && ctx.password?.toString() === 'right' });
    const ok = await runCli(['pub', '-h', b.url, '-u', 'alice', '-t', 't', '-m', 'x'], { env: { MQTTX_PASSWORD: 'right' } });
    expect(ok).toEqual({ code: 0, stdout: '', stderr: '' });
    const bad = await runCli(['pub', '-h', b.url, '-u', 'alice', '-P', 'wrong-secret', '-t', 't', '-m', 'x', '--verbose']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^mqttx: ERR_CONNACK_REFUSED: /);
    expect(bad.stderr).not.toContain('wrong-secret');
  });
});

describe('failures and stopping', () => {
  it('no broker listening: one error line, exit 1', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    await new Promise((resolve) => server.close(resolve));
    const r = await runCli(['pub', '-h', `127.0.0.1:${port}`, '-t', 't', '-m', 'x']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^mqttx: ERR_\w+: /);
  });

  it('a refused subscription: exit 1 with ERR_SUBSCRIPTION', async () => {
    const b = await useBroker({ authorizeSubscribe: (ctx) => ctx.topicFilter !== 'secret/#' });
    const r = await runCli(['sub', '-h', b.url, '-t', 'open', '-t', 'secret/#']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('mqttx: ERR_SUBSCRIPTION: the broker refused the subscription to secret/# (0x87)\n');
  });

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('pub stopped by %s before it could publish exits %i', async (signal, code) => {
    // A server that accepts and never answers CONNECT: pub waits for its CONNACK.
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const accepted = new Promise((resolve) => server.once('connection', resolve));
      const pub = startCli(['pub', '-h', `127.0.0.1:${(server.address() as { port: number }).port}`, '-t', 't', '-m', 'x']);
      await accepted;
      pub.child.kill(signal);
      expect(await pub.exit).toEqual({ code, signal: null });
      expect(pub.stderr()).toBe('');
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('sub survives a dropped connection: says so on stderr, reconnects, resubscribes, keeps printing', async () => {
    const b = await useBroker();
    const sub = await subscribed(b, ['-i', 'resilient', '-t', 'r/#', '-q', '1', '-C', '1']);
    const since = b.records.length;
    await b.disconnectClient('resilient', 0x98);
    await b.waitFor({ direction: 'out', type: 'suback', clientId: 'resilient' }, { since, timeout: 10_000 });
    expect(sub.stderr()).toMatch(/^mqttx: connection lost \(ERR_SERVER_DISCONNECT: [^\n]*\); reconnecting in \d+\.\d s, attempt 1\n$/);
    expect((await runCli(['pub', '-h', b.url, '-t', 'r/after', '-m', 'still here', '-q', '1'])).code).toBe(0);
    expect(await sub.exit).toEqual({ code: 0, signal: null });
    expect(sub.stdout()).toBe('r/after still here\n');
  });

  it('sub runs until SIGTERM, then disconnects gracefully and exits 0', async () => {
    const b = await useBroker();
    const sub = await subscribed(b, ['-i', 'waiting', '-t', 'never/#']);
    const disconnect = b.waitFor({ direction: 'in', type: 'disconnect', clientId: 'waiting' }, { timeout: 10_000 });
    sub.child.kill('SIGTERM');
    await disconnect;
    expect(await sub.exit).toEqual({ code: 0, signal: null });
    expect(sub.stdout()).toBe('');
  });
});

describe('bench', () => {
  it('conn with a few hundred sessions finishes with a JSON summary', async () => {
    const b = await useBroker({ records: false });
    const r = await runCli(['bench', 'conn', '-h', b.url, '-c', '300', '--concurrency', '50', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as Record<string, unknown> & { connectLatency: { count: number } };
    expect(summary).toMatchObject({ mode: 'conn', sessions: 300, connected: 300, connectFailed: 0, errorCount: 0, interrupted: false });
    expect(summary.connectLatency.count).toBe(300);
  });

  it('pub: every publisher sends its limit; the summary table and histogram are printed', async () => {
    const b = await useBroker({ records: false });
    const r = await runCli(['bench', 'pub', '-h', b.url, '-c', '5', '-L', '20', '--rate', '1000', '-d', '0', '-q', '1', '-t', 'bench/%i']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^mqttx bench pub · mqtt:\/\/127\.0\.0\.1:\d+ · MQTT 5 · 5 sessions · QoS 1 · 64 B payload/);
    expect(r.stdout).toMatch(/^ {2}messages sent +100 · /m);
    expect(r.stdout).toContain('publish latency histogram');
  });

  it('sub: publishers feed the subscribers; every message arrives with its latency', async () => {
    const b = await useBroker({ records: false });
    const r = await runCli(['bench', 'sub', '-h', b.url, '-c', '4', '--publishers', '2', '-L', '10', '--rate', '1000', '-d', '0', '-q', '1', '--json']);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as { messagesSent: number; messagesReceived: number; latency: { count: number }; sessions: number };
    expect(summary).toMatchObject({ sessions: 6, messagesSent: 20, messagesReceived: 20 });
    expect(summary.latency.count).toBe(20);
  });

  it('connect failures are counted by code; exit 1 with the summary', async () => {
    const b = await useBroker({ records: false });
    b.refuse({ reasonCode: 0x87, times: 2 });
    const r = await runCli(['bench', 'conn', '-h', b.url, '-c', '5', '--concurrency', '1', '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ connected: 3, connectFailed: 2, errors: { ERR_CONNACK_REFUSED: 2 } });
  });
});
