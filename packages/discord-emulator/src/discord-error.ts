/** An answer in Discord's own error shape: `{ message, code, errors? }` with Discord's status. */
export class DiscordError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly errors?: ErrorTree,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  body(): Record<string, unknown> {
    return this.errors === undefined
      ? { message: this.message, code: this.code }
      : { message: this.message, code: this.code, errors: this.errors };
  }
}

/** Discord's `errors` tree: keys mirror the request body, leaves hold `_errors`. */
export interface ErrorTree {
  [key: string]: ErrorTree | { code: string; message: string }[];
}

// Texts are Discord's (codes.mdx and observed bodies), so clients matching on them behave as in production.
export const unauthorized = () => new DiscordError(401, 0, '401: Unauthorized');
export const notFoundRoute = () => new DiscordError(404, 0, '404: Not Found');
export const unknownChannel = () => new DiscordError(404, 10003, 'Unknown Channel');
export const unknownGuild = () => new DiscordError(404, 10004, 'Unknown Guild');
export const unknownMessage = () => new DiscordError(404, 10008, 'Unknown Message');
export const unknownWebhook = () => new DiscordError(404, 10015, 'Unknown Webhook');
export const maxWebhooks = (n: number) =>
  new DiscordError(400, 30007, `Maximum number of webhooks reached (${n})`);
export const maxGuildWebhooks = (n: number) =>
  new DiscordError(400, 30058, `Maximum number of webhooks per guild reached (${n})`);
export const maxChannels = (n: number) =>
  new DiscordError(400, 30013, `Maximum number of guild channels reached (${n})`);
export const maxAttachments = (n: number) =>
  new DiscordError(400, 30015, `Maximum number of attachments in a message reached (${n})`);
export const entityTooLarge = () => new DiscordError(413, 40005, 'Request entity too large');
export const missingAccess = () => new DiscordError(403, 50001, 'Missing Access');
export const emptyMessage = () => new DiscordError(400, 50006, 'Cannot send an empty message');
export const missingPermissions = () => new DiscordError(403, 50013, 'Missing Permissions');
export const bulkDeleteCount = (min: number, max: number) =>
  new DiscordError(
    400,
    50016,
    `Provided too few or too many messages to delete. Must provide at least ${min} and fewer than ${max} messages to delete.`,
  );
export const invalidWebhookToken = () => new DiscordError(401, 50027, 'Invalid Webhook Token');
export const messageTooOld = () =>
  new DiscordError(400, 50034, 'A message provided was too old to bulk delete');
export const invalidJson = () => new DiscordError(400, 50109, 'The request body contains invalid JSON.');

/** 400 / 50035 with one failing field (a dotted path) or, without a path, a whole-request error. */
export function invalidFormBody(path: string | undefined, code: string, message: string): DiscordError {
  const leaf = { _errors: [{ code, message }] };
  let tree: ErrorTree = leaf;
  if (path) {
    for (const key of path.split('.').reverse()) tree = { [key]: tree };
  }
  return new DiscordError(400, 50035, 'Invalid Form Body', tree);
}
