/**
 * The sans-IO protocol core of the client. Internal to `@mqttx/client` (the driver builds on it); see
 * `README.md` in this folder for the driver's contract.
 * @module
 */
export { ClientCore, type CoreStatus, type Credentials } from './core.js';
export type { Authenticator, ConnectedInfo, CoreEffects, PersistRecord, ServerLimits } from './effects.js';
export {
  ConnectOp,
  DisconnectOp,
  PublishOp,
  PublishState,
  ReauthOp,
  RequestState,
  SubscribeOp,
  UnsubscribeOp,
  type Op,
} from './ops.js';
export { resolveOptions, type CoreOptions, type PersistenceMode, type QueueLimits, type QueuePolicy, type ResolvedOptions, type SharedOptions } from './options.js';
export { MAX_PACKET_ID, PacketIdAllocator } from './packet-ids.js';
export { RecordingEffects, type Action } from './recording.js';
export { META_SESSION, type SessionSnapshot } from './session.js';
export { Fifo } from './fifo.js';
