import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretBox } from './secret-box.js';

describe('SecretBox', () => {
  it('seals a secret that opens only with the same key and id, and never shows it', () => {
    const box = new SecretBox(randomBytes(32));
    const sealed = box.seal('MTIz.bot-token.secret', '1234');
    expect(sealed).not.toContain('bot-token');
    expect(Buffer.from(sealed, 'base64').toString('latin1')).not.toContain('bot-token');
    expect(box.open(sealed, '1234')).toBe('MTIz.bot-token.secret');
    expect(() => box.open(sealed, '9999')).toThrow(/does not open/);
    expect(() => new SecretBox(randomBytes(32)).open(sealed, '1234')).toThrow(/does not open/);
  });
});
