import type { UserList } from '@idrive/shared';
import { usernameSkeleton } from '@idrive/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, bearer, errorCode, startTestApp, type TestApp } from '../helpers/test-app.js';
import { describeEachDb } from '../helpers/test-db.js';

describeEachDb('usernames', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ dialect });
  });
  afterAll(() => t.close());

  const createUser = (username: string) =>
    t.drive.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: bearer(t.adminToken),
      payload: { username, password: 'user-password-1' },
    });
  const usernames = async () =>
    (await t.drive.app.inject({ method: 'GET', url: '/api/v1/users', headers: bearer(t.adminToken) }))
      .json<UserList>()
      .users.map((u) => u.username)
      .sort();

  it('finding 14: a username drawn like an existing one (Cyrillic аdmin beside admin) is refused with 409', async () => {
    expect(ADMIN.username).toBe('admin');
    const before = await usernames();
    for (const lookAlike of [
      '\u0430dmin', // Cyrillic а
      'adm\u0456n', // Cyrillic і
      '\u0391DMIN', // Greek Α
      'ADMlN', // lower-case L for capital I
      '\uff41\uff44\uff4d\uff49\uff4e', // full-width letters
      'Admin',
    ]) {
      const res = await createUser(lookAlike);
      expect([lookAlike, res.statusCode, errorCode(res)]).toEqual([lookAlike, 409, 'conflict']);
      expect(res.json<{ error: { message: string } }>().error.message).toMatch(/"admin"|"Admin" is taken/);
    }
    expect(await usernames()).toEqual(before);
  });

  it('finding 14: the check works both ways and leaves different names alone', async () => {
    // A mixed-script name made first blocks the plain one later, as much as the other way round.
    expect((await createUser('p\u0430ypal')).statusCode).toBe(201);
    expect((await createUser('paypal')).statusCode).toBe(409);
    expect((await createUser('0scar')).statusCode).toBe(201);
    expect((await createUser('oscar')).statusCode).toBe(409);
    for (const distinct of ['administrator', 'adnim', 'Zoë', 'Łukasz', 'мария'])
      expect([distinct, (await createUser(distinct)).statusCode]).toEqual([distinct, 201]);
  });
});

describe('username skeletons', () => {
  it('finding 14: look-alikes share a skeleton, different names do not', () => {
    expect(usernameSkeleton('\u0430dmin')).toBe(usernameSkeleton('admin'));
    expect(usernameSkeleton('\u0397ELLO')).toBe(usernameSkeleton('HELLO')); // Greek Η
    expect(usernameSkeleton('\u03b7ello')).not.toBe(usernameSkeleton('hello')); // Greek η looks like n
    expect(usernameSkeleton('rnary')).toBe(usernameSkeleton('mary'));
    expect(usernameSkeleton('bob')).not.toBe(usernameSkeleton('rob'));
  });
});
