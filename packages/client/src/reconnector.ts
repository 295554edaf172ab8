/**
 * The connect / reconnect loop, kept apart from the protocol core: resolve credentials and the first
 * authentication data, open a connection through the connector, run the MQTT handshake on it, and after a
 * failed attempt or a lost connection wait (exponential backoff, full jitter) and try again, following
 * server references when asked to and giving up on permanent errors.
 * @module
 */
import type { Connection } from '@mqttx/transport';
import { Backoff, serverReferenceOf, shouldRetry } from './backoff.js';
import type { Driver } from './driver.js';
import { AbortError, ClientClosedError, ConfigError } from './errors.js';
import { Link } from './link.js';
import { resolveReconnect, toBuffer, type ClientOptions, type ResolvedReconnect } from './options.js';
import { OpSlot } from './slots.js';
import type { Credentials } from './state/core.js';
import type { ConnectedInfo } from './state/effects.js';
import { ConnectOp } from './state/ops.js';

/** Marks "no error yet" (a clean close has `undefined` as its error). */
const NONE = Symbol('none');
/** Thrown inside a loop that was stopped; never seen outside. */
const STALE = new ClientClosedError();

interface Waiter {
  promise: Promise<ConnectedInfo>;
  resolve: (info: ConnectedInfo) => void;
  reject: (error: unknown) => void;
}

