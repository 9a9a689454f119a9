import { computed, onBeforeUnmount, ref, shallowRef } from 'vue';
import type { User } from '@idrive/shared';
import { formatShortCode } from '@idrive/shared/short-codes';
import { pollDeviceSignIn, startDeviceSignIn } from '../api/device-sign-in';
import { errorMessage } from '../api/http';

/** Where a sign-in with a QR code stands, as the waiting device sees it. */
export type WaitingState = 'starting' | 'waiting' | 'approved' | 'denied' | 'expired' | 'failed';

/** Often enough that an approval shows at once, rarely enough to be one small query. */
const POLL_MS = 2000;

/**
 * The waiting side of a device sign-in: asks for a code, polls until it is decided or expires, and
 * counts down. `onApproved` gets the signed-in user. The device secret stays in this closure.
 */
export function useWaitingSignIn(onApproved: (user: User) => void) {
  const state = ref<WaitingState>('starting');
  const url = ref('');
  const shortCode = ref('');
  const expiresAt = ref(0);
  const now = ref(Date.now());
  const error = shallowRef('');
  let deviceSecret = '';
  let timer: ReturnType<typeof setTimeout> | undefined;
  let ticker: ReturnType<typeof setInterval> | undefined;
  /** Bumped on every start, so an answer for an earlier code is dropped. */
  let round = 0;

  const secondsLeft = computed(() => Math.max(0, Math.ceil((expiresAt.value - now.value) / 1000)));
  const shownCode = computed(() => (shortCode.value ? formatShortCode(shortCode.value) : ''));

  function stop(): void {
    clearTimeout(timer);
    clearInterval(ticker);
  }

  function end(next: WaitingState, message = ''): void {
    stop();
    state.value = next;
    error.value = message;
  }

  async function poll(mine: number): Promise<void> {
    try {
      const result = await pollDeviceSignIn(deviceSecret);
      if (mine !== round) return;
      if (result.status === 'approved') {
        end('approved');
        onApproved(result.user);
      } else if (result.status === 'pending') {
        timer = setTimeout(() => void poll(mine), POLL_MS);
      } else {
        end(result.status);
      }
    } catch (err) {
      if (mine === round) end('failed', errorMessage(err));
    }
  }

  async function start(): Promise<void> {
    stop();
    const mine = ++round;
    state.value = 'starting';
    error.value = '';
    try {
      const started = await startDeviceSignIn();
      if (mine !== round) return;
      deviceSecret = started.deviceSecret;
      // Relative unless the drive knows its public address: the phone's own address then.
      url.value = new URL(started.url, location.origin).href;
      shortCode.value = started.shortCode;
      expiresAt.value = Date.parse(started.expiresAt);
      now.value = Date.now();
      state.value = 'waiting';
      ticker = setInterval(() => {
        now.value = Date.now();
        if (secondsLeft.value === 0) end('expired');
      }, 1000);
      timer = setTimeout(() => void poll(mine), POLL_MS);
    } catch (err) {
      if (mine === round) end('failed', errorMessage(err));
    }
  }

  onBeforeUnmount(() => {
    round++;
    stop();
  });

  return { state, url, shownCode, secondsLeft, error, start };
}
