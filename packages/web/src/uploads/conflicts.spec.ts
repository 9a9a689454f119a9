import { describe, expect, it } from 'vitest';
import { ConflictResolver, type ConflictAnswer } from './conflicts';

/** A user who answers the questions in order, recording what was asked. */
function user(answers: ConflictAnswer[]) {
  const asked: { name: string; waiting: number }[] = [];
  const resolver = new ConflictResolver(async (name, waiting) => {
    asked.push({ name, waiting });
    const answer = answers.shift();
    if (!answer) throw new Error(`no answer left for ${name}`);
    return answer;
  });
  return { resolver, asked };
}

describe('conflict answers', () => {
  it('asks once per conflict, one at a time, telling how many more wait', async () => {
    const { resolver, asked } = user([
      { choice: 'rename', applyToAll: false },
      { choice: 'skip', applyToAll: false },
      { choice: 'replace', applyToAll: false },
    ]);
    const choices = await Promise.all(['a', 'b', 'c'].map((name) => resolver.resolve(name)));
    expect(choices).toEqual(['rename', 'skip', 'replace']);
    expect(asked).toEqual([
      { name: 'a', waiting: 2 },
      { name: 'b', waiting: 1 },
      { name: 'c', waiting: 0 },
    ]);
    expect(resolver.policy()).toBe('fail');
  });

  it('applies an answer for all to the conflicts waiting and to later uploads, until reset', async () => {
    const { resolver, asked } = user([
      { choice: 'replace', applyToAll: true },
      { choice: 'skip', applyToAll: true },
    ]);
    expect(await Promise.all(['a', 'b', 'c'].map((name) => resolver.resolve(name)))).toEqual([
      'replace',
      'replace',
      'replace',
    ]);
    expect(asked.map((q) => q.name)).toEqual(['a']);
    expect(resolver.policy()).toBe('replace');

    resolver.reset();
    expect(resolver.policy()).toBe('fail');
    expect(await resolver.resolve('d')).toBe('skip');
    expect(await resolver.resolve('e')).toBe('skip');
    // "Skip all" is not a server policy: new uploads still ask the server to fail on a conflict.
    expect(resolver.policy()).toBe('fail');
    expect(asked.map((q) => q.name)).toEqual(['a', 'd']);
  });

  it('keeps asking after a question fails', async () => {
    const { resolver } = user([]);
    await expect(resolver.resolve('a')).rejects.toThrow('no answer');
    const { resolver: second } = user([{ choice: 'rename', applyToAll: false }]);
    expect(await second.resolve('b')).toBe('rename');
  });
});
