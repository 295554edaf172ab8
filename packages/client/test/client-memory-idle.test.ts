/**
 * What an idle client does not carry (round 2 of the idle-session work): the default and disabled reconnect
 * policies are shared, the backoff state is made by the first failure, and a client without persistence
 * has no store handling.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MqttClient } from '../src/client.js';
import { resolveReconnect } from '../src/options.js';

interface Internals {
  driver: { persistence: unknown; reconnector: { policy: unknown; madeBackoff: unknown; backoff: { attempt: number } } };
}

const internals = (client: MqttClient): Internals['driver'] => (client as unknown as Internals).driver;

afterEach(() => {
  vi.restoreAllMocks();
});

describe('reconnect policy', () => {
  it('the default, `false` and equal objects resolve to shared frozen policies; a different object gets its own', () => {
    const a = resolveReconnect(undefined);
    expect(resolveReconnect(undefined)).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
    expect(a.enabled).toBe(true);
    const off = resolveReconnect(false);
    expect(resolveReconnect(false)).toBe(off);
    expect(off.enabled).toBe(false);
    const own = resolveReconnect({ initialDelay: 5 });
    expect(resolveReconnect({ initialDelay: 5 })).toBe(own);
    expect(Object.isFrozen(own)).toBe(true);
    expect(own.initialDelay).toBe(5);
    const other = resolveReconnect({ initialDelay: 6 });
    expect(other).not.toBe(own);
    expect(other.initialDelay).toBe(6);
    const random = (): number => 0.5;
    expect(resolveReconnect({ initialDelay: 6, random })).not.toBe(other);
  });

  it('the shared default policy draws from Math.random at each call (a stub is seen)', () => {
    const policy = resolveReconnect(undefined);
    vi.spyOn(Math, 'random').mockReturnValue(0.25);
    expect(policy.random()).toBe(0.25);
  });
});

describe('an idle client', () => {
  it('shares the policy, has no backoff until one is needed, and no store handling without persistence', () => {
    const client = new MqttClient({ brokers: 'mqtt://127.0.0.1:1883', clientId: 'idle' });
    const d = internals(client);
    expect(d.persistence).toBeUndefined();
    expect(d.reconnector.policy).toBe(resolveReconnect(undefined));
    expect(d.reconnector.madeBackoff).toBeUndefined();
    expect(d.reconnector.backoff.attempt).toBe(0);
    expect(d.reconnector.madeBackoff).toBeDefined();
    client.destroy();
  });

  it('a client with a store (or a persistence mode) keeps its store handling', () => {
    const withStore = new MqttClient({ brokers: 'mqtt://127.0.0.1:1883', clientId: 'stored', store: 'memory' });
    expect(internals(withStore).persistence).toBeDefined();
    withStore.destroy();
    const asyncMode = new MqttClient({ brokers: 'mqtt://127.0.0.1:1883', clientId: 'async', persistence: 'async' });
    expect(internals(asyncMode).persistence).toBeDefined();
    asyncMode.destroy();
  });
});
