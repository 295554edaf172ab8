/**
 * The "raw socket" floor of the benchmarks: a handful of hand-built MQTT packets (no library) and a socket
 * that sent CONNECT and got CONNACK. Only what the benchmarks need: CONNECT (clean, no credentials),
 * SUBSCRIBE (one filter), PUBLISH (QoS 0, or 1/2 with a packet id to patch), DISCONNECT, for MQTT 3.1.1 (4)
 * and 5.0 (5) with no properties. The QoS 1/2 flows are in raw-flow.mjs.
 */
import { connect as netConnect } from 'node:net';

function varint(n) {
  const out = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return out;
}

function str(s) {
  const b = Buffer.from(s, 'utf8');
  return [b.length >> 8, b.length & 0xff, ...b];
}

function packet(first, body) {
  return Buffer.from([first, ...varint(body.length), ...body]);
}

/** CONNECT with Clean Session / Clean Start, keepalive in seconds, no credentials, no properties. */
export function connectPacket(clientId, version = 5, keepalive = 60) {
  const body = [...str('MQTT'), version, 0x02, keepalive >> 8, keepalive & 0xff];
  if (version === 5) body.push(0); // property length
  body.push(...str(clientId));
  return packet(0x10, body);
}

/** SUBSCRIBE packet id 1, one filter at `qos`. */
export function subscribePacket(filter, qos, version = 5) {
  const body = [0, 1];
  if (version === 5) body.push(0);
  body.push(...str(filter), qos);
  return packet(0x82, body);
}

/** PUBLISH QoS 0, no retain, no properties. */
export function publishPacket(topic, payload, version = 5) {
  const body = [...str(topic)];
  if (version === 5) body.push(0);
  return packet(0x30, [...body, ...payload]);
}

/**
 * PUBLISH QoS 1 or 2 with packet id 0 (patch it per message at `idOffset`), no retain, no properties.
 * @returns {{ packet: Buffer, idOffset: number }}
 */
export function publishPacketQos(topic, payload, qos, version = 5) {
  const body = [...str(topic), 0, 0];
  if (version === 5) body.push(0);
  const packet = packetOf(0x30 | (qos << 1), [...body, ...payload]);
  const idOffset = packet.length - payload.length - (version === 5 ? 3 : 2);
  return { packet, idOffset };
}

function packetOf(first, body) {
  return packet(first, body);
}

/** DISCONNECT (normal). */
export const DISCONNECT = Buffer.from([0xe0, 0x00]);

/**
 * Connects a socket, sends CONNECT and resolves with the socket once the CONNACK arrived (refusal rejects).
 * Bytes after the CONNACK in the same read are handed to `onExtra`. `localAddress` picks the source address.
 * @returns {Promise<import('node:net').Socket>}
 */
export function rawConnect({ host, port, clientId, version = 5, keepalive = 60, localAddress }) {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host, port, localAddress, noDelay: true });
    let buf = Buffer.alloc(0);
    const onData = (chunk) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      if (buf.length < 2) return;
      let len = 0;
      let mul = 1;
      let i = 1;
      for (; i < buf.length; i++) {
        len += (buf[i] & 0x7f) * mul;
        mul *= 128;
        if ((buf[i] & 0x80) === 0) break;
      }
      if (i >= buf.length || buf.length < i + 1 + len) return;
      socket.off('data', onData);
      socket.off('error', reject);
      const rc = buf[i + 2];
      if (buf[0] !== 0x20 || rc !== 0) {
        socket.destroy();
        reject(new Error(`CONNACK refused: ${rc}`));
        return;
      }
      socket.extra = buf.subarray(i + 1 + len);
      resolve(socket);
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.once('connect', () => socket.write(connectPacket(clientId, version, keepalive)));
  });
}
