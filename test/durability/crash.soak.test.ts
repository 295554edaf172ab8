/** Crash test of the durable stores, full size: 20,000 QoS 1 + 20,000 QoS 2 per store (`npm run test:soak`). */
import { crashSuite } from './crash-suite.js';

crashSuite(40_000, 1_800_000);
