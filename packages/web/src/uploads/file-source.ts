/** What tus-js-client asks of a file: its size, and the bytes from `start` to `end` as something XHR can send. */
export interface UploadSource {
  size: number;
  slice(start: number, end: number): Promise<{ value: Blob; done: boolean }>;
  close(): void;
}

/**
 * A File handed to XHR whole is read from disk by Chromium's network process; a Blob cut from it,
 * even one covering every byte, is streamed through the browser process instead, which on two cores
 * took several times the CPU and ran the upload at a fraction of the speed. So the request that
 * starts at byte 0 and runs to the end (every fresh upload: tus sends the rest in one PATCH) gets the
 * File itself; only a resumed upload pays for a slice.
 */
export function wholeFileSource(file: Blob): UploadSource {
  return {
    size: file.size,
    slice: (start, end) =>
      Promise.resolve({
        value: start === 0 && end >= file.size ? file : file.slice(start, end),
        done: end >= file.size,
      }),
    close: () => undefined,
  };
}
