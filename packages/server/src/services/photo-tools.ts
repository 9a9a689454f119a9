import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { CameraInfo } from '@idrive/shared';
import { z } from 'zod';
import { runTool, type ToolLimits } from '../lib/run-tool.js';
import { cameraText } from './exif-camera.js';

export interface PhotoToolsConfig {
  /** Debian's exiftool (libimage-exiftool-perl) and heif-convert (libheif-examples): names on PATH, or paths. */
  exiftool: string;
  heifConvert: string;
  /** The address space one run may use, in bytes. */
  memoryBytes: number;
  /** One run is killed after this long. */
  timeoutMs: number;
  /** Where each job gets a private directory for the decrypted file and the decoder's output. */
  workDir: string;
}

/** Embedded previews, best first: the camera's full-size JPEG down to its thumbnail. */
const PREVIEW_TAGS = ['JpgFromRaw2', 'JpgFromRaw', 'PreviewImage', 'ThumbnailImage'] as const;
type PreviewTag = (typeof PREVIEW_TAGS)[number];

/** An embedded preview is at most this large (a 60 MP camera's full-size JPEG is about 30 MB). */
const MAX_PREVIEW_BYTES = 64 * 1024 * 1024;
/** What a decoder may write: a full-quality JPEG of the largest picture the pixel limit allows. */
const MAX_DECODED_BYTES = 256 * 1024 * 1024;
const MAX_METADATA_BYTES = 1024 * 1024;
/** A job's directory older than this belongs to a process that died (a job is stopped at 5 minutes). */
const STALE_WORK_MS = 60 * 60_000;

const text = z.union([z.string(), z.number()]).transform(cameraText);
const number = z.union([z.number(), z.string()]).transform((v) => {
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
});
// What we ask exiftool for; `#` tags come as numbers, the rest as it prints them.
const exifOutput = z.array(
  z.object({
    Make: text.optional(),
    Model: text.optional(),
    LensModel: text.optional(),
    LensID: text.optional(),
    Lens: text.optional(),
    ISO: number.optional(),
    ExposureTime: number.optional(),
    FNumber: number.optional(),
    FocalLength: number.optional(),
    DateTimeOriginal: text.optional(),
    ImageSize: text.optional(),
    Orientation: number.optional(),
    JpgFromRaw2: text.optional(),
    JpgFromRaw: text.optional(),
    PreviewImage: text.optional(),
    ThumbnailImage: text.optional(),
  }),
);
const EXIF_TAGS = [
  ...['-Make', '-Model', '-LensModel', '-LensID', '-Lens', '-DateTimeOriginal'],
  ...['-ISO#', '-ExposureTime#', '-FNumber#', '-FocalLength#', '-ImageSize#', '-Orientation#'],
  ...PREVIEW_TAGS.map((tag) => `-${tag}`),
];

export interface PhotoFacts {
  camera: CameraInfo;
  /** EXIF orientation (1-8) of the picture, which embedded previews do not carry themselves. */
  orientation: number | null;
  /** Embedded previews exiftool found intact, largest first. */
  previews: PreviewTag[];
}

/**
 * The external programs camera RAW and HEIC previews need, run on a decrypted copy in a private
 * directory with no shell, a memory cap, a size cap on what they write and a timeout (runTool).
 * Without them the drive works the same, and such files get no preview.
 */
export class PhotoTools {
  private readonly available = new Map<string, Promise<boolean>>();

  constructor(private readonly config: PhotoToolsConfig) {}

  /** Whether the program a family of files needs runs here; asked once. */
  isAvailable(family: 'raw' | 'heif'): Promise<boolean> {
    const probe =
      family === 'raw'
        ? () => this.run(this.config.exiftool, ['-ver'], AbortSignal.timeout(10_000))
        : // An HEVC decoder must be among the ones libheif lists, or HEIC cannot be read.
          () =>
            this.run(this.config.heifConvert, ['--list-decoders'], AbortSignal.timeout(10_000)).then(
              (out) => {
                if (!/HEIC decoders:\s*\n\s*-/.test(out.toString('utf8'))) throw new Error('no HEVC decoder');
              },
            );
    let answer = this.available.get(family);
    if (!answer) {
      answer = probe().then(
        () => true,
        () => false,
      );
      this.available.set(family, answer);
    }
    return answer;
  }

