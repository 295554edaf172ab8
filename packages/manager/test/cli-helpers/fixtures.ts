/**
 * Setup shared by the CLI tests: a temporary directory for config files and stores, testkit brokers with a
 * steady publisher ended after each test, and a wait for a session's SUBSCRIBE to be answered.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Packet } from '@mqttx/codec';
import { startBroker, type Broker, type BrokerOptions } from '@mqttx/testkit';
import { afterAll, afterEach } from 'vitest';

/**
 * A fresh directory `<tmp>/mqttx-<name>-XXXXXX`, removed with everything in it after the test file (or the
 * `describe` block) it is created in.
 */
export function tempDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `mqttx-${name}-`));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * The testkit brokers of a test file (or `describe` block) and one steady publisher: after each test the
 * publisher stops and every broker started in the test is closed. Create it with {@link useBrokers}.
 * Hooks run in reverse order of registration, so an `afterEach` registered after this one (killing the CLI,
 * say) runs before the brokers close.
 */
export class BrokerFixture {
  private readonly brokers: Broker[] = [];
  private timer: NodeJS.Timeout | undefined = undefined;

  /** Starts a broker (port 0 unless `options` say otherwise), closed after the test. */
  async start(options: BrokerOptions = {}): Promise<Broker> {
    const broker = await startBroker(options);
    this.brokers.push(broker);
    return broker;
  }

  /** Calls `publish(n)` every `everyMs` ms, n = 1, 2, ..., until {@link BrokerFixture.stopPublishing} or the test ends. */
  publishSteadily(everyMs: number, publish: (n: number) => void): void {
    this.stopPublishing();
    let n = 0;
    this.timer = setInterval(() => publish(++n), everyMs);
  }

  /** Stops the steady publisher (idempotent). */
  stopPublishing(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Stops the publisher and closes every broker (the `afterEach` of {@link useBrokers}). */
  async end(): Promise<void> {
    this.stopPublishing();
    const brokers = this.brokers.splice(0);
    await Promise.all(brokers.map((b) => b.close()));
  }
}

/** A {@link BrokerFixture} whose brokers and publisher end after each test (call at file or `describe` level). */
export function useBrokers(): BrokerFixture {
  const fixture = new BrokerFixture();
  afterEach(() => fixture.end());
  return fixture;
}

/** Resolves once the broker answered `clientId`'s SUBSCRIBE to `filter` (SUBACK with the same packet id). */
export async function subscribed(b: Broker, clientId: string, filter: string): Promise<void> {
  const sub = await b.waitFor(
    { direction: 'in', type: 'subscribe', clientId, where: (p: Packet) => p.type === 'subscribe' && p.subscriptions.some((s) => s.topicFilter === filter) },
    { timeout: 8000 },
  );
  const id = (sub.packet as Extract<Packet, { type: 'subscribe' }>).packetId;
  await b.waitFor({ direction: 'out', type: 'suback', clientId, where: (p: Packet) => p.type === 'suback' && p.packetId === id }, { timeout: 8000 });
}
