/**
 * The raw floor at QoS 1 and 2 for bench:e2e: the least a client must do per message over a plain socket,
 * with no library. Frames are split with a minimal fixed-header parser; acks are hand-built; everything a
 * read makes sendable goes out in ONE socket write. No validation, no session, no timers: a floor, not a
 * client.
 */

/** Calls `onPacket(type, flags, buf, bodyStart, bodyEnd)` for each whole packet; returns the unused tail. */
export function frames(buf, onPacket) {
  let p = 0;
  while (p + 2 <= buf.length) {
    let len = 0;
    let mul = 1;
    let i = p + 1;
    for (; i < buf.length && i < p + 5; i++) {
      len += (buf[i] & 0x7f) * mul;
      mul *= 128;
      if ((buf[i] & 0x80) === 0) break;
    }
    if (i >= buf.length) break;
    const start = i + 1;
    const end = start + len;
    if (end > buf.length) break;
    onPacket(buf[p] >> 4, buf[p] & 0x0f, buf, start, end);
    p = end;
  }
  return p === buf.length ? undefined : buf.subarray(p);
}

/** A 4-byte ack (PUBACK 0x40, PUBREC 0x50, PUBREL 0x62, PUBCOMP 0x70) for `id`, written into `out` at `o`. */
export function putAck(out, o, first, id) {
  out[o] = first;
  out[o + 1] = 2;
  out[o + 2] = id >> 8;
  out[o + 3] = id & 0xff;
  return o + 4;
}

/**
 * Raw QoS 1/2 publisher over a connected socket: `run(n)` publishes `n` pre-encoded copies of one packet,
 * each with its own packet id (1..65535, wrapping), at most `window` unacknowledged, and resolves after
 * the last PUBACK / PUBCOMP.
 */
export function rawPublisher(socket, packet, idOffset, qos, window) {
  let tail;
  let done = 0;
  let sent = 0;
  let total = 0;
  let nextId = 1;
  let resolveRun;
  const size = packet.length;
  const scratch = Buffer.allocUnsafe(Math.max(size, 4) * (window + 1) * 2);
  let o = 0;
  const publishOne = () => {
    packet.copy(scratch, o);
    scratch[o + idOffset] = nextId >> 8;
    scratch[o + idOffset + 1] = nextId & 0xff;
    nextId = nextId === 65535 ? 1 : nextId + 1;
    o += size;
    sent++;
  };
  const flush = () => {
    if (o > 0) socket.write(Buffer.from(scratch.subarray(0, o)));
    o = 0;
  };
  const onPacket = (type, _flags, buf, start) => {
    if (type === 4 || type === 7) {
      // PUBACK / PUBCOMP: one more done; the window has room for one more
      if (++done === total) return;
      if (sent < total) publishOne();
    } else if (type === 5) {
      o = putAck(scratch, o, 0x62, (buf[start] << 8) | buf[start + 1]); // PUBREC -> PUBREL
    }
  };
  socket.on('data', (chunk) => {
    const buf = tail === undefined ? chunk : Buffer.concat([tail, chunk]);
    tail = frames(buf, onPacket);
    flush();
    if (done === total && resolveRun) {
      const r = resolveRun;
      resolveRun = undefined;
      r();
    }
  });
  return {
    run(n) {
      return new Promise((resolve) => {
        done = 0;
        sent = 0;
        total = n;
        resolveRun = resolve;
        while (sent < n && sent < window) publishOne();
        flush();
      });
    },
  };
}

/**
 * Raw QoS 1/2 subscriber over a connected socket: acknowledges every PUBLISH (PUBACK, or PUBREC then
 * PUBCOMP on PUBREL) and calls `onMessage()` per PUBLISH.
 */
export function rawSubscriber(socket, onMessage, onSuback) {
  let tail;
  const scratch = Buffer.allocUnsafe(1 << 20);
  let o = 0;
  const onPacket = (type, flags, buf, start) => {
    if (type === 3) {
      const qos = (flags >> 1) & 3;
      if (qos > 0) {
        const topicLen = (buf[start] << 8) | buf[start + 1];
        const id = (buf[start + 2 + topicLen] << 8) | buf[start + 3 + topicLen];
        o = putAck(scratch, o, qos === 1 ? 0x40 : 0x50, id);
      }
      onMessage();
    } else if (type === 6) {
      o = putAck(scratch, o, 0x70, (buf[start] << 8) | buf[start + 1]); // PUBREL -> PUBCOMP
    } else if (type === 9) onSuback();
    if (o > scratch.length - 8) {
      socket.write(Buffer.from(scratch.subarray(0, o)));
      o = 0;
    }
  };
  socket.on('data', (chunk) => {
    const buf = tail === undefined ? chunk : Buffer.concat([tail, chunk]);
    tail = frames(buf, onPacket);
    if (o > 0) {
      socket.write(Buffer.from(scratch.subarray(0, o)));
      o = 0;
    }
  });
}
