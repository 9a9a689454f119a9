/** What the exit status of `idrive` means (documented in the README, relied on by scripts). */
export const EXIT = {
  ok: 0,
  /** Anything else that went wrong (a server error, a refused request, a failed transfer). */
  failure: 1,
  /** The command line itself is wrong: unknown command or option, missing argument. */
  usage: 2,
  /** Not signed in, a wrong or revoked app password, or not allowed (read-only, no permission, locked). */
  auth: 3,
  /** A path or item that does not exist. */
  notFound: 4,
  /** The name is taken, or the item changed meanwhile. */
  conflict: 5,
  /** The server could not be reached. */
  network: 6,
  /** Interrupted (Ctrl-C); run the same command again to resume. */
  interrupted: 130,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A failure the CLI reports in one line and turns into its exit status. */
export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
    /** The API's error code, when the server gave one. */
    readonly code?: string,
  ) {
    super(message);
  }
}

export const usageError = (message: string) => new CliError(EXIT.usage, message, 'usage');
export const notFound = (message: string) => new CliError(EXIT.notFound, message, 'not_found');

/** The exit status for an HTTP status the API answered with. */
export function exitForStatus(status: number): ExitCode {
  if (status === 401 || status === 403 || status === 423) return EXIT.auth;
  if (status === 404) return EXIT.notFound;
  if (status === 409 || status === 412) return EXIT.conflict;
  return EXIT.failure;
}
