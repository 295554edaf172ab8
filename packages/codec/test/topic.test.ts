/**
 * Topic names, topic filters, wildcard matching and shared subscriptions (5.0 sections 4.7, 4.8; 3.1.1
 * section 4.7). Where the statement numbers differ between versions, the 5.0 ID comes first.
 */
import { describe, expect, it } from 'vitest';
import {
  CodecError,
  isValidTopicFilter,
  isValidTopicName,
  matchTopic,
  parseSharedSubscription,
  validateTopicFilter,
  validateTopicName,
} from '@mqttx/codec';

function codeOf(fn: () => void): { code: string; reasonCode: number | undefined } | undefined {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CodecError);
    return { code: (err as CodecError).code, reasonCode: (err as CodecError).reasonCode };
  }
  return undefined;
}

describe('validateTopicName', () => {
  const valid = ['a', 'a/b', '/', '//', 'a/', '/a', '$SYS/broker', 'sport/tennis/player1', '\u00FC/\u20AC/\u{1D11E}', ' ', 'x'.repeat(65535)];
  for (const topic of valid) {
    it(`accepts ${JSON.stringify(topic.length > 20 ? `${topic.slice(0, 10)}... (${topic.length})` : topic)}`, () => {
      expect(codeOf(() => validateTopicName(topic))).toBeUndefined();
      expect(isValidTopicName(topic)).toBe(true);
    });
  }

  const invalid: Array<[string, string]> = [
    ['', '[MQTT-4.7.3-1] at least one character'],
    ['a/+', '[MQTT-4.7.0-1] [MQTT-3.3.2-2] no + in a topic name'],
    ['+', '[MQTT-4.7.0-1] no lone +'],
    ['a/#', '[MQTT-4.7.0-1] [MQTT-3.3.2-2] no # in a topic name'],
    ['a+b', '[MQTT-4.7.0-1] no + inside a level either'],
    ['a\u0000b', '[MQTT-4.7.3-2] no U+0000'],
    ['a\uDC00', '[MQTT-1.5.4-1] no lone surrogate'],
    ['x'.repeat(65536), '[MQTT-4.7.3-3] at most 65535 bytes'],
    ['\u20AC'.repeat(21846), '[MQTT-4.7.3-3] the limit counts UTF-8 bytes (65538), not characters'],
  ];
  for (const [topic, title] of invalid) {
    it(`${title}`, () => {
      expect(codeOf(() => validateTopicName(topic))).toEqual({ code: 'ERR_INVALID_TOPIC', reasonCode: 0x90 });
      expect(isValidTopicName(topic)).toBe(false);
    });
  }

  it('rejects a non-string', () => {
    expect(codeOf(() => validateTopicName(42 as unknown as string))?.code).toBe('ERR_INVALID_TOPIC');
  });
});

describe('validateTopicFilter', () => {
  const valid = [
    '#',
    '+',
    'a/#',
    '+/+',
    '/+',
    '+/',
    'sport/tennis/+',
    'sport/+/player1',
    '+/tennis/#',
    'a//b',
    '$SYS/#',
    '$share/group/a/+',
    '$share/g/#',
    '$share',
    '$shared/x',
  ];
  for (const filter of valid) {
    it(`accepts ${JSON.stringify(filter)}`, () => {
      expect(codeOf(() => validateTopicFilter(filter))).toBeUndefined();
      expect(isValidTopicFilter(filter)).toBe(true);
    });
  }

  const invalid: Array<[string, string]> = [
    ['', '[MQTT-4.7.3-1] at least one character'],
    ['a/#/b', '[MQTT-4.7.1-1] # must be last'],
    ['a#', '[MQTT-4.7.1-1] # must follow a separator'],
    ['#/', '[MQTT-4.7.1-1] nothing after #'],
    ['a/b#', '[MQTT-4.7.1-1] # must be a whole level'],
    ['a+', '[MQTT-4.7.1-2] + must occupy a whole level'],
    ['+a', '[MQTT-4.7.1-2] + must occupy a whole level (leading)'],
    ['a/+b/c', '[MQTT-4.7.1-2] + must occupy a whole level (middle)'],
    ['a\u0000', '[MQTT-4.7.3-2] no U+0000'],
    ['x'.repeat(65536), '[MQTT-4.7.3-3] at most 65535 bytes'],
    ['$share/', '[MQTT-4.8.2-1] ShareName of at least one character'],
    ['$share//a', '[MQTT-4.8.2-1] empty ShareName'],
    ['$share/g', '[MQTT-4.8.2-2] ShareName followed by / and a filter'],
    ['$share/g/', '[MQTT-4.8.2-2] an empty inner filter'],
    ['$share/g+/a', '[MQTT-4.8.2-2] no + in the ShareName'],
    ['$share/#/a', '[MQTT-4.8.2-2] no # in the ShareName'],
    ['$share/g/a/#/b', '[MQTT-4.7.1-1] the inner filter follows the wildcard rules'],
  ];
  for (const [filter, title] of invalid) {
    it(`${title}: ${JSON.stringify(filter.length > 20 ? filter.slice(0, 10) : filter)}`, () => {
      expect(codeOf(() => validateTopicFilter(filter))).toEqual({ code: 'ERR_INVALID_TOPIC_FILTER', reasonCode: 0x8f });
      expect(isValidTopicFilter(filter)).toBe(false);
    });
  }
});

