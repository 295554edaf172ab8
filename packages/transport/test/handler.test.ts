/**
 * `Connection.setHandler`: one object receiving data, drain and close in place of listeners (what the
 * client uses), and the lazily made `closed` promise.
 */
import type { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createDuplexPair, fromDuplex, type ConnectionHandler } from '@mqttx/transport';
import { trackResources, turn } from './helpers/resources.js';

trackResources();

function closeOf(stream: Duplex): Promise<void> {
  return new Promise((resolve) => stream.once('close', () => resolve()));
}

describe('Connection.setHandler', () => {
  it('starts reading; the handler gets data, drain and close before the listeners', async () => {
    const [a, b] = createDuplexPair({ highWaterMark: 64 });
    const conn = fromDuplex(a);
    const log: string[] = [];
    const handler: ConnectionHandler = {
      connectionData: (chunk) => log.push(`handler data ${chunk.toString()}`),
      connectionDrain: () => log.push('handler drain'),
      connectionClose: (error) => log.push(`handler close ${error?.message ?? '-'}`),
    };
    conn.on('data', (chunk: Buffer) => log.push(`listener data ${chunk.toString()}`));
    conn.on('drain', () => log.push('listener drain'));
    conn.on('close', () => log.push('listener close'));
    conn.setHandler(handler);
    b.write(Buffer.from('hi'));
    await turn();
    expect(log).toEqual(['handler data hi', 'listener data hi']);
    // Fill the queue (the peer does not read yet), then let it drain.
    log.length = 0;
    let writes = 0;
    while (conn.write(Buffer.alloc(32, 1)) && writes < 100) writes++;
    expect(conn.needsDrain).toBe(true);
    b.resume();
    await turn();
    await turn();
    expect(log).toEqual(['handler drain', 'listener drain']);
    log.length = 0;
    const closed = closeOf(b);
    conn.destroy(new Error('boom'));
    await conn.closed;
    await closed;
    expect(log).toEqual(['handler close boom', 'listener close']);
  });

  it('a handler alone is enough: no listener is needed for data or close', async () => {
    const [a, b] = createDuplexPair();
    b.resume(); // the peer reads (and so sees the end)
    const conn = fromDuplex(a);
    const got: string[] = [];
    let closeError: Error | undefined | null = null;
    conn.setHandler({
      connectionData: (chunk) => got.push(chunk.toString()),
      connectionDrain: () => {},
      connectionClose: (error) => (closeError = error),
    });
    expect(conn.listenerCount('data')).toBe(0);
    b.write(Buffer.from('one'));
    await turn();
    b.write(Buffer.from('two'));
    await turn();
    expect(got.join('')).toBe('onetwo');
    const closed = closeOf(b);
    b.end();
    await conn.closed;
    await closed;
    expect(closeError).toBeUndefined();
  });

  it('`closed` asked for after the close resolves with the close error', async () => {
    const [a, b] = createDuplexPair();
    b.resume();
    const conn = fromDuplex(a);
    const done = new Promise<void>((resolve) => conn.once('close', () => resolve()));
    const peerClosed = closeOf(b);
    const error = new Error('cut');
    conn.destroy(error);
    await done;
    await peerClosed;
    expect(conn.isClosed).toBe(true);
    expect(await conn.closed).toBe(error);
    expect(conn.closed).toBe(conn.closed);
  });
});
