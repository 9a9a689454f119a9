import type { ConflictPolicy } from '@idrive/shared';

/** What the user chose for a file whose name is taken. */
export type ConflictChoice = 'rename' | 'replace' | 'skip';

export interface ConflictAnswer {
  choice: ConflictChoice;
  applyToAll: boolean;
}

/** Asks the user about one conflict; `waiting` is how many more conflicts are queued behind it. */
export type AskConflict = (name: string, waiting: number) => Promise<ConflictAnswer>;

/**
 * Settles name conflicts one question at a time: conflicts that arrive while the user is deciding
 * wait their turn, and an answer given "for all" settles them (and later ones) without asking.
 */
export class ConflictResolver {
  private remembered: ConflictChoice | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private waiting = 0;

  constructor(private readonly ask: AskConflict) {}

  /** The policy to send with a new upload: an earlier "rename/replace for all" saves a round trip. */
  policy(): ConflictPolicy {
    return this.remembered === 'rename' || this.remembered === 'replace' ? this.remembered : 'fail';
  }

  resolve(name: string): Promise<ConflictChoice> {
    this.waiting++;
    const turn = this.queue.then(async () => {
      this.waiting--;
      if (this.remembered) return this.remembered;
      const answer = await this.ask(name, this.waiting);
      if (answer.applyToAll) this.remembered = answer.choice;
      return answer.choice;
    });
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  /** Forget an answer "for all" (the uploads it was given for are over). */
  reset(): void {
    if (this.waiting === 0) this.remembered = null;
  }
}