describe('parseSharedSubscription', () => {
  it('[MQTT-4.8.2-1] splits $share/{ShareName}/{filter}', () => {
    expect(parseSharedSubscription('$share/consumers/sport/+/score')).toEqual({
      group: 'consumers',
      filter: 'sport/+/score',
    });
    expect(parseSharedSubscription('$share/g/#')).toEqual({ group: 'g', filter: '#' });
  });

  it('returns undefined for an ordinary filter', () => {
    expect(parseSharedSubscription('a/b')).toBeUndefined();
    expect(parseSharedSubscription('$share')).toBeUndefined();
    expect(parseSharedSubscription('$SYS/share/x')).toBeUndefined();
  });

  it('[MQTT-4.8.2-2] throws for a malformed shared subscription', () => {
    expect(codeOf(() => parseSharedSubscription('$share/g'))?.code).toBe('ERR_INVALID_TOPIC_FILTER');
    expect(codeOf(() => parseSharedSubscription('$share/a+b/x'))?.code).toBe('ERR_INVALID_TOPIC_FILTER');
  });
});

describe('matchTopic', () => {
  const table: Array<[string, string, boolean, string]> = [
    // exact
    ['a/b', 'a/b', true, 'equal names'],
    ['a/b', 'a/c', false, 'different last level'],
    ['a/b', 'a/b/c', false, 'topic longer'],
    ['a/b/c', 'a/b', false, 'filter longer'],
    ['a/b', 'a/bc', false, 'level prefix is not a match'],
    ['a/bc', 'a/b', false, 'level prefix is not a match (other side)'],
    ['A/b', 'a/b', false, '[MQTT-4.7.3-4] case sensitive, no normalization'],
    ['a/b', 'a/b/', false, 'a trailing separator adds an empty level'],
    ['a/', 'a/', true, 'trailing empty levels match'],
    ['a/', 'a', false, 'a/ has two levels'],
    ['a//b', 'a//b', true, 'empty middle level'],
    // +
    ['sport/tennis/+', 'sport/tennis/player1', true, '+ matches one level'],
    ['sport/tennis/+', 'sport/tennis/player1/ranking', false, '+ matches only one level'],
    ['sport/+', 'sport', false, '+ needs the level to exist'],
    ['sport/+', 'sport/', true, '+ matches an empty level'],
    ['+/+', '/finance', true, '+ matches the empty first level'],
    ['/+', '/finance', true, 'leading separator then +'],
    ['+', '/finance', false, '+ does not span a separator'],
    ['+/b/+', 'a/b/c', true, 'several + levels'],
    ['+', 'x', true, '+ alone matches a one-level name'],
    // #
    ['sport/tennis/player1/#', 'sport/tennis/player1', true, '[MQTT-4.7.1-2] # also matches the parent level'],
    ['sport/tennis/player1/#', 'sport/tennis/player1/ranking', true, '# matches one child level'],
    ['sport/tennis/player1/#', 'sport/tennis/player1/score/wimbledon', true, '# matches many child levels'],
    ['sport/#', 'sport', true, '# parent match'],
    ['sport/#', 'sports', false, 'not a parent: level prefix'],
    ['#', 'a/b/c', true, '# alone matches everything'],
    ['#', '/', true, '# matches empty levels'],
    ['a/+/#', 'a/b', true, '+ then # (parent)'],
    ['a/+/#', 'a', false, '+ still needs its level'],
    // $ topics [MQTT-4.7.2-1]
    ['#', '$SYS/broker/clients', false, '[MQTT-4.7.2-1] # does not match a $ topic'],
    ['+/monitor/Clients', '$SYS/monitor/Clients', false, '[MQTT-4.7.2-1] + does not match a $ first level'],
    ['$SYS/#', '$SYS/monitor/Clients', true, '$SYS/# matches $SYS topics'],
    ['$SYS/monitor/+', '$SYS/monitor/Clients', true, 'explicit $SYS prefix then +'],
    ['a/+', 'a/$x', true, 'only the first level is special'],
    // shared subscriptions
    ['$share/g/a/+', 'a/b', true, 'shared subscription matches its inner filter'],
    ['$share/g/a/+', '$share/g/a/b', false, 'not the full filter text'],
    ['$share/g/#', '$SYS/x', false, '[MQTT-4.7.2-1] inner # still skips $ topics'],
    ['$share/g/#', 'x/y', true, 'inner #'],
  ];
  for (const [filter, topic, expected, title] of table) {
    it(`${title}: ${filter} ${expected ? 'matches' : 'does not match'} ${topic}`, () => {
      expect(matchTopic(filter, topic)).toBe(expected);
    });
  }
});
