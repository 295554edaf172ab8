/**
 * A scripted in-memory MQTT server for driver tests that need exact control over what the server sends
 * and how it is chunked (enhanced authentication, which the testkit broker does not do; packets glued into
 * one read). Built on `createDuplexPair` / `fromDuplex` from the transport and the codec only.
 *
 * ```ts
 * const server = new ScriptServer((packet, link) => {
 *   if (packet.type === 'connect') link.send({ type: 'connack', sessionPresent: false, reasonCode: 0 });
 * });
 * const client = new MqttClient({ connector: server.connector, clientId: 'x' });
 * ```
 */
import { Decoder, encode, type Packet } from '@mqttx/codec';
import { createDuplexPair, fromDuplex, type Connection } from '@mqttx/transport';
import type { Duplex } from 'node:stream';
import type { ClientConnector } from '../../src/index.js';

/** The server end of one in-memory link. */
export class ServerLink {
  /** Packets received on this link, in order. */
  readonly received: Packet[] = [];
  /** Protocol version learned from CONNECT. */
  version: 4 | 5 = 5;
  private readonly stream: Duplex;
  private readonly decoder = new Decoder({ protocolVersion: 'auto' });
  /** Resolves when the link is closed. */
  readonly closed: Promise<void>;

  /**
   * @param stream - the server end of a duplex pair
   * @param onPacket - called for each packet from the client
   */
  constructor(stream: Duplex, onPacket: (packet: Packet, link: ServerLink) => void) {
    this.stream = stream;
    this.closed = new Promise((resolve) => stream.once('close', () => resolve()));
    stream.on('error', () => undefined);
    stream.on('data', (chunk: Buffer) => {
      let packets: Packet[];
      try {
        packets = this.decoder.push(chunk);
      } catch {
        stream.destroy();
        return;
      }
      for (const p of packets) {
        if (p.type === 'connect') this.version = p.protocolVersion === 5 ? 5 : 4;
        this.received.push(p);
        onPacket(p, this);
      }
    });
  }

  /** Encodes `packets` and writes them as one chunk. */
  send(...packets: Packet[]): void {
    this.sendRaw(Buffer.concat(packets.map((p) => encode(p, { protocolVersion: this.version }))));
  }

  /** Writes raw bytes. */
  sendRaw(bytes: Buffer): void {
    if (!this.stream.destroyed) this.stream.write(bytes);
  }

  /** Closes the link (EOF to the client). */
  end(): void {
    this.stream.end();
  }

  /** Cuts the link. */
  destroy(): void {
    this.stream.destroy();
  }
}

/** A server reachable through its {@link ScriptServer.connector}. */
export class ScriptServer {
  /** Every link opened so far. */
  readonly links: ServerLink[] = [];
  /** A connector for `MqttClient`'s `connector` option. */
  readonly connector: ClientConnector;
  private readonly onPacket: (packet: Packet, link: ServerLink) => void;

  /** @param onPacket - the script: called for every packet any client sends */
  constructor(onPacket: (packet: Packet, link: ServerLink) => void) {
    this.onPacket = onPacket;
    this.connector = async (): Promise<Connection> => {
      const [client, server] = createDuplexPair();
      this.links.push(new ServerLink(server, this.onPacket));
      return fromDuplex(client);
    };
  }

  /** The most recent link. */
  get last(): ServerLink {
    const link = this.links[this.links.length - 1];
    if (link === undefined) throw new Error('no link yet');
    return link;
  }

  /** Destroys every link and waits until they are closed. */
  async close(): Promise<void> {
    for (const l of this.links) l.destroy();
    await Promise.all(this.links.map((l) => l.closed));
  }
}
