import { shallowRef, type ShallowRef } from 'vue';
import { errorMessage } from '../api/http';

export interface AsyncAction {
  /** True while an action runs: forms disable their buttons, dialogs refuse to close. */
  busy: ShallowRef<boolean>;
  /** Why the last action failed, in the user's language; empty when it did not. */
  error: ShallowRef<string>;
  /** Runs `action` (one at a time), keeping `busy` and `error` up to date; true when it succeeded. */
  run: (action: () => Promise<unknown>) => Promise<boolean>;
}

/**
 * The busy flag and error message around an API call that forms and dialogs show. `describe` turns
 * a failure into the message (default: the server's own, via errorMessage).
 */
export function useAsyncAction(describe: (err: unknown) => string = errorMessage): AsyncAction {
  const busy = shallowRef(false);
  const error = shallowRef('');

  async function run(action: () => Promise<unknown>): Promise<boolean> {
    if (busy.value) return false;
    busy.value = true;
    error.value = '';
    try {
      await action();
      return true;
    } catch (err) {
      error.value = describe(err);
      return false;
    } finally {
      busy.value = false;
    }
  }

  return { busy, error, run };
}
