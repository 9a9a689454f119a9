import type { CdnSigner } from './cdn-signer.js';
import type { EmulatorState } from './emulator-state.js';
import type { EmulatorStats } from './emulator-stats.js';
import type { FaultInjector } from './fault-injector.js';
import type { InvalidRequestTracker } from './invalid-request-tracker.js';
import type { EmulatorLimits } from './limits.js';
import type { RateLimiter } from './rate-limiter.js';
import type { SlotLedger } from './slot-ledger.js';
import type { VirtualClock } from './virtual-clock.js';

/** What every route plugin is given. */
export interface EmulatorContext {
  state: EmulatorState;
  clock: VirtualClock;
  limits: EmulatorLimits;
  signer: CdnSigner;
  limiter: RateLimiter;
  /** How webhooks used their message slots (a test instrument; Discord reports nothing like it). */
  slots: SlotLedger;
  invalid: InvalidRequestTracker;
  faults: FaultInjector;
  stats: EmulatorStats;
  /** Base URLs put into attachment `url` / `proxy_url`; derived from the Host header when unset. */
  cdnBaseUrl: string | undefined;
  mediaBaseUrl: string | undefined;
}
