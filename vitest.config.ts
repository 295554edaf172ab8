import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const pkg = (p: string) => fileURLToPath(new URL(`./packages/${p}`, import.meta.url));

/**
 * Tests run against the TypeScript sources (aliases below), so `npm test` needs no build; CI builds anyway
 * to check the declarations and the published entry points.
 */
export const alias = [
  { find: /^@mqttx\/codec\/errors$/, replacement: pkg('codec/src/errors.ts') },
  { find: /^@mqttx\/codec\/arbitraries$/, replacement: pkg('codec/src/arbitraries/index.ts') },
  { find: /^@mqttx\/codec$/, replacement: pkg('codec/src/index.ts') },
  { find: /^@mqttx\/transport$/, replacement: pkg('transport/src/index.ts') },
  { find: /^@mqttx\/testkit$/, replacement: pkg('testkit/src/index.ts') },
  { find: /^@mqttx\/client\/redis$/, replacement: pkg('client/src/redis/index.ts') },
  { find: /^@mqttx\/client$/, replacement: pkg('client/src/index.ts') },
  { find: /^mqttx$/, replacement: pkg('manager/src/index.ts') },
];

export default defineConfig({
  resolve: { alias },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', '**/*.soak.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    reporters: process.env.VITEST_JSON ? ['default', ['json', { outputFile: process.env.VITEST_JSON }]] : ['default'],
  },
});
