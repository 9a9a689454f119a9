import { createPinia } from 'pinia';
import { createApp } from 'vue';
import App from './App.vue';
import { setErrorTranslator } from './api/http';
import { i18n } from './i18n';
import { router } from './router';
import { preloadFolder } from './stores/folder';
import './styles/main.css';

// A folder's first page is asked for now, alongside the session check and the view's code, not after.
const start = router.resolve(location.pathname);
if (start.name === 'home' || start.name === 'folder') {
  preloadFolder(typeof start.params.id === 'string' ? start.params.id : null);
}

// The server words its errors in English; in another language the app shows its own message for the code.
setErrorTranslator(({ code }) => {
  const key = `errors.${code}`;
  return i18n.global.locale.value !== 'en' && i18n.global.te(key) ? i18n.global.t(key) : null;
});

createApp(App).use(createPinia()).use(router).use(i18n).mount('#app');
