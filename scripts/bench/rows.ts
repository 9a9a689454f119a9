// The bench's rows: what one measured figure is, the repeat-three-times rule for short runs, and the
// printed table with its PASS/MISS verdicts and .bench/results.json.
import { mkdirSync, writeFileSync } from 'node:fs';

export interface Row {
  metric: string;
  value: number;
  unit: string;
  target: string;
  ceiling?: string;
  /** Set only when the row has a target to meet. */
  pass?: boolean;
  /** Each run's figure, when the row ran more than once; `value` is then their median. */
  runs?: number[];
}

export const MiB = 1024 * 1024;
/** The size of the big transfers; BENCH_FILE_MIB makes a quick run smaller. */
export const FILE_SIZE = Number(process.env.BENCH_FILE_MIB ?? 1024) * MiB;
export const FILE_LABEL = `${FILE_SIZE / MiB} MiB`;

export const mbps = (bytes: number, ms: number) => bytes / 1e6 / (ms / 1000);
export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
export const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)]!;
export const percent = (part: number, whole: number) => `${((100 * part) / whole).toFixed(0)}%`;

/** Figures of one measurement run `times` times in a row: a single run of a short job is mostly noise here. */
export interface Spread {
  runs: number[];
  min: number;
  median: number;
  max: number;
}

/**
 * Runs `fn` `times` times, one after another, and keeps every figure it returns. Rows whose single
 * run takes under ~10 s use it, and judge by the median.
 */
export async function repeat(times: number, fn: (run: number) => Promise<number>): Promise<Spread> {
  const runs: number[] = [];
  for (let run = 0; run < times; run++) runs.push(await fn(run));
  return spreadOf(runs);
}

export function spreadOf(runs: number[]): Spread {
  return { runs, min: Math.min(...runs), median: median(runs), max: Math.max(...runs) };
}

/** The rows collected so far in this run, in the order they were measured. */
export const rows: Row[] = [];

function formatValue(value: number): string {
  return value.toFixed(1);
}

function verdict(row: Row): string {
  if (row.pass === undefined) return '    ';
  return row.pass ? 'PASS' : 'MISS';
}

/** Prints the table, ending with the PASS/MISS count, and writes it as JSON with the machine line. */
export function report(machine: string): void {
  console.log('');
  console.log(machine);
  const width = Math.max(0, ...rows.map((r) => r.metric.length));
  for (const r of rows) {
    const spread =
      r.runs && r.runs.length > 1
        ? `  [min ${formatValue(Math.min(...r.runs))} / median ${formatValue(median(r.runs))} / max ${formatValue(Math.max(...r.runs))}]`
        : '';
    console.log(
      `${verdict(r)}  ${r.metric.padEnd(width)}  ${formatValue(r.value).padStart(8)} ${r.unit.padEnd(9)}  target ${r.target}${r.ceiling ? `  (${r.ceiling})` : ''}${spread}`,
    );
  }
  const passed = rows.filter((r) => r.pass === true).length;
  const missed = rows.filter((r) => r.pass === false).length;
  console.log(`\n${passed} rows PASS, ${missed} MISS`);
  mkdirSync('.bench', { recursive: true });
  writeFileSync(
    '.bench/results.json',
    JSON.stringify({ date: new Date().toISOString(), machine, passed, missed, rows }, null, 2),
  );
  console.log('JSON: .bench/results.json');
}
