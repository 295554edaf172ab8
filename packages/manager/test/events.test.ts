/**
 * The event bus: typed dispatch, handlers added or removed during dispatch, throwing and rejecting handlers,
 * `error` without listeners, and redaction of secrets (fields, URL credentials, errors, cycles).
 */
import { describe, expect, it, vi } from 'vitest';
import {
  EventBus,
  MANAGER_EVENT_TYPES,
  ManagerError,
  REDACT_MAX_DEPTH,
  isSensitiveField,
  newConnectionError,
  redact,
  redactUrlCredentials,
  type ManagerEvent,
} from 'mqttx';

const T = 1_700_000_000_000;

function ev(
  type: 'session_added' | 'session_removed',
  session = 's1',
  data: Record<string, unknown> = {},
): ManagerEvent {
  return { type, session, data, timestamp: T };
}

describe('EventBus dispatch', () => {
  it('calls the handlers of the type in order, then the wildcard handlers, with the event as given', () => {
    const bus = new EventBus();
    const calls: string[] = [];
    bus.onEvent('*', (e) => calls.push(`*:${e.type}`));
    bus.onEvent('session_added', (e) => calls.push(`a1:${e.session}`));
    bus.onEvent('session_added', () => calls.push('a2'));
    bus.onEvent('session_removed', () => calls.push('removed'));
    const event = ev('session_added', 'x', { n: 1 });
    let seen: ManagerEvent | undefined;
    bus.onEvent('session_added', (e) => {
      seen = e;
    });
    bus.emit(event);
    expect(calls).toEqual(['a1:x', 'a2', '*:session_added']);
    expect(seen).toBe(event); // nothing to redact: the same object
    expect(MANAGER_EVENT_TYPES).toHaveLength(9);
  });

  it('emitEvent stamps the event with the injected clock', () => {
    const bus = new EventBus({ now: () => 42 });
    const got: ManagerEvent[] = [];
    bus.onEvent('session_state_changed', (e) => {
      got.push(e);
    });
    bus.emitEvent('session_state_changed', 's', { old: 'connecting', new: 'connected' });
    expect(got).toEqual([
      { type: 'session_state_changed', session: 's', data: { old: 'connecting', new: 'connected' }, timestamp: 42 },
    ]);
  });

  it('a handler added during dispatch runs from the next dispatch on', () => {
    const bus = new EventBus();
    const late = vi.fn();
    let added = false;
    bus.onEvent('session_added', () => {
      if (!added) {
        added = true;
        bus.onEvent('session_added', late);
        bus.onEvent('*', late);
      }
    });
    bus.emit(ev('session_added'));
    expect(late).not.toHaveBeenCalled();
    bus.emit(ev('session_added'));
    expect(late).toHaveBeenCalledTimes(2);
  });

  it('a handler removed during dispatch still runs in that dispatch, not after; self-removal works', () => {
    const bus = new EventBus();
    const calls: string[] = [];
    const second = (): void => {
      calls.push('second');
    };
    const off = bus.onEvent('session_added', () => {
      calls.push('once');
      off();
    });
    bus.onEvent('session_added', () => {
      calls.push('remover');
      bus.offEvent('session_added', second);
    });
    bus.onEvent('session_added', second);
    bus.emit(ev('session_added'));
    bus.emit(ev('session_added'));
    expect(calls).toEqual(['once', 'remover', 'second', 'remover']);
  });

  it('offEvent removes one registration at a time; the unsubscribe function is idempotent', () => {
    const bus = new EventBus();
    const h = vi.fn();
    const off1 = bus.onEvent('session_added', h);
    bus.onEvent('session_added', h);
    expect(bus.listenerCount('session_added')).toBe(2);
    bus.emit(ev('session_added'));
    expect(h).toHaveBeenCalledTimes(2);
    off1();
    off1();
    expect(bus.listenerCount('session_added')).toBe(1);
    expect(bus.offEvent('session_added', h)).toBe(true);
    expect(bus.offEvent('session_added', h)).toBe(false);
    expect(bus.offEvent('session_removed', h)).toBe(false);
    bus.onEvent('*', h);
    bus.onEvent('error', h);
    expect(bus.listenerCount()).toBe(2);
    bus.removeAllListeners('*');
    expect(bus.listenerCount('*')).toBe(0);
    bus.removeAllListeners();
    expect(bus.listenerCount()).toBe(0);
  });

  it('an error event with no listener does not throw', () => {
    const bus = new EventBus();
    const error: ManagerEvent = { type: 'error', session: undefined, data: { error: new Error('x') }, timestamp: T };
    expect(() => bus.emit(error)).not.toThrow();
    bus.onEvent('session_added', () => {
      throw new Error('handler bug');
    });
    expect(() => bus.emit(ev('session_added'))).not.toThrow();
  });

  it('a throwing handler does not stop the others and is reported once as ERR_EVENT_HANDLER', () => {
    const bus = new EventBus();
    const boom = new Error('handler bug');
    const after = vi.fn();
    bus.onEvent('session_removed', () => {
      throw boom;
    });
    bus.onEvent('session_removed', after);
    const errors: ManagerEvent<'error'>[] = [];
    bus.onEvent('error', (e) => {
      errors.push(e);
    });
    bus.emit(ev('session_removed', 's9'));
    expect(after).toHaveBeenCalledTimes(1);
    expect(errors).toHaveLength(1);
    const e = errors[0]!;
    expect(e.session).toBe('s9');
    expect(e.timestamp).toBe(T);
    expect(e.data.event).toBe('session_removed');
    const err = e.data.error as ManagerError;
    expect(err).toBeInstanceOf(ManagerError);
    expect(err).toMatchObject({ code: 'ERR_EVENT_HANDLER', kind: 'internal', session: 's9' });
    expect(err.cause).toBe(boom);
  });

  it('a throwing error handler is not re-reported (no recursion) but reaches onHandlerError', () => {
    const sink = vi.fn();
    const bus = new EventBus({ onHandlerError: sink });
    let errorCalls = 0;
    const other = vi.fn();
    bus.onEvent('error', () => {
      errorCalls++;
      throw new Error('error handler bug');
    });
    bus.onEvent('error', other);
    bus.onEvent('session_added', () => {
      throw new Error('first bug');
    });
    bus.emit(ev('session_added'));
    expect(errorCalls).toBe(1);
    expect(other).toHaveBeenCalledTimes(1);
    expect(sink).toHaveBeenCalledTimes(1);
    expect((sink.mock.calls[0]![1] as ManagerEvent).type).toBe('error');
    // a failing sink is contained too
    const bus2 = new EventBus({
      onHandlerError: () => {
        throw new Error('sink bug');
      },
    });
    bus2.onEvent('error', () => {
      throw new Error('x');
    });
    expect(() => bus2.emit({ type: 'error', session: undefined, data: { error: 1 }, timestamp: T })).not.toThrow();
  });

  it('a rejecting async handler is reported as an error event', async () => {
    const bus = new EventBus();
    const reported = new Promise<ManagerEvent<'error'>>((resolve) => {
      bus.onEvent('error', (e) => resolve(e));
    });
    const cause = new Error('async bug');
    bus.onEvent('session_connected', async () => {
      throw cause;
    });
    bus.emitEvent('session_connected', 's', {});
    const e = await reported;
    expect((e.data.error as ManagerError).code).toBe('ERR_EVENT_HANDLER');
    expect((e.data.error as ManagerError).cause).toBe(cause);
  });

  it('refuses unknown event types and non-function handlers with ERR_CONFIGURATION', () => {
    const bus = new EventBus();
    const code = expect.objectContaining({ code: 'ERR_CONFIGURATION' });
    expect(() => bus.onEvent('session_exploded' as 'error', () => {})).toThrow(code);
    expect(() => bus.onEvent('error', 'nope' as unknown as () => void)).toThrow(code);
    const bogus = { type: 'nope', session: 's', data: {}, timestamp: T } as unknown as ManagerEvent;
    expect(() => bus.emit(bogus)).toThrow(code);
  });
});

