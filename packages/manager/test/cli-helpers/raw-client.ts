/**
 * A bare MQTT client made of the codec and the transport, for checking the CLI's broker without depending
 * on `@mqttx/client`: send packets, await the next decoded one.
 */
import { Decoder, encode, type Packet } from '@mqttx/codec';
import { connect, type Connection, type ConnectOptions } from '@mqttx/transport';

/** A raw MQTT connection. */
export class RawMqtt {
  private readonly queue: Packet[] = [];
  private waiter: { resolve: (p: Packet) => void; reject: (e: Error) => void } | undefined;
  private closedError: Error | undefined;

  private constructor(
    readonly conn: Connection,
    readonly version: 4 | 5,
  ) {
    const decoder = new Decoder({ protocolVersion: version });
    conn.on('data', (chunk) => {
      for (const packet of decoder.push(chunk)) this.deliver(packet);
    });
    conn.on('close', (err) => {
      this.closedError = err ?? new Error('connection closed');
      this.waiter?.reject(this.closedError);
      this.waiter = undefined;
    });
  }

  /** Opens a connection and completes CONNECT / CONNACK (throws on a refusal). */
  static async open(url: string, clientId: string, version: 4 | 5, options: ConnectOptions = {}, extra: { username?: string; password?: Buffer } = {}): Promise<RawMqtt> {
    const conn = await connect(url, { connectTimeout: 5000, ...options });
    const raw = new RawMqtt(conn, version);
    raw.send({ type: 'connect', protocolVersion: version, clientId, clean: true, keepalive: 30, ...extra });
    const connack = await raw.next();
    if (connack.type !== 'connack' || connack.reasonCode !== 0) throw new Error(`CONNACK refused: ${JSON.stringify(connack)}`);
    return raw;
  }

  private deliver(packet: Packet): void {
    if (this.waiter !== undefined) {
      const w = this.waiter;
      this.waiter = undefined;
      w.resolve(packet);
    } else {
      this.queue.push(packet);
    }
  }

  /** Sends a packet. */
  send(packet: Packet): void {
    this.conn.write(encode(packet, { protocolVersion: this.version }));
  }

  /** The next packet received (queued or to come). */
  next(): Promise<Packet> {
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.closedError !== undefined) return Promise.reject(this.closedError);
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  /** Resolves when the connection is closed (by either side). */
  closed(): Promise<void> {
    if (this.closedError !== undefined) return Promise.resolve();
    return new Promise((resolve) => this.conn.once('close', () => resolve()));
  }

  /** Sends DISCONNECT and closes. */
  async close(): Promise<void> {
    if (this.closedError === undefined) {
      this.send({ type: 'disconnect' });
      await this.conn.end();
    }
  }
}
