import type { FastifyBaseLogger } from 'fastify';

/**
 * Runs a task now and then every `intervalMs`, one run at a time, in this process. A run that throws
 * is logged and tried again at the next tick; stop() waits for a run in progress to finish.
 */
export class JobRunner {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly name: string,
    private readonly intervalMs: number,
    private readonly task: () => Promise<unknown>,
    private readonly log: FastifyBaseLogger,
  ) {}

  start(): void {
    this.tick();
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private tick(): void {
    if (this.running) return;
    this.running = this.task()
      .then((result) => this.log.debug({ job: this.name, result }, 'job finished'))
      .catch((err: unknown) => this.log.error({ err, job: this.name }, 'job failed'))
      .finally(() => (this.running = undefined));
  }
}
