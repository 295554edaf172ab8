/**
 * Turns a forwarder's declarative `filter` into a predicate over messages.
 * @module
 */
import type { MessageFilterConfig } from './types.js';

/** What a message filter looks at. */
export interface FilterableMessage {
  /** Topic name. */
  topic: string;
  /** Payload bytes (compared as UTF-8). */
  payload: Buffer;
}

/**
 * Compiles a {@link MessageFilterConfig}: the predicate is true when every given condition holds
 * (`topicRegex` matches the topic, the UTF-8 payload contains `payloadContains` and matches `payloadRegex`).
 * The regular expressions are compiled once here.
 */
export function compileMessageFilter(filter: MessageFilterConfig): (msg: FilterableMessage) => boolean {
  const topic = filter.topicRegex === undefined ? undefined : new RegExp(filter.topicRegex);
  const contains = filter.payloadContains === undefined ? undefined : Buffer.from(filter.payloadContains, 'utf8');
  const payload = filter.payloadRegex === undefined ? undefined : new RegExp(filter.payloadRegex);
  return (msg) => {
    if (topic !== undefined && !topic.test(msg.topic)) return false;
    if (contains !== undefined && msg.payload.indexOf(contains) === -1) return false;
    if (payload !== undefined && !payload.test(msg.payload.toString('utf8'))) return false;
    return true;
  };
}
