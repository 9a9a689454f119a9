import { createHash } from 'node:crypto';
import { nameKey, numberedName, portableName } from '@idrive/shared';
import type { ZipEntrySpec } from './zip-layout.js';

/** An item of the tree being zipped. */
export interface ZipTreeNode {
  id: string;
  parent_id: string | null;
  type: 'folder' | 'file';
  name: string;
  name_key: string;
  updated_at: number;
  version_id: string | null;
  /** The bytes a file's version holds. */
  size: number;
  crc32: number | null;
}

export interface ZipPlan {
  entries: ZipEntrySpec[];
  /** CRC-32s already known, by content (version id). */
  knownCrcs: Map<string, number>;
}

/** Bumped whenever the bytes produced for the same tree change, so old ETags stop matching. */
const FORMAT = 'idrive-zip/1';

const compare = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
/** Names ignoring case, then exact names, then ids: a total order, so the archive never depends on row order. */
const byName = (a: ZipTreeNode, b: ZipTreeNode) =>
  compare(a.name_key, b.name_key) || compare(a.name, b.name) || compare(a.id, b.id);

/**
 * The entries of an archive: the `top` items at its top level and everything below them, depth
 * first, each folder's items in name order, so the same tree always gives the same archive. Folders
 * in `skipFolders` are left out with everything below them. Names are made safe for extractors (a
 * backslash is a path separator on Windows) and unique per folder ignoring case.
 */
export function planZip(
  nodes: readonly ZipTreeNode[],
  top: readonly ZipTreeNode[],
  skipFolders: ReadonlySet<string>,
): ZipPlan {
  const children = new Map<string, ZipTreeNode[]>();
  for (const node of nodes) {
    if (node.parent_id === null) continue;
    const siblings = children.get(node.parent_id);
    if (siblings) siblings.push(node);
    else children.set(node.parent_id, [node]);
  }
  const entries: ZipEntrySpec[] = [];
  const knownCrcs = new Map<string, number>();
  // Depth first without recursion: a deep tree must not exhaust the stack.
  const stack: { node: ZipTreeNode; dir: string; taken: Set<string> }[] = [];
  const pushAll = (items: readonly ZipTreeNode[], dir: string) => {
    const taken = new Set<string>();
    const sorted = [...items].sort(byName);
    for (let i = sorted.length - 1; i >= 0; i--) stack.push({ node: sorted[i]!, dir, taken });
  };
  pushAll(top, '');
  // The stack pops in name order, so names are claimed in that order too.
  while (stack.length > 0) {
    const { node, dir, taken } = stack.pop()!;
    if (node.type === 'folder' && skipFolders.has(node.id)) continue;
    const name = uniqueName(portableName(node.name), taken);
    if (node.type === 'folder') {
      const path = `${dir}${name}/`;
      entries.push({ path, directory: true, size: 0, modifiedAt: node.updated_at, content: null });
      pushAll(children.get(node.id) ?? [], path);
      continue;
    }
    const content = node.size > 0 ? node.version_id : null;
    entries.push({
      path: `${dir}${name}`,
      directory: false,
      size: node.size,
      modifiedAt: node.updated_at,
      content,
    });
    if (content !== null && node.crc32 !== null) knownCrcs.set(content, node.crc32);
  }
  return { entries, knownCrcs };
}

function uniqueName(name: string, taken: Set<string>): string {
  let candidate = name;
  for (let n = 1; taken.has(nameKey(candidate)); n++) candidate = numberedName(name, n);
  taken.add(nameKey(candidate));
  return candidate;
}

/**
 * A strong ETag for the archive of these entries: it changes whenever a byte would (a name, a size,
 * a time or a version differs; a version's content never changes), and only then.
 */
export function zipEtag(entries: readonly ZipEntrySpec[]): string {
  const hash = createHash('sha256').update(FORMAT);
  for (const e of entries) hash.update(`\n${e.path}\0${e.size}\0${e.modifiedAt}\0${e.content ?? ''}`);
  return `"zip-${hash.digest('base64url')}"`;
}
