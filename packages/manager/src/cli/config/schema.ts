/**
 * The schema of a `mqttx run` config and the checks across its parts (unique names, references between
 * sessions, forwarders and routes, topic mapping templates, TLS files). {@link validateRunConfig} lists
 * every problem by path before anything connects.
 * @module
 */
import { isValidTopicFilter, isValidTopicName } from '@mqttx/codec';
import { BROKER_URL_MESSAGE, parseBrokerUrl } from '../broker-url.js';
import type { Problem } from '../errors.js';
import type {
  ConnectPropsConfig,
  FileStorageConfig,
  ForwarderConfig,
  MemoryStorageConfig,
  MessageFilterConfig,
  MetricsConfig,
  PerformanceConfig,
  QoS,
  RedisStorageConfig,
  RouteConfig,
  RunConfig,
  SessionConfig,
  StatusConfig,
  TlsConfig,
  WillConfig,
} from './types.js';
import {
  arrayOf,
  fail,
  boolean,
  filePath,
  indexPath,
  isPlainObject,
  integer,
  joinPath,
  map,
  number,
  object,
  oneOf,
  oneOrMany,
  optional,
  record,
  required,
  string,
  tagged,
  type Check,
  type FieldsOf,
  type WalkContext,
} from './walker.js';

const ms = integer(0);
const bytes = integer(1);
const qos: Check<QoS> = oneOf([0, 1, 2]);
const filterString = string({ test: (s) => (isValidTopicFilter(s) ? undefined : 'must be a valid MQTT topic filter') });
const name = string({ nonEmpty: true });
const anyString = string();
/** A string, or a number / boolean taken as its text (metadata values such as `version: 2`). */
const scalarString: Check<string> = (v, path, ctx) => (typeof v === 'number' || typeof v === 'boolean' ? String(v) : anyString(v, path, ctx));

/** An object check that also refuses an object with no key at all. */
function nonEmpty<T>(check: Check<T>, message: string): Check<T> {
  return (value, path, ctx) => (isPlainObject(value) && Object.keys(value).length === 0 ? fail(ctx, path, message) : check(value, path, ctx));
}

function regexProblem(text: string): string | undefined {
  try {
    new RegExp(text);
    return undefined;
  } catch {
    return 'must be a valid regular expression';
  }
}

const session = object({
  name: required(name),
  brokers: required(oneOrMany(string({ test: (s) => (parseBrokerUrl(s) === undefined ? BROKER_URL_MESSAGE : undefined) }))),
  clientId: optional(string()),
  username: optional(string()),
  password: optional(string()),
  protocolVersion: optional(map(oneOf([4, 5, '3.1.1', '4', '5', '5.0']), (v): 4 | 5 => (v === 4 || v === '4' || v === '3.1.1' ? 4 : 5))),
  tls: optional(
    object({
      caFile: optional(filePath({ mustExist: true })),
      certFile: optional(filePath({ mustExist: true })),
      keyFile: optional(filePath({ mustExist: true })),
      skipVerify: optional(boolean()),
    } satisfies FieldsOf<TlsConfig>),
  ),
  connectProps: optional(
    object({
      keepAlive: optional(integer(0, 65535)),
      cleanSession: optional(boolean()),
      autoReconnect: optional(boolean()),
      connectTimeout: optional(ms),
      initialReconnectInterval: optional(ms),
      maxReconnectInterval: optional(ms),
      backoffFactor: optional(number(1)),
      persistentSession: optional(boolean()),
      resumeSubs: optional(boolean()),
    } satisfies FieldsOf<ConnectPropsConfig>),
  ),
  performance: optional(
    object({
      writeBufferSize: optional(bytes),
      readBufferSize: optional(bytes),
      messageChanSize: optional(integer(1)),
      maxMessageSize: optional(integer(1, 268_435_460)),
      maxPendingMessages: optional(integer(0)),
      writeTimeout: optional(ms),
      readTimeout: optional(ms),
    } satisfies FieldsOf<PerformanceConfig>),
  ),
  storage: optional(
    tagged('type', {
      memory: object({ type: required(oneOf(['memory'])) } satisfies FieldsOf<MemoryStorageConfig>),
      file: object({
        type: required(oneOf(['file'])),
        dir: required(filePath({ mustExist: false })),
        fsync: optional(oneOf(['always', 'batch', 'none'])),
      } satisfies FieldsOf<FileStorageConfig>),
      redis: object({
        type: required(oneOf(['redis'])),
        address: required(string({ test: (s) => (/^rediss?:\/\/[^/\s]/.test(s) ? undefined : 'must be a redis:// or rediss:// URL') })),
        username: optional(string()),
        password: optional(string()),
        db: optional(integer(0, 65535)),
        keyPrefix: optional(string()),
      } satisfies FieldsOf<RedisStorageConfig>),
    }),
  ),
  topics: optional(
    arrayOf(
      map(object({ topic: required(filterString), qos: optional(qos) }), (t) => ({ topic: t.topic, qos: t.qos ?? 0 })),
    ),
  ),
  will: optional(
    object({
      topic: required(string({ test: (s) => (isValidTopicName(s) ? undefined : 'must be a topic name without + or # wildcards') })),
      payload: optional(anyString),
      qos: optional(qos),
      retain: optional(boolean()),
    } satisfies FieldsOf<WillConfig>),
  ),
} satisfies FieldsOf<SessionConfig>) satisfies Check<SessionConfig>;

