/**
 * The client event listeners of manager sessions: one shared set of functions for every session (the
 * session is found from the client), so a session costs no closure per event.
 * @module
 */
import type { ConnectedInfo, Message, MqttClient, ReconnectingInfo } from '@mqttx/client';
import type { Session } from './session.js';

/** The session behind each manager-created client. */
const owners = new WeakMap<MqttClient, Session>();

/** @internal Wires `client`'s events to `session`. */
export function listen(client: MqttClient, session: Session): void {
  owners.set(client, session);
  client.on('message', onMessage);
  client.on('connect', onConnect);
  client.on('ready', onReady);
  client.on('offline', onOffline);
  client.on('reconnecting', onReconnecting);
  client.on('close', onClose);
  client.on('error', onError);
}

function onMessage(this: MqttClient, m: Message): Promise<unknown> | undefined {
  return owners.get(this)?.deliver(m);
}
function onConnect(this: MqttClient, info: ConnectedInfo): void {
  owners.get(this)?.connected(info);
}
function onReady(this: MqttClient): void {
  owners.get(this)?.clientReady();
}
function onOffline(this: MqttClient, error: Error | undefined): void {
  owners.get(this)?.offline(error);
}
function onReconnecting(this: MqttClient, info: ReconnectingInfo): void {
  owners.get(this)?.reconnecting(info);
}
function onClose(this: MqttClient, error: Error | undefined): void {
  owners.get(this)?.closed(error);
}
function onError(this: MqttClient, error: Error): void {
  owners.get(this)?.fail(error);
}
