import { describe } from 'vitest';
import { loginThrottleBehaviour, WINDOW_MS } from '../../test/helpers/login-throttle-behaviour.js';
import { MemoryLoginThrottle } from './login-throttle.js';

describe('MemoryLoginThrottle', () => {
  // Two throttles of one process share their counts only if they are the same object.
  let shared: { throttle: MemoryLoginThrottle; clock: unknown } | undefined;
  loginThrottleBehaviour(async (clock) => {
    if (shared?.clock !== clock) shared = { throttle: new MemoryLoginThrottle(WINDOW_MS, clock.now), clock };
    return shared.throttle;
  });
});