describe('redaction', () => {
  it('removes secret fields deeply before handlers see the event, leaving the original alone', () => {
    const bus = new EventBus();
    const data = {
      username: 'u',
      password: 'p4ss',
      tls: { caFile: '/ca.pem', keyFile: '/key.pem', key: 'PRIVATE', passphrase: 'pp', pfx: 'blob' },
      auth: [{ token: 't', apiKey: 'k', access_token: 'a', clientSecret: 's', 'Proxy-Authorization': 'x', kept: 1 }],
      headers: { Authorization: 'Bearer x' },
    };
    let seen: unknown;
    bus.onEvent('session_added', (e) => {
      seen = e.data;
    });
    bus.emit(ev('session_added', 's', data));
    expect(seen).toEqual({
      username: 'u',
      tls: { caFile: '/ca.pem', keyFile: '/key.pem' },
      auth: [{ kept: 1 }],
      headers: {},
    });
    expect(JSON.stringify(seen)).not.toMatch(/p4ss|PRIVATE|pp"|Bearer|"t"|"k"/);
    expect(data.password).toBe('p4ss'); // the emitter's object is untouched
    expect(data.tls.key).toBe('PRIVATE');
  });

  it('replaces URL credentials in strings and URL objects', () => {
    expect(redactUrlCredentials('mqtt://user:secret@broker:1883/x')).toBe('mqtt://***@broker:1883/x');
    expect(redactUrlCredentials('fail: mqtts://u:p@ss@h:8883 and ws://a@b/c?d=e@f')).toBe(
      'fail: mqtts://***@h:8883 and ws://***@b/c?d=e@f',
    );
    expect(redactUrlCredentials('see http://host/a@b and mail x@y')).toBe('see http://host/a@b and mail x@y');
    const out = redact({ brokers: ['mqtt://a:b@h1', 'mqtt://h2'], url: new URL('mqtt://me:pw@h3:1883') });
    expect(out.brokers).toEqual(['mqtt://***@h1', 'mqtt://h2']);
    expect(out.url).toBeInstanceOf(URL);
    expect(out.url.password).toBe('');
    expect(out.url.href).not.toContain('pw');
    expect(out.url.host).toBe('h3:1883');
  });

  it('redacts inside errors, keeping prototype, code and cause', () => {
    const cause = Object.assign(new Error('connect to mqtt://bob:hunter2@h failed'), { code: 'ECONNREFUSED' });
    const err = newConnectionError('link lost', cause)
      .withSession('s')
      .withContext({ broker: 'h', password: 'hunter2' });
    const out = redact({ error: err });
    expect(out.error).not.toBe(err);
    expect(out.error).toBeInstanceOf(ManagerError);
    expect(out.error.code).toBe('ERR_CONNECTION');
    expect(out.error.session).toBe('s');
    expect(out.error.context).toEqual({ broker: 'h' });
    const outCause = out.error.cause as Error & { code: string };
    expect(outCause).toBeInstanceOf(Error);
    expect(outCause.code).toBe('ECONNREFUSED');
    expect(outCause.message).toBe('connect to mqtt://***@h failed');
    expect(String(outCause.stack)).not.toContain('hunter2');
    // the original error is untouched
    expect(err.context).toEqual({ broker: 'h', password: 'hunter2' });
  });

  it('returns clean data itself, without copying', () => {
    const err = newConnectionError('x', new Error('y'));
    const data = { error: err, list: [1, 'two', { three: 3 }], when: new Date(T), buf: Buffer.from('key') };
    expect(redact(data)).toBe(data);
    expect(redact('plain')).toBe('plain');
    expect(redact(null)).toBe(null);
  });

  it('is cycle-safe and keeps cycles in the copy', () => {
    const a: Record<string, unknown> = { name: 'a', secret: 's' };
    const b: Record<string, unknown> = { name: 'b', parent: a };
    a.child = b;
    a.self = a;
    const out = redact(a) as typeof a;
    expect(out).not.toBe(a);
    expect(out.secret).toBeUndefined();
    expect(out.self).toBe(out);
    expect((out.child as typeof b).parent).toBe(out);
    // a cycle with nothing to redact is returned as is
    const c: Record<string, unknown> = { n: 1 };
    c.me = c;
    expect(redact(c)).toBe(c);
  });

  it('does not walk into class instances and truncates absurd depth', () => {
    class Holder {
      password = 'inside a class instance';
    }
    const holder = new Holder();
    expect(redact({ holder }).holder).toBe(holder); // kept by reference, documented
    let deep: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < REDACT_MAX_DEPTH + 5; i++) deep = { next: deep };
    let out = redact(deep) as Record<string, unknown>;
    let depth = 0;
    while (typeof out.next === 'object') {
      out = out.next as Record<string, unknown>;
      depth++;
    }
    expect(depth).toBe(REDACT_MAX_DEPTH - 1);
    expect(out.next).toBe('[truncated]');
  });

  it('names sensitive fields by name and suffix, not by substring', () => {
    const sensitive = ['password', 'Password', 'PASSPHRASE', 'key', 'privateKey', 'api_key', 'token', 'accessToken'];
    sensitive.push('secret', 'client-secret', 'authorization', 'credentials', 'pfx', 'passwd');
    for (const name of sensitive) {
      expect(isSensitiveField(name), name).toBe(true);
    }
    for (const name of ['keyFile', 'keepAlive', 'username', 'tokenUrl', 'clientId', 'secretFile', 'keys']) {
      expect(isSensitiveField(name), name).toBe(false);
    }
  });
});
