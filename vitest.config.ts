import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['packages/*/test/**/*.test.ts'],
    reporters: ['default', './scripts/pass-fail-reporter.ts'],
    testTimeout: 60_000,
  },
});