  /** Runs `work` in a directory of its own (0700), removed afterwards whatever happens. */
  async inWorkDir<T>(work: (dir: string) => Promise<T>): Promise<T> {
    await mkdir(this.config.workDir, { recursive: true, mode: 0o700 });
    const dir = await mkdtemp(path.join(this.config.workDir, 'job-'));
    try {
      return await work(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** Removes what a process that died in the middle of a job left behind (plaintext copies). */
  async sweep(now = Date.now()): Promise<void> {
    const entries = await readdir(this.config.workDir).catch(() => []);
    for (const name of entries) {
      const where = path.join(this.config.workDir, name);
      const info = await stat(where).catch(() => null);
      if (info && now - info.mtimeMs > STALE_WORK_MS) await rm(where, { recursive: true, force: true });
    }
  }

  /** The camera facts and embedded previews of a photo, read by exiftool. */
  async describe(file: string, signal: AbortSignal): Promise<PhotoFacts> {
    const out = await this.run(this.config.exiftool, ['-json', ...EXIF_TAGS, file], signal);
    const [tags] = exifOutput.parse(JSON.parse(out.toString('utf8')));
    if (!tags) throw new Error('exiftool: nothing read');
    const [width, height] = (tags.ImageSize ?? '').split(' ').map(Number);
    const lensId = tags.LensID?.startsWith('Unknown') ? null : tags.LensID;
    const sizes = new Map(PREVIEW_TAGS.map((tag) => [tag, embeddedBytes(tags[tag])]));
    return {
      camera: {
        make: tags.Make ?? null,
        model: tags.Model ?? null,
        lens: tags.LensModel ?? lensId ?? tags.Lens ?? null,
        iso: tags.ISO ?? null,
        exposureTime: tags.ExposureTime ?? null,
        aperture: tags.FNumber ?? null,
        focalLength: tags.FocalLength ?? null,
        takenAt: isoDate(tags.DateTimeOriginal ?? null),
        pixelWidth: plausibleSide(width),
        pixelHeight: plausibleSide(height),
      },
      orientation: validOrientation(tags.Orientation ?? null),
      // Largest first; on a tie the order of PREVIEW_TAGS (a full-size JPEG before a preview).
      previews: PREVIEW_TAGS.filter((tag) => sizes.get(tag)! > 0).sort(
        (a, b) => sizes.get(b)! - sizes.get(a)!,
      ),
    };
  }

  /** One embedded preview's bytes, exactly as stored. */
  extract(file: string, tag: PreviewTag, signal: AbortSignal): Promise<Buffer> {
    return this.run(this.config.exiftool, ['-b', `-${tag}`, file], signal, {
      maxOutputBytes: MAX_PREVIEW_BYTES,
    });
  }

  /**
   * Decodes a HEIF image to a JPEG in `dir` with libheif, which applies the image's own rotation
   * and mirroring (so the result is upright, and its EXIF orientation must be ignored).
   */
  async decodeHeif(file: string, dir: string, signal: AbortSignal): Promise<Buffer> {
    const output = path.join(dir, 'decoded.jpg');
    await this.run(this.config.heifConvert, ['--quiet', '-q', '95', file, output], signal, { cwd: dir });
    return readFile(output);
  }

  private run(program: string, args: string[], signal: AbortSignal, more: Partial<ToolLimits> = {}) {
    const limits: ToolLimits = {
      memoryBytes: this.config.memoryBytes,
      timeoutMs: this.config.timeoutMs,
      maxOutputBytes: MAX_METADATA_BYTES,
      maxFileBytes: MAX_DECODED_BYTES,
      ...more,
    };
    // exiftool's `-config ''` keeps it from loading a user's config file (Perl code).
    const first = program === this.config.exiftool ? ['-config', ''] : [];
    return runTool(program, [...first, ...args], limits, signal);
  }
}

/** The size exiftool reports for an embedded image ("(Binary data 389456 bytes, …)"), or 0. */
function embeddedBytes(said: string | null | undefined): number {
  const match = /Binary data (\d+) bytes/.exec(said ?? '');
  return match ? Number(match[1]) : 0;
}

/** `2021:05:12 12:21:21` (maybe with `.123` and `+02:00`) as `2021-05-12T12:21:21`…; null if not a date. */
function isoDate(said: string | null): string | null {
  const match = /^(\d{4}):(\d{2}):(\d{2}) (\d{2}:\d{2}:\d{2})(\.\d+)?([+-]\d{2}:\d{2}|Z)?$/.exec(said ?? '');
  if (!match || match[1] === '0000') return null;
  const [, y, m, d, time, fraction, zone] = match;
  return `${y}-${m}-${d}T${time}${fraction ?? ''}${zone ?? ''}`;
}

/** No camera records a side of a million pixels; a header that says so is broken or hostile. */
function plausibleSide(value: number | undefined): number | null {
  return value !== undefined && Number.isInteger(value) && value > 0 && value <= 1_000_000 ? value : null;
}

function validOrientation(value: number | null): number | null {
  return value !== null && Number.isInteger(value) && value >= 1 && value <= 8 ? value : null;
}
