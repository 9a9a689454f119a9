import { createInterface } from 'node:readline';

/** Reads one line from the terminal; with `hidden`, nothing typed is echoed. */
export function ask(question: string, hidden = false): Promise<string> {
  const input = process.stdin;
  const output = process.stderr;
  if (!hidden) {
    const rl = createInterface({ input, output, terminal: true });
    return new Promise((resolve) => rl.question(question, (answer) => (rl.close(), resolve(answer))));
  }
  return new Promise((resolve, reject) => {
    output.write(question);
    input.setRawMode(true);
    input.resume();
    let typed = '';
    const done = (result: () => void) => {
      input.setRawMode(false);
      input.pause();
      input.off('data', onData);
      output.write('\n');
      result();
    };
    const onData = (chunk: Buffer) => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n') return done(() => resolve(typed));
        if (char === '\u0003') return done(() => reject(new Error('Interrupted')));
        if (char === '\u007f' || char === '\b') typed = typed.slice(0, -1);
        else if (char >= ' ') typed += char;
      }
    };
    input.on('data', onData);
  });
}
