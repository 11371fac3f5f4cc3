import { createApp } from 'vue';
import { createPinia } from 'pinia';
import { ElMessage } from 'element-plus';
import 'element-plus/dist/index.css';
import './styles/main.css';
import App from './App.vue';
import { ApiError } from './api/http';
import { problemText } from './forms/problem-text';
import { i18n } from './i18n';
import { router } from './router';

const app = createApp(App).use(createPinia()).use(i18n).use(router);
/**
 * A failure no action caught: a page's data that did not load when it opened (the api answered 500,
 * the network dropped). Actions say their own (useAction); without this the page stayed blank and
 * said nothing. The reader is told in their language; a fault of the page itself gets a plain
 * "reload", not a network message it is not, and goes to the console for whoever looks.
 */
app.config.errorHandler = (err) => {
  // fetch's own failure: "Failed to fetch" (Chromium), "NetworkError…" (Firefox), "Load failed" (Safari).
  const network = err instanceof TypeError && /fetch|network|load failed/i.test(err.message);
  ElMessage.error(err instanceof ApiError || network ? problemText(err) : i18n.global.t('errors.unexpected'));
  // The one place the web logs: an error no page handled, for whoever opens the console.
  // eslint-disable-next-line no-console
  console.error(err);
};
app.mount('#app');
