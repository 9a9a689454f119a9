import type { RestoreReport } from './restore.js';

const when = (ms: number) => new Date(ms).toISOString();
const plural = (n: number, one: string, many = `${one}s`) =>
  `${n.toLocaleString('en')} ${n === 1 ? one : many}`;

/** The restore's report as a person reads it: what came back, from where, and what did not, with why. */
export function formatRestoreReport(report: RestoreReport): string {
  const c = report.counts;
  const lines = [
    `Restored drive ${report.driveId}${report.controlChannelId ? ` (control channel ${report.controlChannelId})` : ''}`,
    `  from a checkpoint of record ${report.checkpointThrough} (${when(report.checkpointAt)}) and ${plural(report.segments, 'journal segment')}, through record ${report.journalThrough}`,
    `  ${plural(c.users ?? 0, 'user')}, ${plural(c.items ?? 0, 'item')} (files and folders), ${plural(c.file_versions ?? 0, 'stored version')}, ${plural(c.shares ?? 0, 'share link')}, ${plural(c.folder_locks ?? 0, 'locked folder')}, ${plural(c.tags ?? 0, 'tag')}`,
  ];
  for (const [table, n] of Object.entries(report.dropped)) {
    lines.push(
      `  left out ${plural(n, `row of ${table}`, `rows of ${table}`)}: what they refer to is not in the journal`,
    );
  }
  if (report.problems.length > 0) {
    lines.push('Passed over while reading the control channel:');
    for (const p of report.problems) lines.push(`  - ${p}`);
  }
  if (!report.scan) {
    lines.push(
      'The data channels were not scanned. Files committed after the last journal record are not in this',
      'database, and the orphan sweep deletes their messages once they are older than the upload expiry:',
      'run the restore again with --scan (on an empty database) before starting the drive to recover them.',
    );
    return lines.join('\n');
  }
  const s = report.scan;
  lines.push(`Scanned ${plural(s.channels, 'data channel')}, ${plural(s.messages, 'message')}:`);
  if (s.recovered.length === 0) lines.push('  nothing the journal missed');
  for (const r of s.recovered) lines.push(`  recovered ${r.path} (${plural(r.size, 'byte')}): ${r.how}`);
  for (const n of s.notRecovered) lines.push(`  not recovered: ${n.what}: ${n.why}`);
  for (const [why, n] of Object.entries(s.passedOver))
    lines.push(`  passed over ${plural(n, 'object')}: ${why}`);
  return lines.join('\n');
}
