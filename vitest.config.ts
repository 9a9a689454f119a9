import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Web components are rendered to HTML in their unit tests (vue/server-renderer: no DOM needed).
  plugins: [vue()],
  resolve: {
    alias: [
      {
        find: /^@idrive\/shared$/,
        replacement: fileURLToPath(new URL('./packages/shared/src/index.ts', import.meta.url)),
      },
      {
        find: /^@idrive\/discord-emulator$/,
        replacement: fileURLToPath(new URL('./packages/discord-emulator/src/index.ts', import.meta.url)),
      },
      {
        find: /^@idrive\/shared\/(.*)$/,
        replacement: fileURLToPath(new URL('./packages/shared/src/$1.ts', import.meta.url)),
      },
    ],
  },
  test: {
    include: ['packages/*/src/**/*.spec.ts', 'packages/*/test/**/*.spec.ts', 'scripts/**/*.spec.ts'],
    // Large-file tests move gigabytes through real HTTP; they get their own generous limits.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
