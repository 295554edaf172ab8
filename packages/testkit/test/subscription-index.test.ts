/** The subscription trie against the codec's matchTopic (property test, seed printed), and its bookkeeping. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isValidTopicFilter, matchTopic } from '@mqttx/codec';
import { Session } from '../src/session.js';
import { SharedGroup, SubscriptionEntry, SubscriptionIndex, type MatchResult } from '../src/subscriptions.js';

function entry(session: Session, filter: string, shareName: string | null = null): SubscriptionEntry {
  return new SubscriptionEntry(session, shareName === null ? filter : `$share/${shareName}/${filter}`, filter, shareName, 0, false, false, 0, undefined);
}

const seed = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);

describe('SubscriptionIndex', () => {
  it(`matches exactly like matchTopic, $ rule included [MQTT-4.7.2-1] (fast-check seed ${seed})`, () => {
    console.log(`subscription-index property seed: ${seed} (rerun with FC_SEED=${seed})`);
    const level = fc.constantFrom('a', 'b', 'c', '$s', '');
    const filterLevel = fc.constantFrom('a', 'b', '$s', '', '+', '#');
    const topic = fc.array(level, { minLength: 1, maxLength: 4 }).map((l) => l.join('/')).filter((t) => t.length > 0);
    const filter = fc.array(filterLevel, { minLength: 1, maxLength: 4 }).map((l) => l.join('/')).filter(isValidTopicFilter);
    fc.assert(
      fc.property(fc.uniqueArray(filter, { maxLength: 12 }), fc.array(topic, { minLength: 1, maxLength: 5 }), (filters, topics) => {
        const index = new SubscriptionIndex();
        const entries = filters.map((f, i) => entry(new Session(`c${i}`), f));
        for (const e of entries) index.add(e);
        const out: MatchResult = { subs: [], groups: [] };
        for (const t of topics) {
          index.match(t, out);
          const got = out.subs.map((e) => e.filter).sort();
          const want = filters.filter((f) => matchTopic(f, t)).sort();
          expect(got).toEqual(want);
        }
      }),
      { seed, numRuns: 300 },
    );
  });

  it('replaces per client and filter, removes and prunes, keeps shared groups apart', () => {
    const index = new SubscriptionIndex();
    const a = new Session('a');
    const b = new Session('b');
    const first = entry(a, 'x/+');
    index.add(first);
    const replacement = entry(a, 'x/+');
    index.add(replacement);
    index.add(entry(b, 'x/+'));
    const ga = entry(a, 'x/#', 'g');
    const gb = entry(b, 'x/#', 'g');
    index.add(ga);
    index.add(gb);
    expect(index.size).toBe(4);
    const out: MatchResult = { subs: [], groups: [] };
    index.match('x/y', out);
    expect(out.subs.map((e) => e.session.clientId).sort()).toEqual(['a', 'b']);
    expect(out.subs).toContain(replacement);
    expect(out.groups).toHaveLength(1);
    expect(out.groups[0]!.members).toEqual([ga, gb]);
    index.remove(first); // stale entry: no-op
    expect(index.size).toBe(4);
    index.remove(replacement);
    index.remove(ga);
    index.remove(gb);
    expect(index.size).toBe(1);
    index.match('x/y', out);
    expect(out.groups).toEqual([]);
    expect(out.subs.map((e) => e.session.clientId)).toEqual(['b']);
  });

  it('shared groups pick round robin, preferring connected members', () => {
    const group = new SharedGroup('g');
    const sessions = ['a', 'b', 'c'].map((id) => new Session(id));
    for (const s of sessions) group.members.push(entry(s, 't', 'g'));
    const picks = () => Array.from({ length: 6 }, () => group.pick()!.session.clientId).join('');
    expect(picks()).toBe('abcabc'); // nobody connected: plain rotation (queued for offline sessions)
    sessions[1]!.connection = {} as never;
    expect(picks()).toBe('bbbbbb');
  });
});
