/**
 * Benchmark cases of the codec benchmark: one packet per case, in our shape and in mqtt-packet's shape.
 * Each case names the protocol version and the role of the decoder that reads it.
 */

const topic16 = 'sensors/room-042'; // 16 bytes
const payload64 = Buffer.alloc(64, 0x61);

/** Ten topic filters for the SUBSCRIBE case. */
const filters = Array.from({ length: 10 }, (_, i) => `site/${i}/+/temperature/#`);

/**
 * @typedef {object} BenchCase
 * @property {string} name
 * @property {string} title
 * @property {4 | 5} version
 * @property {'client' | 'server'} receiver  role of the decoder that reads the packet
 * @property {object} ours  our packet object
 * @property {object} mp  mqtt-packet's packet object
 */

/** @type {BenchCase[]} */
export const CASES = [
  {
    name: 'publish-qos1-v4',
    title: 'PUBLISH QoS 1, 16 B topic, 64 B payload (3.1.1)',
    version: 4,
    receiver: 'client',
    ours: { type: 'publish', topic: topic16, payload: payload64, qos: 1, retain: false, dup: false, packetId: 4242, properties: undefined },
    mp: { cmd: 'publish', topic: topic16, payload: payload64, qos: 1, retain: false, dup: false, messageId: 4242 },
  },
  {
    name: 'publish-qos1-v5',
    title: 'PUBLISH QoS 1, 16 B topic, 64 B payload, no properties (5.0)',
    version: 5,
    receiver: 'client',
    ours: { type: 'publish', topic: topic16, payload: payload64, qos: 1, retain: false, dup: false, packetId: 4242, properties: undefined },
    mp: { cmd: 'publish', topic: topic16, payload: payload64, qos: 1, retain: false, dup: false, messageId: 4242 },
  },
  {
    name: 'publish-props-v5',
    title: 'PUBLISH QoS 1 with message expiry, content type, one user property (5.0)',
    version: 5,
    receiver: 'client',
    ours: {
      type: 'publish',
      topic: topic16,
      payload: payload64,
      qos: 1,
      retain: false,
      dup: false,
      packetId: 4242,
      properties: { messageExpiryInterval: 3600, contentType: 'application/json', userProperties: [['trace', 'abc123']] },
    },
    mp: {
      cmd: 'publish',
      topic: topic16,
      payload: payload64,
      qos: 1,
      retain: false,
      dup: false,
      messageId: 4242,
      properties: { messageExpiryInterval: 3600, contentType: 'application/json', userProperties: { trace: 'abc123' } },
    },
  },
  {
    name: 'subscribe-10-v5',
    title: 'SUBSCRIBE with 10 filters and subscription options (5.0)',
    version: 5,
    receiver: 'server',
    ours: {
      type: 'subscribe',
      packetId: 7,
      subscriptions: filters.map((f) => ({ topicFilter: f, qos: 1, noLocal: false, retainAsPublished: false, retainHandling: 0 })),
      properties: undefined,
    },
    mp: {
      cmd: 'subscribe',
      messageId: 7,
      subscriptions: filters.map((f) => ({ topic: f, qos: 1, nl: false, rap: false, rh: 0 })),
    },
  },
  {
    name: 'connect-will-v4',
    title: 'CONNECT with will, user name and password (3.1.1)',
    version: 4,
    receiver: 'server',
    ours: {
      type: 'connect',
      protocolVersion: 4,
      clientId: 'bench-client-0001',
      clean: true,
      keepalive: 60,
      username: 'user',
      password: Buffer.from('secret'),
      will: { topic: 'clients/bench-client-0001/status', payload: Buffer.from('offline'), qos: 1, retain: true, properties: undefined },
      properties: undefined,
    },
    mp: {
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 4,
      clientId: 'bench-client-0001',
      clean: true,
      keepalive: 60,
      username: 'user',
      password: Buffer.from('secret'),
      will: { topic: 'clients/bench-client-0001/status', payload: Buffer.from('offline'), qos: 1, retain: true },
    },
  },
  // Varied cases: the same packet kinds with strings that change from one packet to the next (256 distinct
  // topics, client ids and filter sets), so no cache of recently seen strings can help.
  {
    name: 'publish-varied-v5',
    title: 'PUBLISH QoS 1, 256 distinct 16-19 B topics, 64 B payload (5.0)',
    version: 5,
    receiver: 'client',
    oursList: Array.from({ length: 256 }, (_, i) => ({ type: 'publish', topic: `sensors/room-${i}/t`, payload: payload64, qos: 1, retain: false, dup: false, packetId: i + 1, properties: undefined })),
    mpList: Array.from({ length: 256 }, (_, i) => ({ cmd: 'publish', topic: `sensors/room-${i}/t`, payload: payload64, qos: 1, retain: false, dup: false, messageId: i + 1 })),
  },
  {
    name: 'subscribe-varied-v5',
    title: 'SUBSCRIBE with 10 filters, 256 distinct filter sets (5.0)',
    version: 5,
    receiver: 'server',
    oursList: Array.from({ length: 256 }, (_, i) => ({
      type: 'subscribe',
      packetId: i + 1,
      subscriptions: Array.from({ length: 10 }, (_, k) => ({ topicFilter: `site/${i}/${k}/+/temperature/#`, qos: 1, noLocal: false, retainAsPublished: false, retainHandling: 0 })),
      properties: undefined,
    })),
    mpList: Array.from({ length: 256 }, (_, i) => ({
      cmd: 'subscribe',
      messageId: i + 1,
      subscriptions: Array.from({ length: 10 }, (_, k) => ({ topic: `site/${i}/${k}/+/temperature/#`, qos: 1, nl: false, rap: false, rh: 0 })),
    })),
  },
  {
    name: 'connect-varied-v4',
    title: 'CONNECT with will, user name and password, 256 distinct client ids (3.1.1)',
    version: 4,
    receiver: 'server',
    oursList: Array.from({ length: 256 }, (_, i) => ({
      type: 'connect', protocolVersion: 4, clientId: `bench-client-${1000 + i}`, clean: true, keepalive: 60, username: `user-${i}`, password: Buffer.from('secret'),
      will: { topic: `clients/bench-client-${1000 + i}/status`, payload: Buffer.from('offline'), qos: 1, retain: true, properties: undefined }, properties: undefined,
    })),
    mpList: Array.from({ length: 256 }, (_, i) => ({
      cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: `bench-client-${1000 + i}`, clean: true, keepalive: 60, username: `user-${i}`, password: Buffer.from('secret'),
      will: { topic: `clients/bench-client-${1000 + i}/status`, payload: Buffer.from('offline'), qos: 1, retain: true },
    })),
  },
];
