import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { renderPhoto } from './thumbnail-image.js';

/** 80×40, four quadrants of four colours: every turn and mirror puts them somewhere else. */
async function quadrants(): Promise<Buffer> {
  const [w, h] = [80, 40];
  const colours = [
    [255, 0, 0],
    [0, 255, 0],
    [0, 0, 255],
    [255, 255, 0],
  ];
  const data = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const c = colours[(x < w / 2 ? 0 : 1) + (y < h / 2 ? 0 : 2)]!;
      data.set(c, (y * w + x) * 3);
    }
  }
  return sharp(data, { raw: { width: w, height: h, channels: 3 } })
    .png()
    .toBuffer();
}

/** The colour of each quadrant's centre, as bits. */
async function layout(image: Buffer): Promise<string> {
  const { data, info } = await sharp(image).raw().toBuffer({ resolveWithObject: true });
  return [
    [0.25, 0.25],
    [0.75, 0.25],
    [0.25, 0.75],
    [0.75, 0.75],
  ]
    .map(([fx, fy]) => {
      const at = (Math.floor(fy! * info.height) * info.width + Math.floor(fx! * info.width)) * info.channels;
      return [0, 1, 2].map((c) => (data[at + c]! > 128 ? 1 : 0)).join('');
    })
    .join(' ');
}

describe('photo previews', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])(
    'turns a picture stored with orientation %i upright, as a JPEG carrying that orientation is shown',
    async (orientation) => {
      const stored = await quadrants();
      const carrying = await sharp(stored).jpeg({ quality: 100 }).withMetadata({ orientation }).toBuffer();
      const shown = await sharp(carrying).rotate().png().toBuffer();
      const rendered = await renderPhoto(stored, orientation, 1_000_000);
      const { width, height } = await sharp(shown).metadata();
      expect(rendered).toMatchObject({ width, height });
      expect(await layout(rendered.preview)).toBe(await layout(shown));
      expect(await layout(rendered.thumbnail)).toBe(await layout(shown));
    },
  );

  it('refuses a picture over the pixel limit before decoding it', async () => {
    await expect(renderPhoto(await quadrants(), 1, 80 * 40 - 1)).rejects.toThrow(/80×40 pixels/);
  });
});
