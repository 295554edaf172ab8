/**
 * The lifecycle observer (`observeClient`, used by the session manager in place of one listener per event):
 * it gets every lifecycle event before the listeners, and `error` even with no `error` listener (then an
 * exception from a message handler is reported to it, not thrown again).
 */
import { describe, expect, it } from 'vitest';
import { observeClient, type ObservedEvent } from '../src/index.js';
import { harness, until } from './helpers/harness.js';

const h = harness();

describe('observeClient', () => {
  it('sees connect, ready, disconnect, offline, reconnecting, ..., offline, close in order, before the listeners', async () => {
    const broker = await h.broker();
    const c = h.client({ brokers: broker.url, clientId: 'obs', protocolVersion: 5, reconnect: { initialDelay: 1, maxDelay: 5 } });
    const seen: string[] = [];
    observeClient(c, { clientEvent: (event: ObservedEvent) => seen.push(`observer:${event}`) });
    c.on('connect', () => seen.push('listener:connect'));
    await c.connect();
    await until(() => seen.includes('observer:ready'));
    await broker.disconnectClient('obs', 0x98);
    await until(() => seen.filter((s) => s === 'observer:connect').length === 2);
    await c.end();
    expect(seen.filter((s) => s.startsWith('observer:'))).toEqual([
      'observer:connect',
      'observer:ready',
      'observer:disconnect',
      'observer:offline',
      'observer:error',
      'observer:reconnecting',
      'observer:connect',
      'observer:ready',
      'observer:offline',
      'observer:close',
    ]);
    expect(seen.indexOf('observer:connect')).toBeLessThan(seen.indexOf('listener:connect'));
  });

  it('gets a throwing message handler\'s error with no error listener; nothing is thrown again', async () => {
    const broker = await h.broker();
    const c = await h.connect({ brokers: broker.url, clientId: 'obs-err' });
    const errors: unknown[] = [];
    observeClient(c, { clientEvent: (event, arg) => event === 'error' && errors.push(arg) });
    const boom = new Error('handler failed');
    c.on('message', () => {
      throw boom;
    });
    await c.subscribe('obs/#', { qos: 1 });
    await c.publish('obs/1', 'x', { qos: 1 });
    await until(() => errors.length === 1);
    expect(errors[0]).toBe(boom);
    await c.end();
  });
});
