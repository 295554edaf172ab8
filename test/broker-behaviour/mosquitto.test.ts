/**
 * The broker behaviour suite against a real Mosquitto (skipped loudly without the binary, failing under
 * CI=true). `elapse` really waits: Mosquitto checks will delays and session expiry about once a second.
 */
import { describeMosquitto, startMosquitto } from '../helpers/mosquitto.js';
import { brokerBehaviour } from './suite.js';

describeMosquitto('broker behaviour against Mosquitto', () => {
  brokerBehaviour({
    name: 'mosquitto',
    async start(limits) {
      const config = limits
        ? [`max_inflight_messages ${limits.receiveMaximum}`, `max_packet_size ${limits.maximumPacketSize}`, `max_topic_alias ${limits.topicAliasMaximum}`]
        : [];
      const mq = await startMosquitto({ config });
      return {
        port: mq.port,
        // A real broker has no clock to move: time has to pass.
        elapse: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        clientGone: async () => undefined,
        stop: () => mq.stop(),
      };
    },
  });
});
