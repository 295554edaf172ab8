/**
 * The verbose packet log of `mqttx broker -v`: one line per packet with its direction, link, client id,
 * type and key fields. Passwords and authentication data are never shown (a CONNECT shows the user name
 * and whether a password was sent).
 * @module
 */
import type { Packet } from '@mqttx/codec';
import type { PacketRecord } from '@mqttx/testkit';

/** `HH:MM:SS.mmm` in UTC. */
export function clockTime(ms: number): string {
  return new Date(ms).toISOString().slice(11, 23);
}

/** A string shown bare when it is plain printable ASCII without spaces, else JSON-quoted. */
export function quoteIfNeeded(text: string): string {
  return /^[\x21-\x7e]+$/.test(text) ? text : JSON.stringify(text);
}

/** `0x87` */
export function hex(code: number): string {
  return `0x${code.toString(16).padStart(2, '0')}`;
}

function flag(value: boolean | undefined): string {
  return value === true ? '1' : '0';
}

/** The key fields of a packet, as `name=value` words (no secrets). */
export function packetFields(packet: Packet): string {
  switch (packet.type) {
    case 'connect': {
      const words = [`client-id=${quoteIfNeeded(packet.clientId)}`, `v=${packet.protocolVersion === 5 ? '5' : packet.protocolVersion === 4 ? '3.1.1' : '3.1'}`];
      words.push(`clean=${flag(packet.clean)}`, `keepalive=${packet.keepalive}`);
      if (packet.username !== undefined) words.push(`user=${quoteIfNeeded(packet.username)}`);
      if (packet.password !== undefined) words.push('password=(set)');
      if (packet.will !== undefined) words.push(`will=${quoteIfNeeded(packet.will.topic)}`, `will-qos=${packet.will.qos}`);
      const expiry = packet.properties?.sessionExpiryInterval;
      if (expiry !== undefined) words.push(`session-expiry=${expiry}`);
      return words.join(' ');
    }
    case 'connack':
      return `rc=${hex(packet.reasonCode)} session-present=${flag(packet.sessionPresent)}`;
    case 'publish': {
      const words = [`topic=${quoteIfNeeded(packet.topic)}`, `qos=${packet.qos}`, `retain=${flag(packet.retain)}`, `dup=${flag(packet.dup)}`];
      if (packet.packetId !== undefined) words.push(`id=${packet.packetId}`);
      words.push(`bytes=${packet.payload.length}`);
      return words.join(' ');
    }
    case 'puback':
    case 'pubrec':
    case 'pubrel':
    case 'pubcomp':
      return packet.reasonCode === undefined || packet.reasonCode === 0 ? `id=${packet.packetId}` : `id=${packet.packetId} rc=${hex(packet.reasonCode)}`;
    case 'subscribe':
      return `id=${packet.packetId} filters=${packet.subscriptions.map((s) => `${quoteIfNeeded(s.topicFilter)}:${s.qos}`).join(',')}`;
    case 'suback':
      return `id=${packet.packetId} rc=${packet.reasonCodes.map(hex).join(',')}`;
    case 'unsubscribe':
      return `id=${packet.packetId} filters=${packet.topicFilters.map(quoteIfNeeded).join(',')}`;
    case 'unsuback':
      return packet.reasonCodes === undefined ? `id=${packet.packetId}` : `id=${packet.packetId} rc=${packet.reasonCodes.map(hex).join(',')}`;
    case 'disconnect':
    case 'auth':
      return packet.reasonCode === undefined ? '' : `rc=${hex(packet.reasonCode)}`;
    case 'pingreq':
    case 'pingresp':
      return '';
  }
}

/**
 * One log line for a broker packet record:
 * `12:00:01.250 in  #3 sensor-1 publish topic=a/b qos=1 retain=0 dup=0 id=1 bytes=5`.
 * `wallMs` is the time to print (the record's own `t` is the broker clock, which may not be wall time).
 */
export function formatPacketRecord(record: PacketRecord, wallMs: number): string {
  const dir = record.direction === 'in' ? 'in ' : 'out';
  const who = `#${record.connId} ${record.clientId === undefined ? '-' : quoteIfNeeded(record.clientId)}`;
  if (record.packet === null) return `${clockTime(wallMs)} ${dir} ${who} raw bytes=${record.raw?.length ?? 0}`;
  const fields = packetFields(record.packet);
  return `${clockTime(wallMs)} ${dir} ${who} ${record.packet.type}${fields === '' ? '' : ` ${fields}`}`;
}
