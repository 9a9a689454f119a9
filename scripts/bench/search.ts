// Name search over 1,000,000 files on SQLite, next to a primary-key lookup measured in the same run
// (the same HTTP, authentication and JSON, with the least work a query can be).
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { foldForSearch, nameKey, type Listing, type SearchResponse } from '@idrive/shared';
import { openDatabase } from '../../packages/server/src/db/database.js';
import type { NewItemRow } from '../../packages/server/src/db/schema.js';
import { ItemRepository } from '../../packages/server/src/repositories/item.repository.js';
import { loginOver } from '../../packages/server/test/helpers/http-client.js';
import { startServerProcess } from '../../packages/server/test/helpers/server-process.js';
import { median, p95, type Row } from './rows.js';

const FILES = Number(process.env.BENCH_SEARCH_FILES ?? 1_000_000);
const TOP_FOLDERS = 100;
const SUBFOLDERS = 10;
const PASSWORD = 'bench-password-1';
const ROUNDS = 60;

const WORDS = `żółty zielony czerwony niebieski różowy brązowy szary biały czarny fioletowy pomarańczowy złoty
  srebrny łąka łódź łóżko łyżka łabędź łania łosoś łopata łańcuch ławka łazienka łokieć łuk łza łzawy źródło
  źrebię żaba żołądź żuraw żagiel żarówka żelazko żyrafa żołnierz żniwa żubr żużel żywność ślimak śliwka śnieg
  śniadanie światło świeca świnka środa ściana ścieżka śmietana śpiwór ślub śledź ćma ćwiczenie ćwierć cień gęś
  gałąź kość miłość młodość mądrość radość wieść ość pięść jabłko gruszka wiśnia czereśnia malina truskawka
  jeżyna porzeczka agrest brzoskwinia morela śliwa ogórek pomidor marchew ziemniak kapusta cebula czosnek papryka
  dynia fasola groch kalafior brokuł dom mieszkanie kuchnia pokój ogród balkon piwnica strych garaż weranda taras
  korytarz schody szkoła uczelnia biuro fabryka sklep apteka szpital kościół muzeum teatr kino biblioteka poczta
  faktura rachunek umowa raport sprawozdanie notatka list podanie wniosek zaświadczenie oferta zdjęcie obraz
  rysunek szkic portret pejzaż film nagranie piosenka muzyka wiersz opowiadanie wakacje urlop podróż wycieczka
  wyjazd spacer rejs wyprawa zjazd spotkanie wesele urodziny imieniny styczeń luty marzec kwiecień maj czerwiec
  lipiec sierpień wrzesień październik listopad grudzień poniedziałek wtorek czwartek piątek sobota niedziela
  wiosna lato jesień zima kraków gdańsk wrocław poznań łódzki szczecin lublin białystok katowice toruń kielce
  rzeszów opole zamość sopot zakopane częstochowa bydgoszcz gniezno płock elbląg tarnów przemyśl świnoujście góry
  morze jezioro rzeka las puszcza bagno wydma plaża klif dolina wąwóz przełęcz szczyt kot pies koń krowa owca koza
  kura kaczka indyk królik chomik papuga rybka żółw wąż jeż mama tata babcia dziadek siostra brat ciocia wujek
  kuzyn córka syn wnuczka przyjaciel sąsiad samochód rower pociąg autobus tramwaj samolot statek motocykl
  hulajnoga taksówka metro książka zeszyt długopis ołówek gumka linijka plecak tornister kalkulator słownik mapa
  globus komputer telefon tablet drukarka skaner monitor klawiatura myszka głośnik słuchawki kamera aparat
  projekt budżet plan harmonogram prezentacja arkusz kopia archiwum dokument formularz szablon przepis ciasto
  sernik makowiec pierogi bigos żurek barszcz rosół gołąbki placki naleśniki kotlet wesoły smutny szybki wolny
  duży mały stary nowy ciepły zimny jasny ciemny gorący mokry suchy piękny brzydki ważny pilny tajny prywatny
  służbowy rodzinny szkolny świąteczny letni zimowy`
  .split(/\s+/)
  .filter(Boolean);

