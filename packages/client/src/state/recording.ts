/**
 * A {@link CoreEffects} implementation that records every call as a plain action object, for unit tests
 * ("scripted input -> expected actions") and for tracing a driver. Packets are shallow-copied when
 * recorded, because the core reuses some packet objects once `send` returned.
 * @module
 */
import type { AuthPacket, DisconnectPacket, Packet, PublishPacket } from '@mqttx/codec';
import type { Keyspace, StoreKey } from '../store/types.js';
import type { ConnectedInfo, CoreEffects, PersistRecord } from './effects.js';
import type { Op, PublishOp } from './ops.js';

/** One recorded effect call. */
export type Action =
  | {
      /** {@link CoreEffects.send}: a packet to write. */
      kind: 'send';
      /** The packet, shallow-copied when recorded. */
      packet: Packet;
      /** The QoS 0 publish the driver settles once the bytes are written; `undefined` otherwise. */
      op: PublishOp | undefined;
    }
  | {
      /** {@link CoreEffects.deliver}: an application message for the application. */
      kind: 'deliver';
      /** The received PUBLISH (topic already resolved from a topic alias). */
      message: PublishPacket;
    }
  | {
      /** {@link CoreEffects.settle}: an operation finished. */
      kind: 'settle';
      /** The operation settled. */
      op: Op;
      /** Why it failed; `undefined` on success. */
      error: Error | undefined;
      /** The result on success (see each op class). */
      value: unknown;
    }
  | {
      /** {@link CoreEffects.persist}: a session record to write. */
      kind: 'persist';
      /** The record. */
      record: PersistRecord;
    }
  | {
      /** {@link CoreEffects.unpersist}: a session record to delete. */
      kind: 'unpersist';
      /** Keyspace of the record. */
      keyspace: Keyspace;
      /** Key of the record (a packet id in `outbound` / `inbound`). */
      key: StoreKey;
    }
  | {
      /** {@link CoreEffects.close}: close the link after writing what was sent. */
      kind: 'close';
      /** Why; `undefined` for a graceful disconnect. */
      error: Error | undefined;
    }
  | {
      /** {@link CoreEffects.connected}: a CONNACK with Success arrived. */
      kind: 'connected';
      /** Session present, client id, keepalive and server limits in effect. */
      info: ConnectedInfo;
    }
  | {
      /** {@link CoreEffects.ready}: the subscriptions the session needs are in place. */
      kind: 'ready';
    }
  | {
      /** {@link CoreEffects.serverDisconnect}: the server sent DISCONNECT (5.0). */
      kind: 'serverDisconnect';
      /** The DISCONNECT, with its reason code and properties. */
      packet: DisconnectPacket;
    }
  | {
      /** {@link CoreEffects.auth}: the server sent AUTH 0x18 (continue authentication). */
      kind: 'auth';
      /** The AUTH packet, with the server's authentication data. */
      packet: AuthPacket;
    };

/** Records effects as {@link Action} objects. */
export class RecordingEffects implements CoreEffects {
  /** Every action so far, in order. */
  readonly actions: Action[] = [];
  /** Optional hook run after each action is recorded (tests use it to re-enter the core). */
  onAction: ((action: Action) => void) | undefined = undefined;

  /** Returns the actions recorded since the last `take()` and forgets them. */
  take(): Action[] {
    return this.actions.splice(0, this.actions.length);
  }

  /** Packets of the `send` actions recorded since the last `take()`. */
  sent(): Packet[] {
    const out: Packet[] = [];
    for (const a of this.actions) if (a.kind === 'send') out.push(a.packet);
    return out;
  }

  /** The `kind` of every action recorded since the last `take()`. */
  kinds(): Action['kind'][] {
    return this.actions.map((a) => a.kind);
  }

  private record(action: Action): void {
    this.actions.push(action);
    this.onAction?.(action);
  }

  /** {@inheritDoc CoreEffects.send} */
  send(packet: Packet, op: PublishOp | undefined): void {
    this.record({ kind: 'send', packet: { ...packet }, op });
  }

  /** {@inheritDoc CoreEffects.deliver} */
  deliver(message: PublishPacket): void {
    this.record({ kind: 'deliver', message });
  }

  /** {@inheritDoc CoreEffects.settle} */
  settle(op: Op, error: Error | undefined, value: unknown): void {
    this.record({ kind: 'settle', op, error, value });
  }

  /** {@inheritDoc CoreEffects.persist} */
  persist(record: PersistRecord): void {
    this.record({ kind: 'persist', record });
  }

  /** {@inheritDoc CoreEffects.unpersist} */
  unpersist(keyspace: Keyspace, key: StoreKey): void {
    this.record({ kind: 'unpersist', keyspace, key });
  }

  /** {@inheritDoc CoreEffects.close} */
  close(error: Error | undefined): void {
    this.record({ kind: 'close', error });
  }

  /** {@inheritDoc CoreEffects.connected} */
  connected(info: ConnectedInfo): void {
    this.record({ kind: 'connected', info });
  }

  /** {@inheritDoc CoreEffects.ready} */
  ready(): void {
    this.record({ kind: 'ready' });
  }

  /** {@inheritDoc CoreEffects.serverDisconnect} */
  serverDisconnect(packet: DisconnectPacket): void {
    this.record({ kind: 'serverDisconnect', packet });
  }

  /** {@inheritDoc CoreEffects.auth} */
  auth(packet: AuthPacket): void {
    this.record({ kind: 'auth', packet });
  }
}
