import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    alias: {
      '@idrive/shared': fileURLToPath(new URL('./packages/shared/src/index.ts', import.meta.url)),
    },
  },
  test: {
    include: ['packages/*/src/**/*.spec.ts', 'packages/*/test/**/*.spec.ts'],
    // Large-file tests move gigabytes through real HTTP; they get their own generous limits.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
