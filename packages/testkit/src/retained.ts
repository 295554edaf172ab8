/**
 * Retained messages: at most one per topic name. Not part of any session: they outlive sessions
 * [MQTT-3.1.2-7 (3.1.1)].
 * @module
 */
import { matchTopic } from '@mqttx/codec';
import type { AppMessage } from './message.js';

/** The retained message store. */
export class RetainedStore {
  private readonly byTopic = new Map<string, AppMessage>();

  /** Number of retained messages. */
  get size(): number {
    return this.byTopic.size;
  }

  /**
   * Applies a PUBLISH with RETAIN=1: replaces the topic's retained message [MQTT-3.3.1-5], or removes it
   * when the payload is empty, in which case nothing is stored [MQTT-3.3.1-6] [MQTT-3.3.1-7].
   */
  apply(msg: AppMessage): void {
    if (msg.payload.length === 0) this.byTopic.delete(msg.topic);
    else this.byTopic.set(msg.topic, msg);
  }

  /** The retained message of a topic. */
  get(topic: string): AppMessage | undefined {
    return this.byTopic.get(topic);
  }

  /** Removes the retained message of a topic. */
  delete(topic: string): boolean {
    return this.byTopic.delete(topic);
  }

  /** Removes every retained message. */
  clear(): void {
    this.byTopic.clear();
  }

  /**
   * Retained messages matching `topicFilter`, dropping the expired ones on the way [MQTT-3.3.2-5].
   * @param now - broker clock time used for expiry
   */
  match(topicFilter: string, now: number): AppMessage[] {
    const out: AppMessage[] = [];
    for (const [topic, msg] of this.byTopic) {
      if (msg.expiresAt <= now) {
        this.byTopic.delete(topic);
        continue;
      }
      if (matchTopic(topicFilter, topic)) out.push(msg); // [MQTT-4.7.2-1] applies: no '$' topics for wildcards
    }
    return out;
  }

  /** Every retained message (for introspection). */
  values(): AppMessage[] {
    return [...this.byTopic.values()];
  }
}
