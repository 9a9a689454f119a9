/** A file chosen for upload and its path below the folder it goes into (`photos/2024/a.jpg`). */
export interface PickedFile {
  file: File;
  path: string;
}

/** What the user chose: files, and every folder among them (so empty folders are made too). */
export interface Picked {
  files: PickedFile[];
  folders: string[];
}

/** The files of an `<input type="file">`; a folder pick gives each file's path in `webkitRelativePath`. */
export function pickedFromInput(list: FileList): Picked {
  const files = [...list].map((file) => ({ file, path: file.webkitRelativePath || file.name }));
  const folders = new Set<string>();
  for (const { path } of files) {
    const parts = path.split('/').slice(0, -1);
    for (let i = 1; i <= parts.length; i++) folders.add(parts.slice(0, i).join('/'));
  }
  return { files, folders: [...folders] };
}

/**
 * What was dropped, taken while the drop event runs: the browser empties the DataTransfer once the
 * handler returns, so this must be called before any `await`.
 */
export function droppedEntries(data: DataTransfer): (FileSystemEntry | File)[] {
  const sources: (FileSystemEntry | File)[] = [];
  for (const item of data.items) {
    if (item.kind !== 'file') continue;
    const source = item.webkitGetAsEntry() ?? item.getAsFile();
    if (source) sources.push(source);
  }
  return sources;
}

function fileOf(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

/** All entries of a directory: readEntries answers in pieces (100 at a time in Chromium) until empty. */
async function childrenOf(entry: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = entry.createReader();
  const children: FileSystemEntry[] = [];
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) =>
      reader.readEntries(resolve, reject),
    );
    if (batch.length === 0) return children;
    children.push(...batch);
  }
}

function isDirectory(entry: FileSystemEntry): entry is FileSystemDirectoryEntry {
  return entry.isDirectory;
}

/** Walks dropped folders to the bottom, giving every file its path below the drop target. */
export async function pickedFromDrop(sources: readonly (FileSystemEntry | File)[]): Promise<Picked> {
  const picked: Picked = { files: [], folders: [] };
  async function walk(entry: FileSystemEntry, prefix: string): Promise<void> {
    const path = prefix + entry.name;
    if (isDirectory(entry)) {
      picked.folders.push(path);
      for (const child of await childrenOf(entry)) await walk(child, `${path}/`);
    } else {
      picked.files.push({ file: await fileOf(entry as FileSystemFileEntry), path });
    }
  }
  for (const source of sources) {
    if (source instanceof File) picked.files.push({ file: source, path: source.name });
    else await walk(source, '');
  }
  return picked;
}
