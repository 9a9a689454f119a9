import type { DriveEvent } from '@idrive/shared';
import { defineStore } from 'pinia';
import { shallowRef } from 'vue';
import { API_BASE } from '../api/http';
import { useDetailsStore } from './details';
import { useFolderStore } from './folder';
import { session } from './session';

export type LiveListener = (event: DriveEvent) => void;

/** Close code the server uses when the session ended (`eventsCloseCodes.sessionEnded`). */
const SESSION_ENDED = 4401;
const BACKOFF_MIN_MS = 1_000;
const BACKOFF_MAX_MS = 30_000;

/**
 * The signed-in user's live events: one websocket, reconnected quietly with growing pauses and
 * `?since=` so nothing is missed. Item events are applied to the open folder and the details panel
 * here; other areas (uploads, downloads, the trash view) `subscribe` for what they need.
 */
export const useLiveStore = defineStore('live', () => {
  const connected = shallowRef(false);
  const listeners = new Set<LiveListener>();
  let socket: WebSocket | null = null;
  let lastId: number | null = null;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let backoff = BACKOFF_MIN_MS;
  let running = false;
  /** Whether this connection carries on from `lastId` (the server replays what was missed). */
  let resumed = false;

  /** Call the returned function to stop listening. */
  function subscribe(listener: LiveListener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  function apply(event: DriveEvent): void {
    const folder = useFolderStore();
    const details = useDetailsStore();
    switch (event.type) {
      case 'item.created':
      case 'item.updated':
      case 'item.moved':
      case 'item.restored':
      case 'item.copied':
        folder.upsert(event.item);
        details.update(event.item);
        break;
      case 'item.deleted':
        folder.remove([event.item.id]);
        details.forget([event.item.id]);
        break;
      case 'item.starred':
        folder.setStarred(event.itemIds, event.starred);
        break;
      case 'access.changed':
        // Shown a folder inside what is no longer (or differently) shared with this user: ask again,
        // which shows it gone, or with the new role.
        if (
          folder.folder &&
          event.userId === session.user?.id &&
          folder.folder.path.some((p) => p.id === event.itemId)
        )
          folder.reload().catch(() => undefined);
        break;
      case 'resync':
        if (folder.folder) folder.reload().catch(() => undefined);
        break;
      case 'ready':
        // A first connection replays nothing: a folder listed before it may have missed changes.
        if (!resumed && folder.folder) folder.reload().catch(() => undefined);
        break;
      case 'item.versions':
      case 'upload.progress':
      case 'download.progress':
      case 'storage.health':
      case 'session.ended':
        break;
    }
  }

  function url(): string {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const since = lastId === null ? '' : `?since=${lastId}`;
    return `${scheme}//${location.host}${API_BASE}/events${since}`;
  }

  function connect(): void {
    resumed = lastId !== null;
    const ws = new WebSocket(url());
    socket = ws;
    ws.onopen = () => {
      connected.value = true;
      backoff = BACKOFF_MIN_MS;
    };
    ws.onmessage = (message) => {
      if (typeof message.data !== 'string') return;
      let event: DriveEvent;
      try {
        event = JSON.parse(message.data) as DriveEvent;
      } catch {
        return;
      }
      lastId = event.id;
      apply(event);
      for (const listener of listeners) listener(event);
    };
    ws.onclose = (close) => {
      if (socket !== ws) return;
      socket = null;
      connected.value = false;
      // A signed-out session cannot reconnect; the next API call shows the sign-in form.
      if (!running || close.code === SESSION_ENDED) return;
      retryTimer = setTimeout(connect, backoff * (0.5 + Math.random()));
      backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
    };
  }

  function start(): void {
    if (running) return;
    running = true;
    connect();
  }

  function stop(): void {
    running = false;
    clearTimeout(retryTimer);
    const ws = socket;
    socket = null;
    connected.value = false;
    ws?.close();
    lastId = null;
  }

  return { connected, subscribe, start, stop };
});
