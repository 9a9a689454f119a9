import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';

declare module 'vue-router' {
  interface RouteMeta {
    /** Reachable without signing in (a share link's visitor pages). */
    public?: boolean;
    /** Needs the admin permission. */
    admin?: boolean;
  }
}

/**
 * The app's pages. Paths are real URLs (the server answers every non-API path with the app), so
 * links can be shared, reloaded and bookmarked. Views load on first use.
 */
export const routes: RouteRecordRaw[] = [
  { path: '/', name: 'home', component: () => import('../views/FolderView.vue') },
  { path: '/folders/:id', name: 'folder', component: () => import('../views/FolderView.vue') },
  { path: '/starred', name: 'starred', component: () => import('../views/StarredView.vue') },
  { path: '/recent', name: 'recent', component: () => import('../views/RecentView.vue') },
  {
    path: '/shared-with-me',
    name: 'shared-with-me',
    component: () => import('../views/SharedWithMeView.vue'),
  },
  { path: '/trash', name: 'trash', component: () => import('../views/TrashView.vue') },
  {
    path: '/admin/storage',
    name: 'storage',
    component: () => import('../views/StorageAdmin.vue'),
    meta: { admin: true },
  },
  { path: '/shares', name: 'shares', component: () => import('../views/SharedLinks.vue') },
  { path: '/search', name: 'search', component: () => import('../views/SearchView.vue') },
  { path: '/settings', name: 'settings', component: () => import('../views/SettingsView.vue') },
  {
    path: '/admin/users',
    name: 'users',
    component: () => import('../views/UsersAdmin.vue'),
    meta: { admin: true },
  },
  // A share link's visitor page; `?folder=` browses below the shared folder.
  {
    path: '/s/:token',
    name: 'share-visitor',
    component: () => import('../views/ShareVisitor.vue'),
    meta: { public: true },
  },
  // The waiting side of a sign-in with a QR code (a phone), and the approving side, which reads
  // the pairing code from the URL's fragment.
  {
    path: '/sign-in/qr',
    name: 'qr-sign-in',
    component: () => import('../views/QrSignIn.vue'),
    meta: { public: true },
  },
  { path: '/pair', name: 'pair', component: () => import('../views/PairDevice.vue') },
  { path: '/:rest(.*)*', name: 'not-found', component: () => import('../views/NotFound.vue') },
];

export const router = createRouter({ history: createWebHistory(), routes });
