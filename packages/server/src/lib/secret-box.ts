import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Seals small secrets (Discord tokens) for the database: AES-256-GCM with a random nonce under a key
 * derived from the master key, the secret's id bound as associated data so a sealed token copied onto
 * another row does not open. Output: base64 of nonce (12) ‖ ciphertext ‖ tag (16).
 */
export class SecretBox {
  constructor(private readonly key: Buffer) {}

  seal(secret: string, id: string): string {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    cipher.setAAD(Buffer.from(id));
    const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64');
  }

  open(sealed: string, id: string): string {
    const bytes = Buffer.from(sealed, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.key, bytes.subarray(0, 12));
    decipher.setAAD(Buffer.from(id));
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    try {
      return Buffer.concat([
        decipher.update(bytes.subarray(12, bytes.length - 16)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new Error(`A stored secret (${id}) does not open with this master key`);
    }
  }
}
