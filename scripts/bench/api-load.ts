// A mixed API load for the cluster rows, run as its own process (so the bench's own work does not
// set the figure): `concurrency` loops, each sending, in turn, folder listings, item details and small
// uploads for `seconds`, over keep-alive connections. Each loop uploads into a folder of its own, as
// many users would (uploads into one folder take turns on its names). Prints one JSON line of what it
// counted.
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    token: { type: 'string' },
    folder: { type: 'string' },
    item: { type: 'string' },
    seconds: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '16' },
  },
});
const base = `${values.url}/api/v1`;
const auth = { authorization: `Bearer ${values.token}` };
const small = Buffer.alloc(4096, 7);

/** Of every ten requests: five listings, three item details, two 4 KiB uploads. */
const MIX = ['list', 'list', 'info', 'upload', 'list', 'info', 'list', 'upload', 'info', 'list'] as const;
const counts = { list: 0, info: 0, upload: 0, failed: 0 };

async function ownFolder(loop: number): Promise<string> {
  const res = await fetch(`${base}/folders`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ parentId: values.folder, name: `loop-${process.pid}-${loop}` }),
  });
  if (res.status !== 201) throw new Error(`creating a folder answered ${res.status}`);
  return ((await res.json()) as { id: string }).id;
}

async function once(kind: (typeof MIX)[number], uploadTo: string, n: number): Promise<boolean> {
  const res =
    kind === 'list'
      ? await fetch(`${base}/folders/${values.folder}/children?limit=100`, { headers: auth })
      : kind === 'info'
        ? await fetch(`${base}/items/${values.item}`, { headers: auth })
        : await fetch(`${base}/folders/${uploadTo}/files/load-${n}.bin`, {
            method: 'PUT',
            headers: { ...auth, 'content-type': 'application/octet-stream' },
            body: small,
          });
  await res.arrayBuffer();
  return res.ok;
}

async function loop(index: number, uploadTo: string): Promise<void> {
  for (let n = 0; performance.now() < until; n++) {
    const kind = MIX[(index + n) % MIX.length]!;
    if (await once(kind, uploadTo, n)) counts[kind]++;
    else counts.failed++;
  }
}

const folders = await Promise.all(Array.from({ length: Number(values.concurrency) }, (_, i) => ownFolder(i)));
const until = performance.now() + Number(values.seconds) * 1000;
const started = performance.now();
await Promise.all(folders.map((folder, i) => loop(i, folder)));
const ms = performance.now() - started;
console.log(JSON.stringify({ ...counts, ms }));
