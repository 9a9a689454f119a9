import { z } from 'zod';
import { runTool } from '../lib/run-tool.js';

export interface VideoToolsConfig {
  /** False turns video posters off whatever is installed. */
  enabled: boolean;
  /** The programs to run: names looked up on PATH, or paths. */
  ffmpeg: string;
  ffprobe: string;
  /** The address space each run may use, in bytes (the shared libraries alone take about 400 MiB). */
  memoryBytes: number;
}

export interface VideoFacts {
  /** As displayed: after the stream's rotation is applied. */
  width: number | null;
  height: number | null;
  /** The rotation as an EXIF orientation (1, 3, 6 or 8), when the stream has one. */
  orientation: number | null;
  durationMs: number | null;
  /** One frame, upright, as PNG; null when the file has no picture to show. */
  poster: Buffer | null;
}

// What we read of ffprobe's JSON; everything else it prints is ignored.
const probeOutput = z.object({
  streams: z
    .array(
      z.object({
        codec_type: z.string().optional(),
        width: z.number().int().positive().optional(),
        height: z.number().int().positive().optional(),
        tags: z.object({ rotate: z.string().optional() }).optional(),
        side_data_list: z.array(z.object({ rotation: z.number().optional() })).optional(),
        disposition: z.object({ attached_pic: z.number().optional() }).optional(),
      }),
    )
    .default([]),
  format: z.object({ duration: z.string().optional() }).default({}),
});

/** A poster is taken this far into a video (a first frame is often black), but never later than… */
const POSTER_AT_SHARE = 0.1;
const POSTER_AT_MAX_MS = 10_000;
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;
/** One run of either program; a poster needs a few seeks, so anything longer is stuck or hostile. */
const RUN_TIMEOUT_MS = 120_000;
/** ffmpeg's own bound on a single allocation, under the address-space cap. */
const MAX_ALLOC_BYTES = 256 * 1024 * 1024;

/**
 * Containers ffmpeg may recognise a stored video as. Playlist and manifest formats (hls, dash,
 * concat, …) are left out because they open further URLs that the file names, which would let an
 * uploaded "x.mp4" make the server fetch any address; none of these opens anything but its input
 * (mov's external references stay off by default).
 */
const DEMUXERS = ['mov', 'matroska', 'avi', 'mpegts', 'mpeg', 'flv', 'ogg', 'asf'].join(',');

/**
 * Input options for both programs. The video is read from our own loopback server over HTTP, so
 * http and tcp are the only protocols; the demuxer list is what keeps that the only URL opened.
 * One thread keeps a decode within the memory cap and off the server's other core.
 */
const INPUT_OPTIONS = [
  ...['-protocol_whitelist', 'http,tcp', '-format_whitelist', DEMUXERS],
  ...['-max_alloc', String(MAX_ALLOC_BYTES), '-threads', '1'],
];
const EXIF_BY_CLOCKWISE_DEGREES: Record<number, number> = { 0: 1, 90: 6, 180: 3, 270: 8 };

/**
 * Debian's ffprobe and ffmpeg, run with argument arrays. They read the video from a loopback URL, so
 * they can seek by Range instead of downloading all of it, and nothing else: see INPUT_OPTIONS.
 * Without them the drive works the same, and videos get no poster.
 */
export class VideoTools {
  private available: Promise<boolean> | undefined;

  constructor(private readonly config: VideoToolsConfig) {}

  /** Whether both programs are turned on and run; asked once. */
  isAvailable(): Promise<boolean> {
    if (!this.config.enabled) return Promise.resolve(false);
    this.available ??= Promise.all([
      run(this.config.ffmpeg, ['-version'], this.config.memoryBytes, AbortSignal.timeout(10_000)),
      run(this.config.ffprobe, ['-version'], this.config.memoryBytes, AbortSignal.timeout(10_000)),
    ]).then(
      () => true,
      () => false,
    );
    return this.available;
  }

  async describe(url: string, signal: AbortSignal): Promise<VideoFacts> {
    const probed = await run(
      this.config.ffprobe,
      [
        ...['-v', 'error', ...INPUT_OPTIONS, '-i', url],
        ...['-print_format', 'json', '-show_format', '-show_streams'],
      ],
      this.config.memoryBytes,
      signal,
      url,
    );
    const info = probeOutput.parse(JSON.parse(probed.toString('utf8')));
    const seconds = Number(info.format.duration);
    const durationMs = Number.isFinite(seconds) && seconds >= 0 ? Math.round(seconds * 1000) : null;
    // An attached picture (cover art) is a video stream too, but not the video.
    const stream = info.streams.find((s) => s.codec_type === 'video' && s.disposition?.attached_pic !== 1);
    if (!stream) return { width: null, height: null, orientation: null, durationMs, poster: null };

    const clockwise = clockwiseDegrees(stream);
    const sideways = clockwise === 90 || clockwise === 270;
    const at = durationMs ? Math.min(durationMs * POSTER_AT_SHARE, POSTER_AT_MAX_MS) : 0;
    // A duration can overstate the last frame's time; the first frame is the fallback.
    const poster = (await this.frame(url, at, signal)) ?? (at > 0 ? await this.frame(url, 0, signal) : null);
    return {
      width: (sideways ? stream.height : stream.width) ?? null,
      height: (sideways ? stream.width : stream.height) ?? null,
      orientation: clockwise === null ? null : (EXIF_BY_CLOCKWISE_DEGREES[clockwise] ?? null),
      durationMs,
      poster,
    };
  }

  /** One frame at `atMs` as PNG (ffmpeg applies the rotation itself), or null past the end. */
  private async frame(url: string, atMs: number, signal: AbortSignal): Promise<Buffer | null> {
    const png = await run(
      this.config.ffmpeg,
      [
        ...['-v', 'error', '-nostdin', '-filter_threads', '1', ...INPUT_OPTIONS],
        ...['-ss', (atMs / 1000).toFixed(3), '-i', url],
        ...['-map', '0:v:0', '-frames:v', '1', '-f', 'image2pipe', '-c:v', 'png', '-'],
      ],
      this.config.memoryBytes,
      signal,
      url,
    );
    return png.length > 0 ? png : null;
  }
}

/** The stream's display rotation, clockwise, in whole quarter turns; null when it has none. */
function clockwiseDegrees(stream: z.infer<typeof probeOutput>['streams'][number]): number | null {
  // The display matrix gives ffmpeg's counter-clockwise angle; the older rotate tag is clockwise.
  const matrix = stream.side_data_list?.find((d) => d.rotation !== undefined)?.rotation;
  const degrees = matrix !== undefined ? -matrix : stream.tags?.rotate ? Number(stream.tags.rotate) : null;
  if (degrees === null || !Number.isFinite(degrees)) return null;
  return (((Math.round(degrees / 90) * 90) % 360) + 360) % 360;
}

/** One run of either program; a video's URL carries a one-time secret that errors leave out. */
function run(
  program: string,
  args: string[],
  memoryBytes: number,
  signal: AbortSignal,
  input?: string,
): Promise<Buffer> {
  const limits = { memoryBytes, timeoutMs: RUN_TIMEOUT_MS, maxOutputBytes: MAX_OUTPUT_BYTES };
  return runTool(program, args, limits, signal, input ? { text: input, as: 'the video' } : undefined);
}