function waiter(): Waiter {
  let resolve!: (info: ConnectedInfo) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<ConnectedInfo>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Connect and reconnect loop of one client. @internal */
export class Reconnector {
  /** Resolved reconnect policy. */
  readonly policy: ResolvedReconnect;
  /** See {@link backoff}. */
  private madeBackoff: Backoff | undefined = undefined;
  private readonly d: Driver;
  /** Bumped to stop the running loop. */
  private gen = 0;
  private running: Promise<void> | undefined = undefined;
  private abort: AbortController | undefined = undefined;
  private sleepTimer: unknown = undefined;
  private wake: (() => void) | undefined = undefined;
  private waiting: Waiter | undefined = undefined;
  /** True while a connect loop runs (for this generation). */
  private active = false;
  /** True while the attempt waits for the store, credentials or the authenticator (nothing open yet). */
  private preparing = false;

  /**
   * @param driver - the driver
   * @param reconnect - the `reconnect` option
   */
  constructor(driver: Driver, reconnect: ClientOptions['reconnect']) {
    this.d = driver;
    this.policy = resolveReconnect(reconnect);
  }

  /** Backoff state, made by the first failure: a client that never failed carries none. */
  get backoff(): Backoff {
    return (this.madeBackoff ??= new Backoff(this.policy));
  }

  /** `client.connect()`: resolves at the next CONNACK Success (at once when connected). */
  connect(signal?: AbortSignal): Promise<ConnectedInfo> {
    const d = this.d;
    if (d.status === 'closing' || d.status === 'closed') return Promise.reject(new ClientClosedError());
    const info = d.connectedInfo();
    if (info !== undefined) return Promise.resolve(info);
    if (signal?.aborted) return Promise.reject(new AbortError(signal.reason, 'connection'));
    const w = (this.waiting ??= waiter());
    if (!this.active) {
      this.madeBackoff?.reset();
      this.start(true, NONE);
    }
    if (signal === undefined) return w.promise;
    const onAbort = (): void => this.abortConnect(new AbortError(signal.reason, 'connection'));
    signal.addEventListener('abort', onAbort, { once: true });
    const off = (): void => signal.removeEventListener('abort', onAbort);
    w.promise.then(off, off);
    return w.promise;
  }

  /** The core reported CONNACK Success. */
  connected(info: ConnectedInfo): void {
    const w = this.waiting;
    this.waiting = undefined;
    w?.resolve(info);
  }

  /** An established connection ended after `lastedMs`: reconnect unless the policy says otherwise. */
  connectionLost(error: Error | undefined, lastedMs: number): void {
    const d = this.d;
    this.madeBackoff?.connectionEnded(lastedMs); // no backoff yet: no attempt to forget
    if (d.status === 'closing' || d.status === 'closed') return;
    if (!this.policy.enabled && !(d.options.followRedirects && serverReferenceOf(error) !== undefined)) {
      d.status = 'offline';
      return;
    }
    this.start(false, error);
  }

  /** Stops the loop (end / destroy): aborts the attempt, cuts a link still in its handshake. */
  stop(error: Error): Promise<void> {
    this.gen++;
    this.active = false;
    this.abort?.abort(error);
    this.abort = undefined;
    this.stopSleep();
    const link = this.d.link;
    if (link !== undefined && !link.connected) link.close(error, true);
    this.rejectWaiting(error);
    // An attempt still preparing has opened nothing: no need to wait for it (a credentials function may
    // take its time); the stale attempt stops once it resumes.
    if (this.preparing) return Promise.resolve();
    return this.running ?? Promise.resolve();
  }

  /** Rejects a pending `connect()`. */
  rejectWaiting(error: unknown): void {
    const w = this.waiting;
    this.waiting = undefined;
    if (w !== undefined) {
      w.promise.catch(noop);
      w.reject(error);
    }
  }

  private abortConnect(error: AbortError): void {
    if (this.waiting === undefined) return;
    const d = this.d;
    void this.stop(error);
    if (d.status !== 'closing' && d.status !== 'closed') d.status = 'offline';
  }

  private start(initial: boolean, error: unknown): void {
    const gen = ++this.gen;
    this.preparing = false;
    this.active = true;
    this.running = this.run(gen, initial, error).catch((err: unknown) => this.d.raise(err));
  }

  private async run(gen: number, initial: boolean, first: unknown): Promise<void> {
    try {
      await this.loop(gen, initial, first);
    } finally {
      // Cleared before anyone resumes from a settled connect(): a new connect() starts a new loop. The
      // finished loop's promise is dropped too (an idle client keeps no settled promise around).
      if (gen === this.gen) {
        this.active = false;
        this.running = undefined;
      }
    }
  }

  private async loop(gen: number, initial: boolean, first: unknown): Promise<void> {
    const d = this.d;
    let error = first;
    for (;;) {
      if (error !== NONE) {
        const delay = this.plan(error, initial);
        if (delay < 0) return this.giveUp(error, initial);
        d.status = 'reconnecting';
        d.stats.reconnects++;
        d.emit('reconnecting', { attempt: this.backoff.attempt, delay, error: error as Error | undefined });
        await this.sleep(delay);
        if (gen !== this.gen) return;
      }
      d.status = 'connecting';
      try {
        await this.attempt(gen);
        return;
      } catch (err) {
        if (gen !== this.gen) return;
        error = err;
        d.report(err);
      }
    }
  }

  /** Delay before the next attempt after `error`, or -1 to give up. */
  private plan(error: unknown, initial: boolean): number {
    const p = this.policy;
    if (this.backoff.exhausted) return -1;
    const connector = this.d.connector;
    const ref = this.d.options.followRedirects ? serverReferenceOf(error) : undefined;
    if (ref !== undefined && typeof connector.redirect === 'function') {
      // A server reference is followed at once (also on the first connect and with reconnect off), and
      // counted, so a redirect loop ends at maxAttempts.
      try {
        connector.redirect(ref);
        this.backoff.attempt++;
        return 0;
      } catch (err) {
        this.d.report(err);
      }
    }
    if (!p.enabled || (initial && !p.retryInitial) || !shouldRetry(error, p)) return -1;
    return this.backoff.next();
  }

  private giveUp(error: unknown, initial: boolean): void {
    const d = this.d;
    this.rejectWaiting(error);
    if (initial) {
      // The first connection failed: the client stays usable (offline); `connect()` may be called again.
      d.status = 'offline';
      return;
    }
    d.giveUp(error instanceof Error ? error : undefined);
  }

  private sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.wake = resolve;
      this.sleepTimer = this.d.scheduler.setTimeout(() => {
        this.sleepTimer = undefined;
        this.wake = undefined;
        resolve();
      }, ms);
    });
  }

  private stopSleep(): void {
    if (this.sleepTimer !== undefined) this.d.scheduler.clearTimeout(this.sleepTimer);
    this.sleepTimer = undefined;
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** One connection attempt; resolves at CONNACK Success, rejects with why it failed. */
  private async attempt(gen: number): Promise<void> {
    const d = this.d;
    const abort = new AbortController();
    this.abort = abort;
    this.preparing = true;
    let creds: Credentials;
    let authData: Buffer | undefined;
    try {
      await d.persistence?.restore();
      creds = await this.credentials();
      const authenticator = d.options.authenticator;
      authData = authenticator === undefined || gen !== this.gen ? undefined : await authenticator.start();
    } finally {
      if (gen === this.gen) this.preparing = false;
    }
    if (gen !== this.gen) throw STALE;
    const connection: Connection = await d.connector(abort.signal);
    if (gen !== this.gen) {
      connection.destroy();
      throw STALE;
    }
    if (this.abort === abort) this.abort = undefined;
    let merged: Credentials;
    try {
      merged = this.merge(creds, connection);
    } catch (err) {
      connection.destroy();
      throw err;
    }
    const link = new Link(d, connection, d.core.opts.protocolVersion, d.core.opts.properties?.maximumPacketSize);
    d.attach(link);
    const slot = new OpSlot(d, undefined);
    const op = new ConnectOp(slot);
    slot.op = op;
    d.core.open(d.scheduler.now(), op, authData, merged);
    d.arm();
    try {
      await slot.promise;
    } catch (err) {
      // The core asked to close the link (or it closed): the next attempt starts once it is down.
      link.close(err as Error, false);
      await link.done;
      throw err;
    }
  }

  /** Resolves user name and password (functions are called before every attempt). */
  private async credentials(): Promise<Credentials> {
    const o = this.d.options;
    const username = typeof o.username === 'function' ? await o.username() : o.username;
    const password = typeof o.password === 'function' ? await o.password() : o.password;
    if (username !== undefined && typeof username !== 'string') throw new ConfigError('username must resolve to a string', { option: 'username' });
    if (password !== undefined && typeof password !== 'string' && !(password instanceof Uint8Array)) {
      throw new ConfigError('password must resolve to a string or a Buffer', { option: 'password' });
    }
    return { username, password: password === undefined ? undefined : toBuffer(password) };
  }

  /** Fills in credentials from the broker URL (`mqtt://user:pass@host`) and checks the 3.1.1 rule. */
  private merge(creds: Credentials, connection: Connection): Credentials {
    const endpoint = connection.endpoint;
    const username = creds.username ?? endpoint?.username;
    let password = creds.password;
    if (password === undefined && endpoint?.password !== undefined) password = Buffer.from(endpoint.password, 'utf8');
    // [MQTT-3.1.2-22] (3.1.1): no password without a user name.
    if (this.d.core.opts.protocolVersion === 4 && password !== undefined && username === undefined) {
      throw new ConfigError('a password needs a username in MQTT 3.1.1', { option: 'password' });
    }
    return { username, password };
  }
}

function noop(): void {}
