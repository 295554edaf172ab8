/**
 * TopicMapper's matcher (index-based, no split) against the codec's `matchTopic` and a split-based
 * reference of the captures, on random topics and filters. Seeded: `MQTTX_SEED=<n>` replays a run.
 */
import { isValidTopicFilter, isValidTopicName, matchTopic } from '@mqttx/codec';
import fc from 'fast-check';
import { TopicMapper } from 'mqttx';
import { describe, expect, it } from 'vitest';

const SEED = process.env.MQTTX_SEED ? Number(process.env.MQTTX_SEED) : (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;
console.log(`[manager mapping.test] fast-check seed ${SEED} (replay: MQTTX_SEED=${SEED})`);

/** Captures of `filter` on `topic` by splitting both (the obvious way), or undefined. */
function reference(filter: string, topic: string): string[] | undefined {
  if (!matchTopic(filter, topic)) return undefined;
  const f = filter.split('/');
  const t = topic.split('/');
  const out: string[] = [];
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') out.push(t.slice(i).join('/'));
    else if (f[i] === '+') out.push(t[i]!);
  }
  return out;
}

const level = fc.constantFrom('', 'a', 'b', 'ab', '$s', 'a$');
const topicArb = fc.array(level, { minLength: 1, maxLength: 5 }).map((l) => l.join('/'));
const filterArb = fc.array(fc.constantFrom('', 'a', 'b', 'ab', '$s', '+', '+'), { minLength: 1, maxLength: 5 }).chain((l) =>
  fc.boolean().map((hash) => (hash ? [...l, '#'] : l).join('/')),
);

describe('TopicMapper', () => {
  it('[MQTT-4.7.1-2] [MQTT-4.7.2-1] matches exactly what matchTopic matches, with the same captures', () => {
    fc.assert(
      fc.property(filterArb, topicArb, (filter, topic) => {
        fc.pre(isValidTopicFilter(filter) && isValidTopicName(topic));
        const captures = reference(filter, topic);
        const wildcards = filter.split('/').filter((l) => l === '+' || l === '#').length;
        if (wildcards === 0) return;
        const template = `out/${Array.from({ length: wildcards }, (_, i) => `{${i + 1}}`).join('|')}`;
        const mapped = new TopicMapper({ [filter]: template }).map(topic, 's');
        if (captures === undefined) expect(mapped).toBe(topic);
        else {
          const expected = `out/${captures.join('|')}`;
          expect(mapped).toBe(isValidTopicName(expected) ? expected : undefined);
        }
      }),
      { seed: SEED, numRuns: 3000 },
    );
  });
});
