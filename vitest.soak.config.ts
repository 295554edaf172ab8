import { defineConfig } from 'vitest/config';
import { alias } from './vitest.config.js';

/** Long runs (soak, million-input fuzz): `npm run test:soak`. CI does not run these. */
export default defineConfig({
  resolve: { alias },
  test: {
    include: ['packages/*/test/**/*.soak.test.ts', 'test/**/*.soak.test.ts'],
    testTimeout: 3_600_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
