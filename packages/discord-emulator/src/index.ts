export { createDiscordEmulator, type DiscordEmulator, type DiscordEmulatorOptions } from './app.js';
export type { EmulatorControl, SeedRequest, SeedResult, EmulatorStatsSnapshot } from './emulator-control.js';
export type { EmulatorState } from './emulator-state.js';
export type { FaultKind, FaultSpec, FaultRule } from './fault-injector.js';
export {
  defaultLimits,
  type EmulatorLimits,
  type BucketName,
  type BucketLimit,
  type BanForm,
} from './limits.js';
export { Permission, type PermissionName } from './permissions.js';
export { DISCORD_EPOCH, snowflakeTimestamp } from './snowflake.js';
export { VirtualClock } from './virtual-clock.js';
