/**
 * The manager end-to-end suite against two private Mosquitto instances (skipped loudly without the binary,
 * failing under CI=true). Dropping links restarts Mosquitto; a target that stops answering is a Mosquitto
 * stopped with SIGSTOP (its sockets stay open, nothing is read or acknowledged) until SIGCONT.
 */
import { describeMosquitto, startMosquitto } from '../helpers/mosquitto.js';
import { managerInterop } from './suite.js';

describeMosquitto('the manager against Mosquitto', () => {
  managerInterop({
    name: 'mosquitto',
    async start() {
      const mq = await startMosquitto();
      return {
        url: mq.url,
        dropAll: () => mq.restart(),
        async freeze() {
          const pid = mq.pid!;
          process.kill(pid, 'SIGSTOP');
          let resumed = false;
          return async () => {
            if (resumed) return;
            resumed = true;
            process.kill(pid, 'SIGCONT');
          };
        },
        stop: () => mq.stop(),
      };
    },
  });
});
