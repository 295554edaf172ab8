/** Crash test of the durable stores, CI size: 2,000 QoS 1 + 2,000 QoS 2 per store (see crash-harness.ts). */
import { crashSuite } from './crash-suite.js';

crashSuite(4_000, 120_000);
