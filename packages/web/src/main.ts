import { createPinia } from 'pinia';
import { createApp } from 'vue';
import App from './App.vue';
import { setErrorTranslator } from './api/http';
import { i18n } from './i18n';
import { router } from './router';
import { preloadFolder } from './stores/folder';
import { formatSize } from './utils/format';
import { quotaDetails } from './utils/quota-error';
import './styles/main.css';

// A folder's first page is asked for now, alongside the session check and the view's code, not after.
const start = router.resolve(location.pathname);
if (start.name === 'home' || start.name === 'folder') {
  preloadFolder(typeof start.params.id === 'string' ? start.params.id : null);
}

// The server words its errors in English; in another language the app shows its own message for the
// code, with the sizes of a refusal over the quota.
setErrorTranslator(({ code, details }) => {
  if (i18n.global.locale.value === 'en') return null;
  const sizes = code === 'quota_exceeded' ? quotaDetails(details) : null;
  if (sizes) {
    return i18n.global.t('usage.exceeded', {
      size: formatSize(sizes.requestedBytes),
      quota: formatSize(sizes.quotaBytes),
      free: formatSize(sizes.freeBytes),
    });
  }
  const key = `errors.${code}`;
  return i18n.global.te(key) ? i18n.global.t(key) : null;
});

createApp(App).use(createPinia()).use(router).use(i18n).mount('#app');
