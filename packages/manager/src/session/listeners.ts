/**
 * How a manager session hears its client: the session is the client's lifecycle observer (one object, no
 * listener per event), and one `message` listener shared by every session (the session is found from the
 * client), so a session costs no closure per event.
 * @module
 */
import { observeClient, type Message, type MqttClient } from '@mqttx/client';
import type { Session } from './session.js';

/** The session behind each manager-created client. */
const owners = new WeakMap<MqttClient, Session>();

/** @internal Wires `client`'s events to `session`. */
export function listen(client: MqttClient, session: Session): void {
  owners.set(client, session);
  observeClient(client, session);
  client.on('message', onMessage);
}

function onMessage(this: MqttClient, m: Message): Promise<unknown> | undefined {
  return owners.get(this)?.deliver(m);
}
