/** The manager end-to-end suite against two testkit brokers. */
import { startBroker } from '@mqttx/testkit';
import { managerInterop } from './suite.js';

managerInterop({
  name: 'testkit',
  async start() {
    const broker = await startBroker();
    return {
      url: broker.url,
      async dropAll() {
        for (const c of [...broker.clients.values()]) c.destroy();
      },
      async freeze() {
        const links = [...broker.connections.values()];
        for (const c of links) c.pauseReading();
        let resumed = false;
        return async () => {
          if (resumed) return;
          resumed = true;
          for (const c of links) if (c.state !== 'closed') c.resumeReading();
        };
      },
      stop: () => broker.close(),
    };
  },
});
