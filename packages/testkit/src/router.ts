/**
 * Routing of application messages to sessions: retained store, subscription matching with per-client
 * aggregation of overlapping subscriptions, shared groups, No Local, Retain As Published.
 * @module
 */
import type { Properties, QoS, Will } from '@mqttx/codec';
import type { Broker } from './broker.js';
import { AppMessage, Delivery, NEVER } from './message.js';
import type { Session } from './session.js';
import type { MatchResult, SubscriptionEntry } from './subscriptions.js';

/**
 * The PUBLISH properties forwarded unaltered to subscribers: Payload Format Indicator [MQTT-3.3.2-4],
 * Response Topic [MQTT-3.3.2-15], Correlation Data [MQTT-3.3.2-16], User Properties in order
 * [MQTT-3.3.2-17] [MQTT-3.3.2-18], Content Type [MQTT-3.3.2-20]. Message expiry is recomputed per delivery;
 * topic alias and subscription identifiers are per link.
 */
export function forwardable(props: Properties | undefined): Properties | undefined {
  if (props === undefined) return undefined;
  let out: Properties | undefined;
  if (props.payloadFormatIndicator !== undefined) (out ??= {}).payloadFormatIndicator = props.payloadFormatIndicator;
  if (props.contentType !== undefined) (out ??= {}).contentType = props.contentType;
  if (props.responseTopic !== undefined) (out ??= {}).responseTopic = props.responseTopic;
  if (props.correlationData !== undefined) (out ??= {}).correlationData = props.correlationData;
  if (props.userProperties !== undefined) (out ??= {}).userProperties = props.userProperties;
  return out;
}

/** Aggregation of one client's overlapping non-shared subscriptions. */
class Aggregate {
  constructor(
    public qos: QoS,
    public retain: boolean,
    public ids: number[] | undefined,
  ) {}
}

/** Reusable per-broker routing buffers. */
export class Router {
  private readonly match: MatchResult = { subs: [], groups: [] };
  private readonly aggregates = new Map<Session, Aggregate>();
  /** Nesting depth: a delivery can close a link whose will is routed while the outer route runs. */
  private depth = 0;

  /** @param broker - owner */
  constructor(private readonly broker: Broker) {}

  /**
   * Routes a message: retained store first (RETAIN=1 [MQTT-3.3.1-5]; RETAIN=0 leaves it alone
   * [MQTT-3.3.1-8]), then one delivery per matching client (overlapping subscriptions give one copy at the
   * highest granted QoS [MQTT-3.3.4-2] carrying every subscription identifier [MQTT-3.3.4-4]) and one per
   * shared group.
   * @returns number of sessions the message matched (a copy may still be dropped: offline QoS 0, full queue)
   */
  route(msg: AppMessage): number {
    const outer = this.depth++ === 0;
    try {
      return this.routeWith(msg, outer ? this.match : { subs: [], groups: [] }, outer ? this.aggregates : new Map());
    } finally {
      this.depth--;
    }
  }

  private routeWith(msg: AppMessage, m: MatchResult, agg: Map<Session, Aggregate>): number {
    const broker = this.broker;
    if (msg.retain) broker.retained.apply(msg);
    broker.index.match(msg.topic, m);
    let delivered = 0; // sessions matched
    const subs = m.subs;
    if (subs.length === 1) {
      const e = subs[0]!;
      if (!(e.noLocal && msg.publisher === e.session.clientId)) {
        broker.store.deliver(e.session, deliveryFor(msg, e));
        delivered++;
      }
    } else if (subs.length > 1) {
      agg.clear();
      for (const e of subs) {
        if (e.noLocal && msg.publisher === e.session.clientId) continue; // [MQTT-3.8.3-3]
        const qos = Math.min(msg.qos, e.qos) as QoS;
        const retain = e.retainAsPublished && msg.retain;
        const a = agg.get(e.session);
        if (a === undefined) {
          agg.set(e.session, new Aggregate(qos, retain, e.subscriptionIdentifier === undefined ? undefined : [e.subscriptionIdentifier]));
        } else {
          if (qos > a.qos) a.qos = qos;
          if (retain) a.retain = true;
          if (e.subscriptionIdentifier !== undefined) (a.ids ??= []).push(e.subscriptionIdentifier);
        }
      }
      for (const [session, a] of agg) {
        broker.store.deliver(session, new Delivery(msg, a.qos, a.retain, a.ids));
        delivered++;
      }
      agg.clear();
    }
    for (const g of m.groups) {
      const e = g.pick();
      if (e === undefined) continue;
      broker.store.deliver(e.session, deliveryFor(msg, e));
      delivered++;
    }
    subs.length = 0;
    m.groups.length = 0;
    return delivered;
  }

  /**
   * Publishes a will (or a broker-originated message) as if received from `publisher`.
   * The will's own properties are forwarded, Will Delay Interval excepted; user property order is kept
   * [MQTT-3.1.3-10].
   */
  publishWill(will: Will, publisher: string | null): number {
    const broker = this.broker;
    const props = will.properties;
    const expiry = props?.messageExpiryInterval;
    const msg = new AppMessage(
      will.topic,
      will.payload,
      will.qos,
      will.retain, // [MQTT-3.1.2-14] [MQTT-3.1.2-15]
      forwardable(props),
      expiry === undefined ? NEVER : broker.clock.now() + expiry * 1000,
      publisher,
    );
    return this.route(msg);
  }
}

/**
 * The delivery for one subscription: QoS min(published, granted) [MQTT-3.8.4-8], RETAIN as published only
 * with Retain As Published [MQTT-3.3.1-12] [MQTT-3.3.1-13] (3.1.1 subscriptions: always 0, 3.1.1 [MQTT-3.3.1-9]).
 */
function deliveryFor(msg: AppMessage, e: SubscriptionEntry): Delivery {
  return new Delivery(
    msg,
    (msg.qos < e.qos ? msg.qos : e.qos) as QoS,
    e.retainAsPublished && msg.retain,
    e.subscriptionIdentifier === undefined ? undefined : [e.subscriptionIdentifier],
  );
}