const forwarder = object({
  name: required(name),
  sourceSessions: required(oneOrMany(name)),
  sourceTopics: required(oneOrMany(filterString)),
  targetSession: required(name),
  topicMapping: optional(record(string(), (k) => (isValidTopicFilter(k) ? undefined : 'must be a valid MQTT topic filter'))),
  qos: optional(qos),
  retain: optional(oneOf(['keep', 'clear'])),
  metadata: optional(record(scalarString)),
  envelope: optional(boolean()),
  filter: optional(
    nonEmpty(
      object({
        topicRegex: optional(string({ test: regexProblem })),
        payloadContains: optional(string()),
        payloadRegex: optional(string({ test: regexProblem })),
      } satisfies FieldsOf<MessageFilterConfig>),
      'needs at least one of topicRegex, payloadContains, payloadRegex',
    ),
  ),
  enabled: optional(boolean()),
  bufferSize: optional(integer(1)),
  dropPolicy: optional(oneOf(['backpressure', 'drop-oldest', 'drop-newest'])),
  maxHops: optional(integer(1)),
} satisfies FieldsOf<ForwarderConfig>) satisfies Check<ForwarderConfig>;

const route = object({
  name: optional(name),
  session: optional(name),
  filter: required(filterString),
  qos: optional(qos),
  action: required(oneOf(['log'])),
  format: optional(oneOf(['text', 'json'])),
} satisfies FieldsOf<RouteConfig>);

const METRIC_PREFIX = /^(?:[a-zA-Z_:][a-zA-Z0-9_:]*)?$/;

const root = object({
  sessions: required(arrayOf(session, { min: 1 })),
  forwarders: optional(arrayOf(forwarder)),
  routes: optional(arrayOf(route)),
  metrics: optional(
    object({
      port: required(integer(0, 65535)),
      host: optional(string({ nonEmpty: true })),
      path: optional(string({ test: (s) => (s.startsWith('/') ? undefined : "must start with '/'") })),
      prefix: optional(string({ test: (s) => (METRIC_PREFIX.test(s) ? undefined : 'must be a Prometheus metric name prefix ([a-zA-Z_:][a-zA-Z0-9_:]*)') })),
    } satisfies FieldsOf<MetricsConfig>),
  ),
  status: optional(object({ intervalMs: optional(integer(100)) })),
});

/** Options of {@link validateRunConfig}. */
export interface ValidateOptions {
  /** Environment for `${VAR}` references. */
  env: Readonly<Record<string, string | undefined>>;
  /** Directory relative file paths (TLS files, file store) are resolved against: the config file's. */
  baseDir?: string;
  /**
   * Checks that a file can be read: a problem message (`cannot read ... (ENOENT)`) or undefined. Without
   * it, files are not checked.
   */
  checkFile?: (path: string) => string | undefined;
}

/** Result of {@link validateRunConfig}. */
export type ValidationResult = { ok: true; config: RunConfig } | { ok: false; problems: Problem[] };

/** Default live status interval, ms. */
export const DEFAULT_STATUS_INTERVAL_MS = 1000;

/**
 * Validates a parsed config document (from JSON or YAML): shape and types of every field, `${VAR}`
 * references and TLS files, then the checks across parts (names, references, mappings), which run on
 * whatever could be read so that one run lists every problem. Returns the problems, or the typed config.
 */
export function validateRunConfig(raw: unknown, options: ValidateOptions): ValidationResult {
  const ctx: WalkContext = { problems: [], env: options.env, baseDir: options.baseDir, checkFile: options.checkFile };
  const doc = root(raw, '', ctx);
  if (doc === undefined) return { ok: false, problems: ctx.problems };
  const config: RunConfig = {
    sessions: doc.sessions ?? [],
    forwarders: doc.forwarders ?? [],
    routes: doc.routes ?? [],
    status: { intervalMs: doc.status?.intervalMs ?? DEFAULT_STATUS_INTERVAL_MS } satisfies StatusConfig,
  };
  if (doc.metrics !== undefined) config.metrics = doc.metrics;
  crossCheck(config, ctx);
  return ctx.problems.length === 0 ? { ok: true, config } : { ok: false, problems: ctx.problems };
}

/** Items of a list that may hold holes (failed items) while problems exist. */
function present<T>(list: readonly (T | undefined)[]): Array<[T, number]> {
  const out: Array<[T, number]> = [];
  list.forEach((item, i) => {
    if (item !== undefined && isPlainObject(item)) out.push([item, i]);
  });
  return out;
}

