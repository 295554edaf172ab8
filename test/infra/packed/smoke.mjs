/**
 * Run by test/infra/packed-install.test.ts from a temp app whose node_modules holds the PACKED @mqttx/codec,
 * @mqttx/transport and @mqttx/client (plus `bl`): `node smoke.mjs <broker url>`. For MQTT 3.1.1 and 5.0 it
 * connects, subscribes to its own topics, publishes QoS 0, 1 and 2, waits for the three messages and ends;
 * it also round-trips a packet through the packed codec and checks the error classes of the entry points.
 * Prints one JSON line on stdout; any failure exits non-zero (the test reads stderr then).
 */
import { ConfigError, MqttxError, connect } from '@mqttx/client';
import { decode, encode } from '@mqttx/codec';
import { CodecError, MqttxError as CodecMqttxError } from '@mqttx/codec/errors';

const url = process.argv[2];

/** One client session against the broker: the three messages as received, and what the publishes resolved to. */
async function session(protocolVersion) {
  const client = await connect({ brokers: url, clientId: `packed-smoke-v${protocolVersion}`, protocolVersion, reconnect: false });
  const received = [];
  let allThree;
  const done = new Promise((resolve) => (allThree = resolve));
  client.on('message', (msg) => {
    received.push({ topic: msg.topic, qos: msg.qos, payload: msg.payload.toString('utf8') });
    if (received.length === 3) allThree();
  });
  const grants = await client.subscribe({ 'packed/#': { qos: 2 } });
  const acks = [];
  for (const qos of [0, 1, 2]) {
    const ack = await client.publish(`packed/q${qos}`, `hello ${qos}`, { qos });
    acks.push(ack === undefined ? null : ack.type);
  }
  await done;
  await client.end();
  received.sort((a, b) => a.qos - b.qos);
  return { protocolVersion, grants: grants.map((g) => g.qos), acks, received, status: client.status };
}

const sessions = [await session(4), await session(5)];

const packet = { type: 'publish', topic: 'a/b', payload: Buffer.from('x'), qos: 1, retain: false, dup: false, packetId: 9 };
const back = decode(encode(packet, { protocolVersion: 5 }), { protocolVersion: 5 });

let codecError = null;
try {
  decode(Buffer.from([0x00, 0x00]), { protocolVersion: 5 });
} catch (err) {
  codecError = { code: err.code, isCodecError: err instanceof CodecError, isMqttxError: err instanceof MqttxError };
}

let configError = null;
try {
  await connect({ brokers: [], clientId: 'x' });
} catch (err) {
  configError = { code: err.code, isConfigError: err instanceof ConfigError, isMqttxError: err instanceof MqttxError };
}

process.stdout.write(
  `${JSON.stringify({
    resolved: import.meta.resolve('@mqttx/client'),
    sessions,
    roundTrip: { topic: back.topic, packetId: back.packetId, payload: back.payload.toString('utf8') },
    oneMqttxError: MqttxError === CodecMqttxError,
    codecError,
    configError,
  })}\n`,
);
