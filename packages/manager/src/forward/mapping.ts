/**
 * Topic mapping of a forwarder: exact topics and wildcard patterns mapped onto templates, where `{1}`,
 * `{2}`, ... stand for what the pattern's wildcards matched (`sensors/+/temperature` ->
 * `storage/{1}/temp`; a `#` captures the rest of the topic, slashes included), `{topic}` for the whole
 * source topic and `{session}` for the source session's name.
 * @module
 */
import { isValidTopicFilter, isValidTopicName } from '@mqttx/codec';
import { badField } from '../validate.js';

/** One piece of a compiled template: literal text, a capture index, or a named value. */
type Piece = string | number | { name: 'topic' | 'session' };

interface Pattern {
  /** Pattern levels, `+` and `#` included. */
  levels: string[];
  template: Piece[];
}

const PLACEHOLDER = /\{(\d+|topic|session)\}/g;

function compileTemplate(template: string, captures: number, field: string): Piece[] {
  const pieces: Piece[] = [];
  let last = 0;
  for (const m of template.matchAll(PLACEHOLDER)) {
    if (m.index > last) pieces.push(template.slice(last, m.index));
    const key = m[1]!;
    if (key === 'topic' || key === 'session') pieces.push({ name: key });
    else {
      const n = Number(key);
      if (n < 1 || n > captures) throw badField(field, `uses {${n}} but the pattern has ${captures} wildcard(s)`);
      pieces.push(n - 1);
    }
    last = m.index + m[0].length;
  }
  if (last < template.length) pieces.push(template.slice(last));
  if (/[+#]/.test(template.replace(PLACEHOLDER, ''))) throw badField(field, 'must not contain wildcards');
  return pieces;
}

function render(pieces: readonly Piece[], captures: readonly string[], topic: string, session: string): string {
  let out = '';
  for (const p of pieces) {
    if (typeof p === 'string') out += p;
    else if (typeof p === 'number') out += captures[p]!;
    else out += p.name === 'topic' ? topic : session;
  }
  return out;
}

/**
 * Matches `levels` against the topic's levels without splitting the topic (this runs once per forwarded
 * message); returns the captures (substrings of `topic`) or undefined.
 */
function match(levels: readonly string[], topic: string): string[] | undefined {
  // [MQTT-4.7.2-1]: a filter starting with a wildcard does not match a topic starting with `$`.
  if (topic.charCodeAt(0) === 0x24 && (levels[0] === '+' || levels[0] === '#')) return undefined;
  const captures: string[] = [];
  let start = 0;
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i]!;
    if (level === '#') {
      // `a/#` also matches `a` itself [MQTT-4.7.1-2]: the capture is then empty.
      captures.push(start > topic.length ? '' : topic.slice(start));
      return captures;
    }
    if (start > topic.length) return undefined; // the topic has fewer levels
    let end = topic.indexOf('/', start);
    if (end < 0) end = topic.length;
    if (level === '+') captures.push(topic.slice(start, end));
    else if (end - start !== level.length || !topic.startsWith(level, start)) return undefined;
    start = end + 1;
  }
  return start > topic.length ? captures : undefined;
}

/**
 * A compiled topic mapping. Exact topics are looked up first, then patterns are tried in the order given;
 * a topic nothing maps keeps its name.
 */
export class TopicMapper {
  private readonly exact = new Map<string, Piece[]>();
  private readonly patterns: Pattern[] = [];

  /**
   * @param mapping - source topic or filter -> target template
   * @param field - field name for errors (`topicMapping`)
   * @throws {@link ManagerError} `ERR_CONFIGURATION` naming the bad entry
   */
  constructor(mapping: Record<string, string> | undefined, field = 'topicMapping') {
    if (mapping === undefined) return;
    for (const [from, to] of Object.entries(mapping)) {
      const f = `${field}[${JSON.stringify(from)}]`;
      if (typeof to !== 'string' || to === '') throw badField(f, 'must be a non-empty topic template');
      if (!isValidTopicFilter(from)) throw badField(f, 'key must be a topic or topic filter');
      const levels = from.split('/');
      const captures = levels.filter((l) => l === '+' || l === '#').length;
      const template = compileTemplate(to, captures, f);
      if (captures === 0) this.exact.set(from, template);
      else this.patterns.push({ levels, template });
    }
  }

  /** True when there is nothing to map. */
  get empty(): boolean {
    return this.exact.size === 0 && this.patterns.length === 0;
  }

  /**
   * The target topic of `topic` (received on `session`).
   * @returns the mapped topic, `topic` itself when nothing maps it, or undefined when the mapped result is
   *   not a valid topic name (an empty capture at the start, say)
   */
  map(topic: string, session: string): string | undefined {
    const exact = this.exact.get(topic);
    if (exact !== undefined) return checked(render(exact, [], topic, session));
    const patterns = this.patterns;
    for (let i = 0; i < patterns.length; i++) {
      const p = patterns[i]!;
      const captures = match(p.levels, topic);
      if (captures !== undefined) return checked(render(p.template, captures, topic, session));
    }
    return topic;
  }
}

function checked(topic: string): string | undefined {
  return isValidTopicName(topic) ? topic : undefined;
}
