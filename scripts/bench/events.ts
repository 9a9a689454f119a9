// Live events: from an API call that creates a folder to its event arriving on another socket of
// the same user, next to that API call's own latency in the same run.
import type { DriveEvent } from '@idrive/shared';
import { openEventSocket } from '../../packages/server/test/helpers/event-socket.js';
import { startDrive } from './drive.js';
import { median, p95, rows } from './rows.js';

const WARM_UP = 20;
const SAMPLES = 200;

export async function eventRows(): Promise<void> {
  const drive = await startDrive('events');
  try {
    const socket = await openEventSocket(
      `${drive.server.baseUrl.replace(/^http/, 'ws')}/api/v1/events`,
      drive.auth,
    );
    await socket.waitFor((e) => e.type === 'ready');
    const arrivals = new Map<string, number>();
    socket.ws.on('message', (data: Buffer) => {
      const event = JSON.parse(data.toString()) as DriveEvent;
      if (event.type === 'item.created') arrivals.set(event.item.name, performance.now());
    });
    const call: number[] = [];
    const delivered: number[] = [];
    for (let i = 0; i < WARM_UP + SAMPLES; i++) {
      const name = `event-bench-${i}`;
      const started = performance.now();
      await drive.mkdir(name);
      const answered = performance.now();
      await socket.waitFor((e) => e.type === 'item.created' && e.item.name === name, 5_000);
      if (i < WARM_UP) continue;
      call.push(answered - started);
      delivered.push(arrivals.get(name)! - started);
    }
    await socket.close();
    rows.push({
      metric: 'live event: folder created → another socket (p50)',
      value: median(delivered),
      unit: 'ms',
      target: '≤ 1,000 ms (p95)',
      ceiling: `p95 ${p95(delivered).toFixed(1)} ms; the API call itself p50 ${median(call).toFixed(1)}, p95 ${p95(call).toFixed(1)} ms`,
      pass: p95(delivered) <= 1000,
    });
  } finally {
    await drive.stop();
  }
}
