/** The broker behaviour suite against the testkit broker (manual clock: `elapse` is instant). */
import { ManualClock, startBroker } from '@mqttx/testkit';
import { brokerBehaviour } from './suite.js';

brokerBehaviour({
  name: 'testkit',
  async start(limits) {
    const clock = new ManualClock();
    const broker = await startBroker({ clock, ...(limits ?? {}) });
    return {
      port: broker.port,
      async elapse(ms) {
        clock.advance(ms);
      },
      async clientGone(clientId) {
        const link = broker.clients.get(clientId);
        if (link !== undefined) await link.whenClosed;
      },
      stop: () => broker.close(),
    };
  },
});
