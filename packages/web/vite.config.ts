import { defineConfig, defaultClientConditions } from 'vite';
import vue from '@vitejs/plugin-vue';
import VueI18nPlugin from '@intlify/unplugin-vue-i18n/vite';
import { fileURLToPath } from 'node:url';

/** Where `npm run dev` forwards API calls; the server listens on 8080 unless PORT says otherwise. */
const apiTarget = process.env.IDRIVE_API_URL ?? 'http://localhost:8080';

export default defineConfig({
  base: '/',
  plugins: [
    vue(),
    // Messages are compiled at build time, so the page needs no eval (and no message compiler).
    VueI18nPlugin({
      include: [fileURLToPath(new URL('./src/locales/**', import.meta.url))],
      runtimeOnly: true,
      compositionOnly: true,
      fullInstall: false,
    }),
  ],
  resolve: {
    // `@idrive/shared` exports its TypeScript sources under the "source" condition,
    // so the web app builds without the shared package being compiled first.
    conditions: ['source', ...defaultClientConditions],
  },
  server: {
    proxy: {
      '/api': { target: apiTarget, changeOrigin: false },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
  },
});
