/**
 * The configuration of a forwarder and its validation.
 * @module
 */
import { isValidTopicFilter } from '@mqttx/codec';
import type { QoS, SessionMessage } from '../session/message.js';
import { OVERFLOW_POLICIES, type OverflowPolicy } from '../routing/mailbox.js';
import { badField, checkKeys, isRecord, optBool, optFunction, optInt, optQos, reqString } from '../validate.js';
import { TopicMapper } from './mapping.js';

/** A forwarder's filter: keep the message (true) or not; may be async. */
export type ForwardFilter = (message: SessionMessage) => boolean | Promise<boolean>;

/** A forwarder's transform: the message to send (`message.with({...})`), or null to drop it; may be async. */
export type ForwardTransform = (
  message: SessionMessage,
) => SessionMessage | null | undefined | Promise<SessionMessage | null | undefined>;

/** What a full buffer does: `backpressure`, `drop-oldest` or `drop-newest` (see the README). */
export type DropPolicy = OverflowPolicy;

/** Configuration of a forwarder. */
export interface ForwarderConfig {
  /** Unique name (the `forwarder` metric label). */
  name: string;
  /** Sessions messages are taken from. */
  sourceSessions: string[];
  /** Topic filters subscribed on every source session. */
  sourceTopics: string[];
  /** Session the messages are published on. */
  targetSession: string;
  /** Source topic or filter -> target template (`{1}`... the wildcards, `{topic}`, `{session}`). Default: same topic. */
  topicMapping?: Record<string, string>;
  /** QoS of the target publish. Default: the QoS the message arrived with. */
  qos?: QoS;
  /** RETAIN of the target publish: `keep` the source flag (default) or `clear` it. */
  retain?: 'keep' | 'clear';
  /** Added to every message: 5.0 user properties; for 3.1.1 targets inside the envelope (see `envelope`). */
  metadata?: Record<string, string>;
  /** MQTT 3.1.1 targets: wrap payload, metadata and hop count in a JSON envelope. Default false. */
  envelope?: boolean;
  /** Started by `ForwarderManager.addForwarder` / `startAll`. Default true. */
  enabled?: boolean;
  /** Keeps a message (true) or filters it out; sync or async. */
  filter?: ForwardFilter;
  /** Rewrites a message, or null to drop it; sync or async. */
  transform?: ForwardTransform;
  /** Most messages between receipt and the target publish resolving. Default 1000. */
  bufferSize?: number;
  /** What a full buffer does. Default `backpressure`. */
  dropPolicy?: DropPolicy;
  /** Loop guard: a message that already went through this many forwarders is dropped. Default 8. */
  maxHops?: number;
}

/** A validated configuration. @internal */
export interface ResolvedForwarderConfig {
  name: string;
  sourceSessions: string[];
  sourceTopics: string[];
  targetSession: string;
  mapper: TopicMapper;
  qos: QoS | undefined;
  clearRetain: boolean;
  metadata: Array<[string, string]>;
  envelope: boolean;
  enabled: boolean;
  filter: ForwardFilter | undefined;
  transform: ForwardTransform | undefined;
  bufferSize: number;
  dropPolicy: DropPolicy;
  maxHops: number;
}

const KEYS = [
  'name',
  'sourceSessions',
  'sourceTopics',
  'targetSession',
  'topicMapping',
  'qos',
  'retain',
  'metadata',
  'envelope',
  'enabled',
  'filter',
  'transform',
  'bufferSize',
  'dropPolicy',
  'maxHops',
];

/** Default buffer bound of a forwarder. */
export const DEFAULT_FORWARDER_BUFFER = 1000;
/** Default loop guard. */
export const DEFAULT_MAX_HOPS = 8;

function stringList(value: unknown, field: string, check?: (s: string) => boolean): string[] {
  if (!Array.isArray(value) || value.length === 0) throw badField(field, 'must be a non-empty list');
  return value.map((v: unknown, i) => {
    const s = reqString(v, `${field}[${i}]`);
    if (check !== undefined && !check(s)) throw badField(`${field}[${i}]`, 'is not a valid topic filter');
    return s;
  });
}

/**
 * Checks a forwarder configuration.
 * @throws {@link ManagerError} `ERR_CONFIGURATION` naming the bad field
 */
export function resolveForwarderConfig(config: ForwarderConfig): ResolvedForwarderConfig {
  if (!isRecord(config as unknown)) throw badField('config', 'must be an object');
  const c = config as unknown as Record<string, unknown>;
  checkKeys(c, KEYS, '');
  const retain = c.retain ?? 'keep';
  if (retain !== 'keep' && retain !== 'clear') throw badField('retain', "must be 'keep' or 'clear'");
  const dropPolicy = (c.dropPolicy ?? 'backpressure') as DropPolicy;
  if (!OVERFLOW_POLICIES.includes(dropPolicy)) throw badField('dropPolicy', `must be one of ${OVERFLOW_POLICIES.join(', ')}`);
  const metadata: Array<[string, string]> = [];
  if (c.metadata !== undefined) {
    if (!isRecord(c.metadata)) throw badField('metadata', 'must be an object of strings');
    for (const [k, v] of Object.entries(c.metadata)) {
      if (typeof v !== 'string') throw badField(`metadata.${k}`, 'must be a string');
      metadata.push([k, v]);
    }
  }
  const topicMapping = c.topicMapping;
  if (topicMapping !== undefined && !isRecord(topicMapping)) throw badField('topicMapping', 'must be an object');
  return {
    name: reqString(c.name, 'name'),
    sourceSessions: stringList(c.sourceSessions, 'sourceSessions'),
    sourceTopics: stringList(c.sourceTopics, 'sourceTopics', isValidTopicFilter),
    targetSession: reqString(c.targetSession, 'targetSession'),
    mapper: new TopicMapper(topicMapping as Record<string, string> | undefined),
    qos: optQos(c.qos, 'qos'),
    clearRetain: retain === 'clear',
    metadata,
    envelope: optBool(c.envelope, 'envelope') ?? false,
    enabled: optBool(c.enabled, 'enabled') ?? true,
    filter: optFunction<ForwardFilter>(c.filter, 'filter'),
    transform: optFunction<ForwardTransform>(c.transform, 'transform'),
    bufferSize: optInt(c.bufferSize, 'bufferSize', 1) ?? DEFAULT_FORWARDER_BUFFER,
    dropPolicy,
    maxHops: optInt(c.maxHops, 'maxHops', 1) ?? DEFAULT_MAX_HOPS,
  };
}
