const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(id: string): boolean {
  return UUID.test(id);
}

/** The 16 bytes a UUID stands for, as stored formats carry ids. */
export function uuidBytes(id: string): Buffer {
  if (!UUID.test(id)) throw new RangeError(`Not a UUID: "${id}"`);
  return Buffer.from(id.replaceAll('-', ''), 'hex');
}

/** The lower-case UUID spelled by 16 bytes. */
export function uuidFromBytes(bytes: Uint8Array): string {
  if (bytes.length !== 16) throw new RangeError(`A UUID is 16 bytes, not ${bytes.length}`);
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
