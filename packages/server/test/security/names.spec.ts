import type { ArchiveListing, Item } from '@idrive/shared';
import { checkName, nameKey } from '@idrive/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newDriveUser, type DriveClient } from '../helpers/drive-client.js';
import { errorCode, startTestApp, type TestApp } from '../helpers/test-app.js';
import { describeEachDb } from '../helpers/test-db.js';

type Client = DriveClient & { root: string };

/** Names that look like one thing and are another, or that Windows and zip tools take apart. */
const BAD_NAMES = [
  'invoice\u202Efdp.exe', // shows as "invoiceexe.pdf"
  'report\u2066.pdf',
  'a\u200Bb.txt',
  'zero\uFEFFwidth',
  'marked\u200F.txt',
  'arabic\u061Cmark',
  'CON',
  'con.txt',
  'Lpt9.log',
  'NUL .txt',
  'C:evil',
  'what?.txt',
  'a\\b',
  'pipe|name',
  'star*',
  '<tag>',
  'quote"d',
  'trailing.',
  'trailing ',
];

const tusMetadata = (fields: Record<string, string>) =>
  Object.entries(fields)
    .map(([k, v]) => `${k} ${Buffer.from(v).toString('base64')}`)
    .join(',');

describeEachDb('item names', (dialect) => {
  let t: TestApp;
  let u: Client;

  beforeAll(async () => {
    t = await startTestApp({ dialect });
    u = await newDriveUser(t);
  });
  afterAll(() => t.close());

  it('finding 14: bidi controls, zero-width characters and Windows-reserved names are refused on every way in, storing nothing', async () => {
    const existing = await u.mkdir(u.root, 'existing');
    for (const name of BAD_NAMES) {
      const refusals = [
        await u.request('POST', '/folders', { parentId: u.root, name }),
        await u.request('PUT', `/folders/${u.root}/files/${encodeURIComponent(name)}`, 'x', {
          'content-type': 'application/octet-stream',
        }),
        await u.request('PATCH', `/items/${existing.id}`, { name }),
        await u.request('POST', '/uploads', undefined, {
          'tus-resumable': '1.0.0',
          'upload-length': '1',
          'upload-metadata': tusMetadata({ filename: name, parentId: u.root }),
        }),
      ];
      for (const res of refusals) {
        expect([name, res.statusCode]).toEqual([name, 400]);
        expect(['validation_failed', 'bad_request']).toContain(errorCode(res));
        // The message (or its details) says which rule the name breaks.
        expect(res.body).toContain('Name must not');
      }
    }
    // A batch refuses the file with a bad segment and keeps the good one.
    const results = await u.batch(u.root, [
      { path: 'ok/fine.txt', data: 'fine' },
      { path: 'AUX/inside.txt', data: 'no' },
      { path: 'sub/\u202Etxt.exe', data: 'no' },
    ]);
    expect(results.map((r) => r.error?.code ?? 'ok')).toEqual(['ok', 'bad_request', 'bad_request']);

    const listing = await u.list(u.root);
    expect(listing.items.map((i) => i.name).sort()).toEqual(['existing', 'ok']);
    expect((await u.item(existing.id)).name).toBe('existing');
  });

  it('finding 14: names are stored in NFC, and ordinary names with dots, spaces and accents still pass', async () => {
    const decomposed = 'Cafe\u0301 menu.txt';
    const file = await u.upload(u.root, decomposed, 'menu');
    expect(file.name).toBe('Café menu.txt');
    for (const name of ['.env', 'a..b', ' leading space', 'COMA.txt', 'console.log', 'Zażółć gęślą.md'])
      expect((await u.mkdir(u.root, name)).name).toBe(name);
  });

  it('finding 14: a zip the drive makes from names stored before the rule has no entry its archive viewer calls unsafe', async () => {
    const top = await u.mkdir(u.root, 'legacy');
    const inner = await u.mkdir(top.id, 'inner');
    const files = await Promise.all(
      ['one.txt', 'two.txt', 'three.txt', 'four.txt', 'five.txt'].map((n) => u.upload(inner.id, n, n)),
    );
    // Names an older version accepted, written straight to the database as it would have.
    const legacy: [Item, string][] = [
      [inner, 'D:'],
      [files[0]!, 'C:evil.txt'],
      [files[1]!, '..\\..\\escape.txt'],
      [files[2]!, 'CON'],
      [files[3]!, 'doc\u202Etxt.exe'],
      [files[4]!, 'trailing.'],
    ];
    for (const [item, name] of legacy)
      await t.drive.repos.items.update(item.id, { name, name_key: nameKey(name) });

    const zip = await u.request('GET', `/folders/${top.id}/zip`);
    expect(zip.statusCode).toBe(200);
    const stored = await u.upload(u.root, 'legacy.zip', zip.rawPayload);
    const res = await u.request('GET', `/files/${stored.id}/archive`);
    expect(res.statusCode).toBe(200);
    const { entries } = res.json<ArchiveListing>();
    expect(entries).toHaveLength(legacy.length);
    for (const entry of entries) {
      expect([entry.path, entry.safe, entry.unsafeReason]).toEqual([entry.path, true, undefined]);
      for (const segment of entry.path.split('/').filter((s) => s !== ''))
        expect([segment, checkName(segment).ok]).toEqual([segment, true]);
    }
  });
});

describe('item names (the rule itself)', () => {
  it('finding 14: checkName says which rule a name breaks', () => {
    const problems = BAD_NAMES.map((name) => {
      const check = checkName(name);
      return check.ok ? 'accepted' : check.problem;
    });
    expect(problems).not.toContain('accepted');
    expect(new Set(problems)).toEqual(
      new Set(['invisible', 'reserved', 'forbiddenCharacter', 'trailingDotOrSpace']),
    );
  });
});
