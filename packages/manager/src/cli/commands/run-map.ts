/**
 * `mqttx run`: the mapping of a validated {@link RunConfig} onto the manager's options (`addSession`,
 * `addForwarder`, route options), and a dry run of the manager's own validation over all of them, so a
 * config the manager would refuse is refused before any session exists (exit 2, nothing connected).
 * Pure functions.
 * @module
 */
import { resolveForwarderConfig, type ForwarderConfig as ManagerForwarderConfig } from '../../forward/config.js';
import { resolveRouteOptions, type RouteOptions } from '../../routing/route.js';
import type { SessionOptions } from '../../session/options.js';
import { resolveSessionOptions } from '../../session/resolve.js';
import { compileMessageFilter } from '../config/filter.js';
import type { ForwarderConfig, RouteConfig, RunConfig, SessionConfig } from '../config/types.js';
import { CliError, messageOf, type Problem } from '../errors.js';

/** Copies the fields of `from` whose value is defined (the manager applies its defaults to absent ones). */
function defined<T extends object>(from: T): Partial<T> {
  const out: Partial<T> = {};
  for (const key of Object.keys(from) as Array<keyof T>) if (from[key] !== undefined) out[key] = from[key];
  return out;
}

/**
 * The `addSession` options of a config session. Sessions are added with `autoConnect: false`: `mqttx run`
 * connects them once every session, forwarder and route is in place. Every config field is passed on (the
 * config types are derived from the manager's options).
 */
export function sessionOptionsOf(s: SessionConfig): SessionOptions {
  const { name, brokers, topics, will, ...rest } = s;
  const options: SessionOptions = { name, brokers, ...defined(rest), autoConnect: false };
  if (topics !== undefined) options.topics = topics.map((t) => ({ ...t }));
  if (will !== undefined) {
    const { payload, ...w } = will;
    options.will = { ...defined(w), topic: w.topic, payload: payload ?? '' };
  }
  return options;
}

/** The `addForwarder` config of a config forwarder (the declarative filter compiled to a predicate). */
export function forwarderConfigOf(f: ForwarderConfig): ManagerForwarderConfig {
  const { name, sourceSessions, sourceTopics, targetSession, filter, ...rest } = f;
  const config: ManagerForwarderConfig = { name, sourceSessions, sourceTopics, targetSession, ...defined(rest) };
  if (filter !== undefined) config.filter = compileMessageFilter(filter);
  return config;
}

/** The route options of a config route (its name defaults to the filter, the `route` metric label). */
export function routeOptionsOf(r: RouteConfig, index: number): RouteOptions {
  return { name: r.name ?? `route-${index + 1}`, ...defined({ qos: r.qos }) };
}

/**
 * Runs the manager's own validation over every session, forwarder and route, creating nothing.
 * @throws CliError `ERR_CONFIGURATION` (exit 2) listing each refusal by config path
 */
export function checkWithManager(config: RunConfig): void {
  const problems: Problem[] = [];
  const attempt = (path: string, fn: () => unknown): void => {
    try {
      fn();
    } catch (err) {
      const field = (err as { context?: { field?: unknown } }).context?.field;
      problems.push({ path: typeof field === 'string' && field !== '' ? `${path}.${field}` : path, message: messageOf(err) });
    }
  };
  config.sessions.forEach((s, i) => attempt(`sessions[${i}]`, () => resolveSessionOptions(sessionOptionsOf(s))));
  config.forwarders.forEach((f, i) => attempt(`forwarders[${i}]`, () => resolveForwarderConfig(forwarderConfigOf(f))));
  config.routes.forEach((r, i) => attempt(`routes[${i}]`, () => resolveRouteOptions(routeOptionsOf(r, i))));
  if (problems.length > 0) {
    throw new CliError('ERR_CONFIGURATION', `the config has ${problems.length} problem${problems.length === 1 ? '' : 's'}`, { problems });
  }
}
