import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';

/** Small files of each kind the preview shows, made on the spot. */

/** A PNG of one colour. */
export function png(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#3b82f6' } })
    .png()
    .toBuffer();
}

/**
 * A JPEG stored `width`×`height` whose EXIF says "rotate 90° clockwise" (orientation 6): shown
 * upright it is `height` wide and `width` tall.
 */
export function rotatedJpeg(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#f97316' } })
    .jpeg()
    .withMetadata({ orientation: 6 })
    .toBuffer();
}

/**
 * A 10-second VP8 WebM test pattern (Debian's Chromium has no H.264), with a key frame every second
 * so any point can be sought.
 */
export async function webm(): Promise<Buffer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'idrive-video-'));
  const file = path.join(dir, 'clip.webm');
  try {
    await promisify(execFile)(process.env.FFMPEG_PATH ?? 'ffmpeg', [
      ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi'],
      ...['-i', 'testsrc=duration=10:size=320x240:rate=10'],
      ...['-c:v', 'libvpx', '-b:v', '300k', '-g', '10', '-an', file],
    ]);
    return await readFile(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A one-page PDF saying `text`, written out by hand (offsets and all). */
export function pdf(text: string): Buffer {
  const stream = `BT /F1 24 Tf 20 60 Td (${text}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 144] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets = objects.map((body, i) => {
    const offset = out.length;
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
    return offset;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) out += `${String(offset).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

/** A zip of `count` small text files, `file-0000.txt` on, made by Python's zipfile. */
export async function manyEntriesZip(count: number): Promise<Buffer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'idrive-zip-'));
  const file = path.join(dir, 'many.zip');
  try {
    const script = [
      'import sys, zipfile',
      "with zipfile.ZipFile(sys.argv[1], 'w') as z:",
      "    for i in range(int(sys.argv[2])): z.writestr('file-%04d.txt' % i, 'entry %d' % i)",
    ].join('\n');
    await promisify(execFile)('python3', ['-c', script, file, String(count)]);
    return await readFile(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
