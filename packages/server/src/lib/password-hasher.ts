/**
 * The native argon2 library costs ~10 MB once loaded; a drive that is running but that nobody signs
 * in to should not hold it, so it is loaded with the first password checked.
 */
const argon2 = () => import('@node-rs/argon2');

// @node-rs/argon2's Algorithm is an ambient const enum, which isolated modules cannot import.
const ARGON2ID = 2;

/** Hashes and checks secrets (account passwords now; share and folder passwords later). */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hashed: string, password: string): Promise<boolean>;
}

export interface Argon2Cost {
  memoryCost: number;
  timeCost: number;
}

/** OWASP's minimum for argon2id: 19 MiB of memory, 2 passes, 1 lane. */
export const OWASP_ARGON2_COST: Argon2Cost = { memoryCost: 19_456, timeCost: 2 };

export class Argon2PasswordHasher implements PasswordHasher {
  constructor(private readonly cost: Argon2Cost = OWASP_ARGON2_COST) {}

  async hash(password: string): Promise<string> {
    const { hash } = await argon2();
    return hash(password, { algorithm: ARGON2ID, parallelism: 1, ...this.cost });
  }

  async verify(hashed: string, password: string): Promise<boolean> {
    const { verify } = await argon2();
    try {
      return await verify(hashed, password);
    } catch {
      // A malformed stored hash is a failed login, never a 500 that tells the caller something.
      return false;
    }
  }
}
