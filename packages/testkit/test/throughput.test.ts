/**
 * 20,000 messages through the broker, all delivered in order at the QoS sent (load behaviour, not timing:
 * timings are printed for information and never asserted; speed is measured in bench/).
 */
import { describe, expect, it } from 'vitest';
import { encode } from '@mqttx/codec';
import { harness } from './helpers/harness.js';

const h = harness();
const N = 20_000;

describe('throughput', () => {
  it.each([0, 1] as const)(`${N} QoS %i messages from one client to another`, async (qos) => {
    await h.start({ records: false });
    const sub = await h.client({ clientId: 'sub' });
    await sub.subscribe('load/#', qos);
    const pub = await h.client({ clientId: 'pub' });
    const payload = Buffer.alloc(64, 0x61);
    const started = performance.now();
    pub.stream.cork();
    for (let i = 0; i < N; i++) {
      const packetId = qos === 0 ? undefined : (i % 65535) + 1;
      pub.stream.write(encode({ type: 'publish', topic: 'load/t', payload, qos, retain: false, dup: false, packetId, properties: undefined }, { protocolVersion: 5 }));
    }
    pub.stream.uncork();
    const got = () => sub.received.length - 2; // minus CONNACK and SUBACK
    await sub.until(() => got() >= N, 20_000);
    if (qos === 1) await pub.until(() => pub.all('puback').length >= N, 20_000);
    const ms = performance.now() - started;
    console.log(`throughput: ${N} QoS ${qos} messages in ${ms.toFixed(0)} ms`);
    expect(got()).toBe(N);
    expect(sub.all('publish').every((p) => p.qos === qos && p.topic === 'load/t')).toBe(true);
  });
});
