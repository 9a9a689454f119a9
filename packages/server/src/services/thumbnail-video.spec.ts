import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testVideo } from '../../test/helpers/media-samples.js';
import { VideoTools } from './thumbnail-video.js';

const tools = (memoryBytes: number) =>
  new VideoTools({ enabled: true, ffmpeg: 'ffmpeg', ffprobe: 'ffprobe', memoryBytes });

describe('video tools', () => {
  let server: Server;
  let url: string;

  beforeAll(async () => {
    const video = await testVideo({ seconds: 1 });
    server = createServer((_req, res) => res.end(video));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/clip.mp4`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('finding 3: ffprobe and ffmpeg run under the memory cap they are given', async () => {
    // Too little address space even to map ffmpeg's libraries: the cap demonstrably applies.
    await expect(tools(64 * 1024 * 1024).describe(url, AbortSignal.timeout(30_000))).rejects.toThrow(
      /^ffprobe: /,
    );
    const facts = await tools(1024 * 1024 * 1024).describe(url, AbortSignal.timeout(30_000));
    expect(facts).toMatchObject({ width: 320, height: 240 });
    expect(facts.poster).not.toBeNull();
  });
});
