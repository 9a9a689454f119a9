import { describe, expect, it } from 'vitest';
import { clampView, FIT, MAX_SCALE, zoomAt } from './zoom';

const stage = { width: 800, height: 600 };
const picture = { width: 800, height: 400 };

describe('zoomAt', () => {
  it('keeps the point under the pointer in place', () => {
    const view = zoomAt(FIT, 2, { x: 100, y: -50 });
    // The picture point that was under (100, -50) was 100 px right of its centre; now it is 200 px.
    expect(view).toEqual({ scale: 2, x: -100, y: 50 });
    expect(view.x + (100 - 0) * 2).toBe(100);
  });

  it('zooming back at the same point returns to where it was', () => {
    const at = { x: 30, y: 70 };
    const back = zoomAt(zoomAt(FIT, 3, at), 1, at);
    expect(back.scale).toBe(1);
    expect(back.x).toBeCloseTo(0);
    expect(back.y).toBeCloseTo(0);
  });

  it('stays within the scale limits', () => {
    expect(zoomAt(FIT, 100, { x: 0, y: 0 }).scale).toBe(MAX_SCALE);
    expect(zoomAt(FIT, 0.1, { x: 0, y: 0 }).scale).toBe(1);
  });
});

describe('clampView', () => {
  it('centres the fitted picture', () => {
    expect(clampView({ scale: 1, x: 300, y: 20 }, stage, picture)).toEqual(FIT);
  });

  it('lets a zoomed picture pan only until a quarter of the stage shows past its edge', () => {
    const view = clampView({ scale: 2, x: 5000, y: -5000 }, stage, picture);
    // 1600 px wide on an 800 px stage: 400 px of overhang each side plus a quarter stage (200 px).
    expect(view).toEqual({ scale: 2, x: 600, y: -(100 + 150) });
  });
});
