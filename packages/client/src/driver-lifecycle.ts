/**
 * The driver's connection lifecycle: the connection established (its info, the `connect` event), a link
 * closed (the core told, `offline`, the reconnector), the authenticator's steps, waiting for the core to be
 * idle before a graceful end, and shutdown. Module functions taking the {@link Driver}; its methods of the
 * same names call them. None of them is on the per-message path.
 * @module
 */
import type { AuthPacket, ConnackPacket } from '@mqttx/codec';
import type { Driver } from './driver.js';
import type { Link } from './link.js';
import type { ConnectedInfo } from './state/effects.js';

/**
 * The info of the established connection (what `connect()` resolves with once connected), made from the
 * CONNACK kept and the core's state: an idle client keeps no info object of its own.
 * @internal
 */
export function connectedInfoOf(d: Driver): ConnectedInfo | undefined {
  const core = d.core;
  const conn = core.conn;
  const sessionPresent = d.sessionPresent;
  if (sessionPresent === undefined || conn === undefined || !core.connected) return undefined;
  // The CONNACK as decoded: only a success (reason code / 3.1.1 return code 0) connects.
  const connack: ConnackPacket = { type: 'connack', sessionPresent, reasonCode: 0, properties: d.connackProperties };
  return {
    sessionPresent,
    clientId: core.clientId,
    keepalive: conn.keepaliveMs / 1000,
    limits: conn.limits,
    connack,
  };
}

/** The core's `connected` effect: the link counts as connected, `connect` is emitted. @internal */
export function onConnected(d: Driver, info: ConnectedInfo): void {
  const link = d.link;
  if (link !== undefined) {
    link.connected = true;
    link.connectedAt = Math.floor(d.scheduler.now());
  }
  d.status = 'connected';
  d.sessionPresent = info.connack.sessionPresent;
  d.connackProperties = info.connack.properties;
  d.persistence?.connected(info);
  d.reconnector.connected(info);
  d.emit('connect', info);
}

/**
 * `link` closed (`transportError`: the transport's error, if any): the core is told, then for a link that
 * had connected, `offline` and the reconnector; a failed attempt is left to the connect loop.
 * @internal
 */
export function onLinkClosed(d: Driver, link: Link, transportError: Error | undefined): void {
  d.link = undefined;
  d.clearTimer();
  const error = link.closeError ?? transportError;
  const now = d.scheduler.now();
  d.core.closed(error, now);
  d.idleWaiter?.();
  if (!link.connected) return; // a failed attempt: the connect loop decides
  if (d.status === 'connected') d.status = 'offline';
  d.emit('offline', error);
  if (error !== undefined) d.report(error);
  d.reconnector.connectionLost(error, now - link.connectedAt);
}

/**
 * The core's `auth` effect: runs one authenticator step and gives its answer to the core, unless the link
 * changed meanwhile.
 * @internal
 */
export function stepAuthenticator(d: Driver, packet: AuthPacket): void {
  const link = d.link;
  const authenticator = d.options.authenticator;
  if (authenticator === undefined) {
    d.core.authFailed(new Error('no authenticator'), d.scheduler.now());
    return;
  }
  Promise.resolve()
    .then(() => authenticator.step(packet))
    .then(
      (data) => {
        if (d.link !== link) return;
        d.core.authContinue(data, d.scheduler.now());
        d.arm();
      },
      (err: unknown) => {
        if (d.link !== link) return;
        d.core.authFailed(err, d.scheduler.now());
        d.arm();
      },
    );
}

/** Resolves once the core is idle, the link is gone, or `timeout` ms passed. @internal */
export function waitIdle(d: Driver, timeout: number): Promise<void> {
  if (d.core.idle || !d.core.connected) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = d.scheduler.setTimeout(() => done(), timeout);
    const done = (): void => {
      d.scheduler.clearTimeout(timer);
      d.idleWaiter = undefined;
      resolve();
    };
    d.idleWaiter = done;
  });
}

/**
 * Closes the driver's resources after the core settled everything. Resolves once a store built from a
 * spec is closed (after `flush` when `graceful`); a store object given by the application stays open.
 * @internal
 */
export async function shutdownDriver(d: Driver, graceful: boolean): Promise<void> {
  d.clearTimer();
  d.idleWaiter?.();
  d.madeDelivery?.close();
  await d.persistence?.close(graceful);
}
