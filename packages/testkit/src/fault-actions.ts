/**
 * How fault actions are carried out on a link, for inbound packets (before processing) and outbound ones
 * (before writing). See {@link FaultAction} for the meaning of each action.
 * @module
 */
import type { Connection } from './connection.js';
import type { FaultAction, FaultHandle, PacketContext } from './faults.js';

/** Applies `action` to an inbound packet. */
export function applyInbound(conn: Connection, action: FaultAction, handle: FaultHandle | undefined, ctx: PacketContext): void {
  const p = ctx.packet;
  switch (action.type) {
    case 'drop':
      if (action.when === 'before') conn.close('abrupt', true);
      else {
        conn.handle(p);
        conn.close('graceful', true);
      }
      return;
    case 'withhold':
      if (handle !== undefined) handle.hold(ctx, () => conn.handle(p));
      return;
    case 'delay':
      conn.later(action.ms, () => conn.handle(p));
      return;
    case 'replace': {
      const r = typeof action.with === 'function' ? action.with(ctx) : action.with;
      // Raw bytes are decoded after the current packet, as if they had just arrived.
      if (Buffer.isBuffer(r)) queueMicrotask(() => conn.ingest(r));
      else conn.handle(r);
      return;
    }
    case 'disconnect':
      if (action.when === 'after') conn.handle(p);
      conn.disconnectWith(action.reasonCode ?? 0x80, action.properties);
      return;
    case 'pauseReading':
      conn.handle(p);
      conn.pauseReading();
      return;
  }
}

/** Applies `action` to an outbound packet. */
export function applyOutbound(conn: Connection, action: FaultAction, handle: FaultHandle | undefined, ctx: PacketContext): void {
  const p = ctx.packet;
  switch (action.type) {
    case 'drop':
      if (action.when === 'before') conn.close('abrupt', true);
      else {
        conn.write(p);
        conn.close('graceful', true); // flushed first: the client gets the packet, then EOF
      }
      return;
    case 'withhold':
      if (handle !== undefined) handle.hold(ctx, () => conn.write(p));
      return;
    case 'delay':
      conn.later(action.ms, () => conn.write(p));
      return;
    case 'replace': {
      const r = typeof action.with === 'function' ? action.with(ctx) : action.with;
      if (Buffer.isBuffer(r)) conn.writeRaw(r);
      else conn.write(r);
      return;
    }
    case 'disconnect':
      if (action.when === 'after') conn.write(p);
      conn.disconnectWith(action.reasonCode ?? 0x80, action.properties);
      return;
    case 'pauseReading':
      conn.write(p);
      conn.pauseReading();
      return;
  }
}
