/** One file moving; `done` counts bytes from the start of the file, resumed bytes included. */
export interface Transfer {
  update(done: number): void;
  finish(line: string): void;
  fail(line: string): void;
}

export interface ProgressOptions {
  /** Bars redrawn in place (a terminal), or one plain line per finished file (a pipe, a log). */
  live: boolean;
  /** Nothing but the final JSON: no lines at all. */
  quiet: boolean;
  out?: NodeJS.WritableStream;
  err?: NodeJS.WritableStream;
}

interface Bar {
  label: string;
  total: number;
  done: number;
  /** Bytes and time at start, to tell this run's speed from what an earlier run had sent. */
  startDone: number;
  startAt: number;
}

const REDRAW_MS = 200;

export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const mmss = `${String(m).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
  return h > 0 ? `${h}:${mmss}` : mmss;
}

/** Progress of many transfers at once: live bars on a terminal, finished lines otherwise. */
export class Progress {
  private readonly bars = new Set<Bar>();
  private drawn = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly out: NodeJS.WritableStream;
  private readonly err: NodeJS.WritableStream;

  constructor(private readonly options: ProgressOptions) {
    this.out = options.out ?? process.stdout;
    this.err = options.err ?? process.stderr;
  }

  start(label: string, total: number, alreadyDone = 0): Transfer {
    const bar: Bar = { label, total, done: alreadyDone, startDone: alreadyDone, startAt: Date.now() };
    this.bars.add(bar);
    if (this.options.live && !this.options.quiet && !this.timer) {
      this.timer = setInterval(() => this.draw(), REDRAW_MS);
      this.timer.unref();
    }
    const end = (line: string, stream: NodeJS.WritableStream) => {
      this.bars.delete(bar);
      this.print(line, stream);
    };
    return {
      update: (done) => (bar.done = done),
      finish: (line) => end(line, this.out),
      fail: (line) => end(line, this.err),
    };
  }

  /** A line above the bars (or just a line). */
  print(line: string, stream: NodeJS.WritableStream = this.out): void {
    if (this.options.quiet) return;
    this.clear();
    stream.write(line + '\n');
    this.draw();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.clear();
  }

  private clear(): void {
    if (this.drawn === 0) return;
    this.err.write(`\x1b[${this.drawn}A\x1b[J`);
    this.drawn = 0;
  }

  private draw(): void {
    if (!this.options.live || this.options.quiet) return;
    this.clear();
    const width = Math.max(40, (process.stderr as { columns?: number }).columns ?? 80);
    const lines = [...this.bars].map((bar) => renderBar(bar, width));
    if (lines.length > 0) this.err.write(lines.join('\n') + '\n');
    this.drawn = lines.length;
  }
}

function renderBar(bar: Bar, width: number): string {
  const fraction = bar.total > 0 ? Math.min(1, bar.done / bar.total) : 1;
  const seconds = (Date.now() - bar.startAt) / 1000;
  const speed = seconds > 0 ? (bar.done - bar.startDone) / seconds : 0;
  const eta = speed > 0 ? (bar.total - bar.done) / speed : Infinity;
  const stats = ` ${String(Math.floor(fraction * 100)).padStart(3)}% ${formatBytes(speed)}/s ETA ${formatDuration(eta)}`;
  const cells = 20;
  const filled = Math.round(fraction * cells);
  const meter = ` [${'#'.repeat(filled)}${'-'.repeat(cells - filled)}]`;
  const room = width - stats.length - meter.length - 1;
  const label = bar.label.length > room ? '…' + bar.label.slice(bar.label.length - room + 1) : bar.label;
  return label.padEnd(room) + meter + stats;
}