const TYPES: [string, string][] = [
  ['jpg', 'image/jpeg'],
  ['png', 'image/png'],
  ['pdf', 'application/pdf'],
  ['docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
  ['txt', 'text/plain'],
  ['mp4', 'video/mp4'],
  ['mp3', 'audio/mpeg'],
  ['zip', 'application/zip'],
  ['xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
  ['csv', 'text/csv'],
];

/** A seeded generator, so every run searches the same drive. */
function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}
const random = mulberry32(20240611);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;

function itemRow(
  ownerId: string,
  parentId: string,
  type: 'file' | 'folder',
  name: string,
  now: number,
): NewItemRow {
  const [, mime] = type === 'file' ? (TYPES.find(([ext]) => name.endsWith(`.${ext}`)) ?? []) : [];
  return {
    id: randomUUID(),
    owner_id: ownerId,
    parent_id: parentId,
    type,
    name,
    name_key: nameKey(name),
    size: type === 'file' ? Math.floor(random() * 50_000_000) : 0,
    mime_type: mime ?? null,
    version_id: null,
    created_at: now,
    updated_at: now - Math.floor(random() * 3 * 365 * 86_400_000),
    trashed_at: null,
    trash_root_id: null,
    original_parent_id: null,
  };
}

/** Writes the tree straight into the server's database, in one transaction. */
async function fill(
  dbFile: string,
  ownerId: string,
  rootId: string,
): Promise<{ ms: number; fileIds: string[] }> {
  const started = performance.now();
  const handle = openDatabase({ url: dbFile });
  const now = Date.now();
  const fileIds: string[] = [];
  const perFolder = Math.ceil(FILES / (TOP_FOLDERS * SUBFOLDERS));
  await handle.db.transaction().execute(async (tx) => {
    const items = new ItemRepository(tx);
    let made = 0;
    for (let top = 0; top < TOP_FOLDERS && made < FILES; top++) {
      const folder = itemRow(ownerId, rootId, 'folder', `${pick(WORDS)} ${top}`, now);
      const subs = Array.from({ length: SUBFOLDERS }, (_, i) =>
        itemRow(ownerId, folder.id, 'folder', `${pick(WORDS)} ${pick(WORDS)} ${i}`, now),
      );
      await items.insertMany([folder, ...subs]);
      for (const sub of subs) {
        const files = Array.from({ length: Math.min(perFolder, FILES - made) }, (_, i) => {
          const [ext] = pick(TYPES);
          return itemRow(ownerId, sub.id, 'file', `${pick(WORDS)} ${pick(WORDS)} ${i}.${ext}`, now);
        });
        await items.insertMany(files);
        made += files.length;
        if (fileIds.length < 1000) fileIds.push(...files.slice(0, 10).map((f) => f.id));
      }
    }
  });
  await handle.db.destroy();
  return { ms: performance.now() - started, fileIds };
}

export async function searchRows(): Promise<Row[]> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'idrive-bench-search-'));
  // The query is SQL-bound, so the sources (through tsx) measure the same as the build.
  const server = await startServerProcess({ IDRIVE_DATA_DIR: dataDir, IDRIVE_ADMIN_PASSWORD: PASSWORD });
  try {
    const auth = { authorization: `Bearer ${await loginOver(server.baseUrl, 'admin', PASSWORD)}` };
    const get = async <T>(url: string): Promise<{ ms: number; body: T }> => {
      const t0 = performance.now();
      const res = await fetch(`${server.baseUrl}/api/v1${url}`, { headers: auth });
      const body = (await res.json()) as T;
      if (res.status !== 200) throw new Error(`${url}: ${res.status} ${JSON.stringify(body)}`);
      return { ms: performance.now() - t0, body };
    };
    const root = (await get<Listing>('/folders/root')).body.folder;
    const me = (await get<{ user: { id: string } }>('/auth/me')).body.user;
    const filled = await fill(path.join(dataDir, 'idrive.sqlite'), me.id, root.id);
    // Filling holds this event loop for longer than the server keeps an idle connection (72 s): let
    // the socket's close be seen before the next request, or fetch would reuse the closed socket.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const total = (await get<SearchResponse>('/search?limit=1&type=file')).body.total;
    if (total !== FILES) throw new Error(`the drive holds ${total} files, not ${FILES}`);

    // A person types a word, with its accents or without; a typical filter narrows the kind.
    const words = Array.from({ length: ROUNDS }, (_, i) => {
      const word = pick(WORDS.filter((w) => w.length >= 4));
      return i % 2 === 0 ? word : foldForSearch(word);
    });
    const timings = {
      pk: [] as number[],
      filtered: [] as number[],
      plain: [] as number[],
      short: [] as number[],
    };
    const matches: number[] = [];
    for (const [i, word] of words.entries()) {
      timings.pk.push((await get(`/items/${filled.fileIds[i % filled.fileIds.length]!}`)).ms);
      const q = encodeURIComponent(word);
      const filtered = await get<SearchResponse>(`/search?q=${q}&kind=${pick(['image', 'document'])}`);
      timings.filtered.push(filtered.ms);
      const plain = await get<SearchResponse>(`/search?q=${q}&sort=updated&order=desc`);
      timings.plain.push(plain.ms);
      matches.push(plain.body.total);
      if (i < 10) timings.short.push((await get(`/search?q=${encodeURIComponent(word.slice(0, 2))}`)).ms);
    }
    const ceiling = `primary-key lookup p50 ${median(timings.pk).toFixed(1)} ms`;
    const files = FILES.toLocaleString('en');
    return [
      {
        metric: `search ${files} files: generate them (bulk insert, one transaction)`,
        value: filled.ms / 1000,
        unit: 's',
        target: '-',
      },
      {
        metric: `search ${files} files: name + kind filter (p50)`,
        value: median(timings.filtered),
        unit: 'ms',
        target: '≤ 50 ms',
        ceiling: `p95 ${p95(timings.filtered).toFixed(1)} ms; ${ceiling}`,
        pass: median(timings.filtered) <= 50,
      },
      {
        metric: `search ${files} files: name, newest first (p50)`,
        value: median(timings.plain),
        unit: 'ms',
        target: '≤ 50 ms',
        ceiling: `p95 ${p95(timings.plain).toFixed(1)} ms; median ${median(matches)} matches`,
        pass: median(timings.plain) <= 50,
      },
      {
        metric: `search ${files} files: 2-character name, no index (p50)`,
        value: median(timings.short),
        unit: 'ms',
        target: '-',
        ceiling: `p95 ${p95(timings.short).toFixed(1)} ms`,
      },
    ];
  } finally {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
