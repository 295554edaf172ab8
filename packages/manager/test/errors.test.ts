/**
 * Structured manager errors: each constructor's kind and stable code, session and context, the cause kept
 * and walked by isTemporary / isTimeout, and wrapping of foreign errors.
 */
import { describe, expect, it } from 'vitest';
import { MqttxError as CodecMqttxError } from '@mqttx/codec/errors';
import {
  MANAGER_ERROR_CODES,
  ManagerError,
  MqttxError,
  isTemporary,
  isTimeout,
  newAuthenticationError,
  newConfigurationError,
  newConnectionError,
  newForwarderError,
  newInternalError,
  newPublishError,
  newStorageError,
  newSubscriptionError,
  toMqttxError,
} from 'mqttx';

const CONSTRUCTORS = [
  [newConnectionError, 'connection', 'ERR_CONNECTION'],
  [newAuthenticationError, 'authentication', 'ERR_AUTHENTICATION'],
  [newSubscriptionError, 'subscription', 'ERR_SUBSCRIPTION'],
  [newPublishError, 'publish', 'ERR_PUBLISH'],
  [newConfigurationError, 'configuration', 'ERR_CONFIGURATION'],
  [newStorageError, 'storage', 'ERR_STORAGE'],
  [newForwarderError, 'forwarder', 'ERR_FORWARDER'],
  [newInternalError, 'internal', 'ERR_INTERNAL'],
] as const;

describe('manager errors', () => {
  it.each(CONSTRUCTORS)('%o gives kind and code', (make, kind, code) => {
    const cause = new Error('underlying');
    const err = make('it failed', cause);
    expect(err).toBeInstanceOf(ManagerError);
    expect(err).toBeInstanceOf(MqttxError);
    expect(err).toBeInstanceOf(Error);
    expect(err.kind).toBe(kind);
    expect(err.code).toBe(code);
    expect(MANAGER_ERROR_CODES[kind]).toBe(code);
    expect(err.cause).toBe(cause);
    expect(err.name).toBe('ManagerError');
    expect(err.session).toBeUndefined();
    expect(err.temporary).toBe(false);
    expect(err.timeout).toBe(false);
    // without a cause, no `cause` property at all
    expect(Object.hasOwn(make('no cause'), 'cause')).toBe(false);
  });

  it('re-exports the project error base itself, not a copy', () => {
    expect(MqttxError).toBe(CodecMqttxError);
  });

  it('withSession and withContext tag the error and chain', () => {
    const err = newPublishError('publish failed')
      .withSession('s1')
      .withContext({ topic: 'a/b' })
      .withContext({ packetId: 7 });
    expect(err.session).toBe('s1');
    expect(err.context).toEqual({ topic: 'a/b', packetId: 7 });
    expect(err.code).toBe('ERR_PUBLISH');
  });

  it('takes options: reason code, session, context, temporary and timeout flags', () => {
    const err = newConnectionError('refused', undefined, {
      reasonCode: 0x87,
      session: 's',
      context: { broker: 'b' },
      temporary: true,
      timeout: false,
    });
    expect(err).toMatchObject({ reasonCode: 0x87, session: 's', context: { broker: 'b' }, temporary: true });
    expect(isTemporary(err)).toBe(true);
    expect(isTimeout(err)).toBe(false);
  });

  it('isTemporary and isTimeout walk the cause chain', () => {
    const reset = Object.assign(new Error('reset'), { code: 'ECONNRESET' });
    const wrapped = newForwarderError('target publish failed', newConnectionError('link lost', reset));
    expect(isTemporary(wrapped)).toBe(true);
    expect(isTimeout(wrapped)).toBe(false);

    const inner = new MqttxError('ERR_T', 't', { timeout: true });
    const timedOut = newConnectionError('connect failed', newInternalError('x', inner));
    expect(isTimeout(timedOut)).toBe(true);
    expect(isTemporary(timedOut)).toBe(true);

    const abort = new DOMException('took too long', 'TimeoutError');
    expect(isTimeout(newPublishError('publish timed out', abort))).toBe(true);

    const permanent = newConfigurationError('bad option', new Error('plain'));
    expect(isTemporary(permanent)).toBe(false);
    expect(isTimeout(permanent)).toBe(false);
  });

  it('a cyclic cause chain does not hang isTemporary', () => {
    const a = newStorageError('a');
    const b = newStorageError('b', a);
    Object.defineProperty(a, 'cause', { value: b });
    expect(isTemporary(a)).toBe(false);
    expect(isTimeout(a)).toBe(false);
  });

  it('toMqttxError keeps an MqttxError and wraps anything else with a kind', () => {
    const own = newPublishError('p');
    expect(toMqttxError(own, 'forwarder')).toBe(own);
    const foreign = new TypeError('boom');
    const wrapped = toMqttxError(foreign, 'forwarder');
    expect(wrapped).toBeInstanceOf(ManagerError);
    expect(wrapped).toMatchObject({ code: 'ERR_FORWARDER', kind: 'forwarder' });
    expect(wrapped.cause).toBe(foreign);
    const fromString = toMqttxError('odd');
    expect(fromString).toMatchObject({ code: 'ERR_INTERNAL', kind: 'internal', cause: 'odd' });
  });

  it('a ManagerError may carry its own code', () => {
    const err = new ManagerError('ERR_EVENT_HANDLER', 'handler failed', 'internal');
    expect(err).toMatchObject({ code: 'ERR_EVENT_HANDLER', kind: 'internal' });
  });
});
