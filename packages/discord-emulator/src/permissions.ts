/** Discord permission bits the emulated routes check [doc]. */
export const Permission = {
  ADMINISTRATOR: 1n << 3n,
  MANAGE_CHANNELS: 1n << 4n,
  VIEW_CHANNEL: 1n << 10n,
  SEND_MESSAGES: 1n << 11n,
  MANAGE_MESSAGES: 1n << 13n,
  ATTACH_FILES: 1n << 15n,
  READ_MESSAGE_HISTORY: 1n << 16n,
  MANAGE_WEBHOOKS: 1n << 29n,
} as const;

export type PermissionName = keyof typeof Permission;

/** What a seeded bot gets unless told otherwise: everything the chunk store uses. */
export const DEFAULT_BOT_PERMISSIONS =
  Permission.MANAGE_CHANNELS |
  Permission.VIEW_CHANNEL |
  Permission.SEND_MESSAGES |
  Permission.MANAGE_MESSAGES |
  Permission.ATTACH_FILES |
  Permission.READ_MESSAGE_HISTORY |
  Permission.MANAGE_WEBHOOKS;

/** Accepts a bit field (number or decimal string, as Discord sends it) or a list of names. */
export function parsePermissions(value: string | number | PermissionName[] | undefined): bigint {
  if (value === undefined) return DEFAULT_BOT_PERMISSIONS;
  if (Array.isArray(value)) return value.reduce((bits, name) => bits | Permission[name], 0n);
  return BigInt(value);
}

export function hasPermission(granted: bigint, needed: bigint): boolean {
  if ((granted & Permission.ADMINISTRATOR) !== 0n) return true;
  return (granted & needed) === needed;
}
