import { execFile } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FileInfo } from '@idrive/shared';
import { newDriveUser } from '../../test/helpers/drive-client.js';
import { mediaState, testVideo } from '../../test/helpers/media-samples.js';
import { errorCode, startTestApp, type TestApp } from '../../test/helpers/test-app.js';
import { describeEachDb } from '../../test/helpers/test-db.js';

const run = promisify(execFile);

// Debian's ffmpeg is installed by .ci/run; these tests run it for real.
describeEachDb('video posters and durations', (dialect) => {
  let t: TestApp;
  let plain: Buffer;
  let rotated: Buffer;

  beforeAll(async () => {
    [plain, rotated] = await Promise.all([testVideo({ seconds: 3 }), testVideo({ seconds: 1, rotate: 90 })]);
    // Chunks of one segment, so ffmpeg's seeks land in other chunks than its first reads.
    t = await startTestApp({ dialect, env: { IDRIVE_CHUNK_SIZE: '65536' } });
  });
  afterAll(() => t.close());

  it('takes a poster frame and the duration with ffprobe and ffmpeg', async () => {
    const user = await newDriveUser(t);
    const clip = await user.upload(user.root, 'clip.mp4', plain);
    expect(await t.drive.jobWorker.drain()).toBe(1);
    const { media } = (await user.request('GET', `/files/${clip.id}/info`)).json<FileInfo>();
    expect(media).toMatchObject({ kind: 'video', status: 'ready', width: 320, height: 240, thumbnail: true });
    expect(media!.duration).toBeCloseTo(3, 1);
    const poster = await user.request('GET', `/files/${clip.id}/thumbnail`);
    expect(poster.statusCode).toBe(200);
    expect(await sharp(poster.rawPayload).metadata()).toMatchObject({
      format: 'webp',
      width: 256,
      height: 192,
    });
    expect((await user.content(clip.id)).equals(plain)).toBe(true);
  });

  it('reports a rotated video as displayed, with an upright poster', async () => {
    const user = await newDriveUser(t);
    const clip = await user.upload(user.root, 'portrait.mp4', rotated);
    await t.drive.jobWorker.drain();
    const { media } = await mediaState(t, clip.id);
    // ffmpeg stores this rotation as a quarter turn counter-clockwise to display, which is EXIF 8.
    expect(media).toMatchObject({ status: 'ready', width: 240, height: 320, orientation: 8 });
    const poster = await user.request('GET', `/files/${clip.id}/thumbnail`);
    expect(await sharp(poster.rawPayload).metadata()).toMatchObject({ width: 192, height: 256 });
  });
});

describeEachDb('video files that name other addresses', (dialect) => {
  let t: TestApp;
  let listener: Server;
  let address: string;
  const connections: Socket[] = [];

  beforeAll(async () => {
    t = await startTestApp({ dialect });
    listener = createServer((socket) => {
      connections.push(socket);
      socket.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const { port } = listener.address() as { port: number };
    address = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => listener.close(resolve));
    await t.close();
  });

  it('finding 3: HLS, DASH and concat files uploaded as x.mp4 make ffprobe and ffmpeg open no connection', async () => {
    const user = await newDriveUser(t);
    const payloads = {
      hls: ['#EXTM3U', '#EXT-X-TARGETDURATION:1', '#EXTINF:1,', `${address}/segment.ts`, '#EXT-X-ENDLIST'],
      dash: [
        '<?xml version="1.0"?>',
        '<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT1S"',
        ' minBufferTime="PT1S" profiles="urn:mpeg:dash:profile:isoff-on-demand:2011"><Period>',
        '<AdaptationSet mimeType="video/mp4"><Representation id="1" bandwidth="1000" width="320"',
        ` height="240" codecs="avc1.4d401e"><BaseURL>${address}/video.mp4</BaseURL>`,
        '<SegmentBase indexRange="0-100"/></Representation></AdaptationSet></Period></MPD>',
      ],
      concat: ['ffconcat version 1.0', `file ${address}/part.mp4`],
    };
    const uploaded = [];
    for (const [format, lines] of Object.entries(payloads)) {
      uploaded.push(await user.upload(user.root, `${format}.mp4`, Buffer.from(lines.join('\n') + '\n')));
    }
    expect(await t.drive.jobWorker.drain()).toBe(uploaded.length);
    expect(connections).toHaveLength(0);
    for (const file of uploaded) {
      const { media, job } = await mediaState(t, file.id);
      expect(media).toMatchObject({ status: 'pending', thumbnail_version_id: null });
      expect(job?.last_error).toMatch(/not on whitelist/);
    }
  });

  it('finding 3: a WebM still gets its poster with the container list in place', async () => {
    const webm = await run(
      'ffmpeg',
      [
        ...['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=duration=2:size=320x240:rate=10'],
        ...['-c:v', 'libvpx', '-f', 'webm', '-'],
      ],
      { encoding: 'buffer', maxBuffer: 16 * 1024 * 1024 },
    );
    const user = await newDriveUser(t);
    const clip = await user.upload(user.root, 'clip.webm', webm.stdout);
    expect(await t.drive.jobWorker.drain()).toBe(1);
    const { media } = await mediaState(t, clip.id);
    // Written to a pipe, the WebM carries no duration; the poster is what matters here.
    expect(media).toMatchObject({ status: 'ready', width: 320, height: 240, error: null });
    expect(media!.thumbnail_version_id).not.toBeNull();
  });
});

describeEachDb('videos without ffmpeg', (dialect) => {
  let video: Buffer;
  beforeAll(async () => {
    video = await testVideo({ seconds: 1 });
  });

  for (const [why, env] of [
    ['turned off', { IDRIVE_VIDEO_POSTERS: 'false' }],
    [
      'not installed',
      { IDRIVE_FFMPEG_PATH: '/nonexistent/ffmpeg', IDRIVE_FFPROBE_PATH: '/nonexistent/ffprobe' },
    ],
  ] as const) {
    it(`gets no poster when ffmpeg is ${why}, and nothing fails`, async () => {
      const t = await startTestApp({ dialect, env });
      try {
        const user = await newDriveUser(t);
        const clip = await user.upload(user.root, 'clip.mp4', video);
        expect(await t.drive.jobWorker.drain()).toBe(1);
        const { media, job } = await mediaState(t, clip.id);
        expect(job).toBeUndefined();
        expect(media).toMatchObject({ status: 'skipped', thumbnail_version_id: null });
        const res = await user.request('GET', `/files/${clip.id}/thumbnail`);
        expect(res.statusCode).toBe(404);
        expect(errorCode(res)).toBe('thumbnail_unavailable');
        expect((await user.request('GET', `/files/${clip.id}/info`)).json<FileInfo>().media).toMatchObject({
          status: 'skipped',
          thumbnail: false,
        });
        expect((await user.content(clip.id)).equals(video)).toBe(true);
      } finally {
        await t.close();
      }
    });
  }
});
