/**
 * README snippets: error handling. Compiled by `tsc -b examples`, never run; the regions are checked
 * against README.md by test/examples/readme-snippets.test.ts.
 */
import type { SessionManager } from 'mqttx';

declare const manager: SessionManager;
declare const order: { id: number };
declare function retryLater(order: unknown): void;

// #region errors
import { MqttxError, isTemporary, newPublishError } from 'mqttx';

try {
  await manager.publishTo('cloud', `orders/${order.id}`, JSON.stringify(order), 1);
} catch (err) {
  if (!(err instanceof MqttxError)) throw err;
  if (err.code === 'ERR_PUBACK_FAILED') {
    console.error(`refused by the broker, reason code 0x${err.reasonCode?.toString(16)}`);
  } else if (isTemporary(err)) {
    retryLater(order); // isTemporary / isTimeout walk err.cause, err.cause.cause, ...
  } else {
    throw newPublishError('order not sent', err, { context: { order: order.id } }).withSession('cloud');
  }
}
// #endregion
