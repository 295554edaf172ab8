/**
 * Per-test broker and raw clients, closed after each test, with the open-handle check of the file.
 *
 * ```ts
 * const h = harness();
 * it('...', async () => {
 *   const broker = await h.start({ receiveMaximum: 2 });
 *   const a = await h.client({ clientId: 'a' });
 * });
 * ```
 */
import { afterEach } from 'vitest';
import type { ConnectPacket } from '@mqttx/codec';
import { startBroker, type Broker, type BrokerOptions } from '@mqttx/testkit';
import { checkLeaks } from './leaks.js';
import { RawClient, type RawClientOptions } from './raw-client.js';

/** Test harness (see module doc). */
export interface Harness {
  /** The current test's broker (throws before `start`). */
  readonly broker: Broker;
  /** Starts this test's broker. */
  start(options?: BrokerOptions): Promise<Broker>;
  /** A raw client over TCP, not connected. */
  raw(options?: RawClientOptions): Promise<RawClient>;
  /** A raw client over TCP, connected with `fields` (CONNACK must be a success). */
  client(fields?: Partial<Omit<ConnectPacket, 'type'>>, options?: RawClientOptions): Promise<RawClient>;
}

/** Registers the hooks and returns the harness. */
export function harness(): Harness {
  checkLeaks();
  let current: Broker | undefined;
  const clients: RawClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.destroy()));
    await current?.close();
    current = undefined;
  });
  const h: Harness = {
    get broker(): Broker {
      if (current === undefined) throw new Error('harness: start() first');
      return current;
    },
    async start(options = {}) {
      current = await startBroker(options);
      return current;
    },
    async raw(options = {}) {
      const c = await RawClient.tcp(h.broker.port, options);
      clients.push(c);
      return c;
    },
    async client(fields = {}, options = {}) {
      const c = await h.raw(options);
      const ack = await c.connect(fields);
      if (ack.reasonCode !== 0) throw new Error(`CONNACK ${ack.reasonCode}`);
      return c;
    },
  };
  return h;
}
