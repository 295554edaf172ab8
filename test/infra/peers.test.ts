/**
 * The shared real-peer helpers work: a private Mosquitto and a private Redis start on free loopback ports,
 * serve, restart, and leave nothing behind.
 */
import { execFile } from 'node:child_process';
import { connect as netConnect } from 'node:net';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeMosquitto, startMosquitto, type MosquittoInstance } from '../helpers/mosquitto.js';
import { describeRedis, startRedis } from '../helpers/redis.js';

const run = promisify(execFile);

/** One retained message published with mosquitto_pub, read back with mosquitto_sub. */
async function roundTrip(mq: MosquittoInstance, topic: string, publish: boolean): Promise<string> {
  if (publish) {
    await run('mosquitto_pub', ['-h', mq.host, '-p', String(mq.port), '-t', topic, '-m', 'hello', '-r', '-q', '1']);
  }
  const { stdout } = await run('mosquitto_sub', ['-h', mq.host, '-p', String(mq.port), '-t', topic, '-C', '1', '-W', '5']);
  return stdout.trim();
}

describeMosquitto('private Mosquitto', () => {
  let mq: MosquittoInstance;
  beforeAll(async () => {
    mq = await startMosquitto({ persistence: true });
  });
  afterAll(() => mq.stop());

  it('listens on a loopback port of its own and serves publish/subscribe', async () => {
    expect(mq.port).toBeGreaterThan(0);
    expect(mq.url).toBe(`mqtt://127.0.0.1:${mq.port}`);
    expect(await roundTrip(mq, 'infra/a', true)).toBe('hello');
  });

  it('keeps retained messages across a graceful restart on the same port (persistence on)', async () => {
    const pid = mq.pid;
    await mq.restart();
    expect(mq.pid).not.toBe(pid);
    expect(await roundTrip(mq, 'infra/a', false)).toBe('hello');
  });

  it('removes its folder on stop', async () => {
    const other = await startMosquitto();
    expect(existsSync(other.dir)).toBe(true);
    await other.stop();
    await other.stop(); // idempotent
    expect(existsSync(other.dir)).toBe(false);
  });
});

function ping(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = netConnect({ host: '127.0.0.1', port });
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    s.once('data', (d) => {
      s.destroy();
      resolve(d.toString().trim());
    });
    s.once('connect', () => s.write('PING\r\n'));
  });
}

describeRedis('private Redis', () => {
  it('answers PING, goes away on pause and comes back on the same port', async () => {
    const redis = await startRedis();
    try {
      expect(await ping(redis.port)).toBe('+PONG');
      await redis.pause();
      expect(redis.running).toBe(false);
      expect(await ping(redis.port)).toBe('ECONNREFUSED');
      await redis.start();
      expect(await ping(redis.port)).toBe('+PONG');
    } finally {
      await redis.stop();
    }
  });
});