/** Reports a second use of a name in a list. */
function uniqueNames(list: string, items: Array<[{ name?: string }, number]>, ctx: WalkContext, what: string): Map<string, number> {
  const seen = new Map<string, number>();
  for (const [item, i] of items) {
    if (item.name === undefined) continue;
    const first = seen.get(item.name);
    if (first === undefined) seen.set(item.name, i);
    else fail(ctx, `${indexPath(list, i)}.name`, `duplicate ${what} name (also ${indexPath(list, first)}.name)`);
  }
  return seen;
}

/**
 * Checks across parts. The config may be partial here (see {@link Check}): every access is defensive, and a
 * name that failed its own check is simply not known.
 */
function crossCheck(config: RunConfig, ctx: WalkContext): void {
  const sessions = present<SessionConfig>(config.sessions);
  const names = uniqueNames('sessions', sessions, ctx, 'session');
  const nameOk = (n: unknown): boolean => typeof n !== 'string' || names.has(n) || !allSessionsNamed(config, sessions);
  for (const [s, i] of sessions) checkSession(s, i, sessions, ctx);

  const forwarders = present<ForwarderConfig>(config.forwarders);
  uniqueNames('forwarders', forwarders, ctx, 'forwarder');
  for (const [f, i] of forwarders) {
    const at = indexPath('forwarders', i);
    (f.sourceSessions ?? []).forEach((s, j) => {
      if (!nameOk(s)) fail(ctx, `${at}.sourceSessions[${j}]`, `no session named '${s}'`);
    });
    if (!nameOk(f.targetSession)) fail(ctx, `${at}.targetSession`, `no session named '${f.targetSession}'`);
    for (const [from, to] of Object.entries(f.topicMapping ?? {})) {
      const message = isValidTopicFilter(from) ? mappingProblem(from, to) : undefined;
      if (message !== undefined) fail(ctx, joinPath(`${at}.topicMapping`, from), message);
    }
  }

  const routes = present<RouteConfig>(config.routes);
  uniqueNames('routes', routes, ctx, 'route');
  for (const [r, i] of routes) {
    if (r.session !== undefined && !nameOk(r.session)) fail(ctx, `${indexPath('routes', i)}.session`, `no session named '${r.session}'`);
  }
}

/** False when some session's name could not be read (then references are not checked: it may be that one). */
function allSessionsNamed(config: RunConfig, sessions: Array<[SessionConfig, number]>): boolean {
  return sessions.length === config.sessions.length && sessions.every(([s]) => typeof s.name === 'string');
}

function checkSession(s: SessionConfig, index: number, all: Array<[SessionConfig, number]>, ctx: WalkContext): void {
  const at = indexPath('sessions', index);
  // MQTT 3.1.1: "If the User Name Flag is set to 0, the Password Flag MUST be set to 0" [MQTT-3.1.2-22].
  if (s.protocolVersion === 4 && s.password !== undefined && s.username === undefined) {
    fail(ctx, `${at}.password`, 'MQTT 3.1.1 sends a password only with a username: set username too');
  }
  if (s.clientId !== undefined && s.clientId !== '' && Array.isArray(s.brokers)) {
    for (const [other, j] of all) {
      if (j >= index) break;
      if (other.clientId === s.clientId && Array.isArray(other.brokers) && other.brokers.some((b) => b !== undefined && s.brokers.includes(b))) {
        fail(ctx, `${at}.clientId`, `same clientId and broker as ${indexPath('sessions', j)}: the two would keep taking over each other`);
        break;
      }
    }
  }
  const cp = s.connectProps;
  if (cp?.initialReconnectInterval !== undefined && cp.maxReconnectInterval !== undefined && cp.maxReconnectInterval < cp.initialReconnectInterval) {
    fail(ctx, `${at}.connectProps.maxReconnectInterval`, 'must be >= initialReconnectInterval');
  }
  const tls = s.tls;
  if (tls !== undefined && (tls.certFile === undefined) !== (tls.keyFile === undefined)) {
    fail(ctx, `${at}.tls`, 'certFile and keyFile go together');
  }
}

/** Counts the `+` and `#` levels of a filter. */
function wildcardCount(filter: string): number {
  let n = 0;
  for (const level of filter.split('/')) if (level === '+' || level === '#') n++;
  return n;
}

/**
 * Checks a topic mapping template against its filter: `{n}` must name one of the filter's wildcard levels
 * (1-based), and the template with its placeholders filled must be a valid topic name (no wildcards).
 */
export function mappingProblem(from: string, to: string): string | undefined {
  const wildcards = wildcardCount(from);
  let bad: string | undefined;
  const filled = to.replace(/\{(\d+)\}/g, (_m, n: string) => {
    const i = Number(n);
    if (i < 1 || i > wildcards) bad ??= `{${n}} does not name a wildcard of the filter (it has ${wildcards})`;
    return 'x';
  });
  if (bad !== undefined) return bad;
  if (/[{}]/.test(filled)) return 'placeholders are {1}, {2}, ... (1-based wildcard positions)';
  return isValidTopicName(filled) ? undefined : 'must be a topic name template without + or # wildcards';
}
