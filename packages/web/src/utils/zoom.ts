/**
 * Zoom and pan of a picture that is drawn centred in its stage and "fits" at scale 1. `x`/`y` move
 * the picture's centre away from the stage's centre, in screen pixels.
 */
export interface View {
  scale: number;
  x: number;
  y: number;
}

export const MIN_SCALE = 1;
export const MAX_SCALE = 16;
export const FIT: View = { scale: 1, x: 0, y: 0 };

/** A point on screen relative to the stage's centre. */
export interface Point {
  x: number;
  y: number;
}

/** Width and height of the stage and of the picture as it is laid out at scale 1. */
export interface Box {
  width: number;
  height: number;
}

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));

/**
 * Keeps the picture over the stage: at most half of it may slide out of view, and at the fitted
 * scale it sits centred.
 */
export function clampView(view: View, stage: Box, picture: Box): View {
  const scale = clamp(view.scale, MIN_SCALE, MAX_SCALE);
  if (scale === MIN_SCALE) return FIT;
  const limitX = Math.max(0, (picture.width * scale - stage.width) / 2) + stage.width / 4;
  const limitY = Math.max(0, (picture.height * scale - stage.height) / 2) + stage.height / 4;
  return { scale, x: clamp(view.x, -limitX, limitX), y: clamp(view.y, -limitY, limitY) };
}

/** The view zoomed to `scale` so that the picture point under `at` stays under it. */
export function zoomAt(view: View, scale: number, at: Point): View {
  const next = clamp(scale, MIN_SCALE, MAX_SCALE);
  const ratio = next / view.scale;
  return { scale: next, x: at.x - (at.x - view.x) * ratio, y: at.y - (at.y - view.y) * ratio };
}

/** One step of the zoom buttons and keys. */
export const ZOOM_STEP = 1.5;
