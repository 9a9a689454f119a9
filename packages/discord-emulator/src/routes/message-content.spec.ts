import { describe, expect, it } from 'vitest';
import { filesBody, noRateLimits, seeded, type Seeded } from '../test-support.js';

const blanked = { content: '', attachments: [], embeds: [], components: [] };

/** A webhook message with content, an embed and a file, as another sender would post it. */
async function webhookMessage(s: Seeded, content = 'hello'): Promise<{ id: string }> {
  const res = await s.emu.app.inject({
    method: 'POST',
    url: `${s.webhookPath}?wait=true`,
    ...filesBody([{ name: 'a.bin', data: 'x' }], { content, embeds: [{ title: 't' }] }),
  });
  return res.json();
}

const botRead = (s: Seeded, id: string) =>
  s.emu.app.inject({
    method: 'GET',
    url: `/api/v10/channels/${s.channelId}/messages/${id}`,
    headers: s.botAuth,
  });
const botList = (s: Seeded) =>
  s.emu.app.inject({
    method: 'GET',
    url: `/api/v10/channels/${s.channelId}/messages?limit=100`,
    headers: s.botAuth,
  });

describe('the Message Content intent, per bot', () => {
  it('finding 19: a bot without the intent reads webhook messages blanked, in a list and alone', async () => {
    const s = seeded(noRateLimits);
    expect(s.seed.bots[0]!.messageContent).toBe(false);
    const sent = await webhookMessage(s);
    const one = (await botRead(s, sent.id)).json();
    expect(one).toMatchObject({ id: sent.id, webhook_id: s.webhookId, ...blanked });
    const listed = (await botList(s)).json();
    expect(listed).toEqual([expect.objectContaining({ id: sent.id, webhook_id: s.webhookId, ...blanked })]);
  });

  it('finding 19: the webhook that made a message still reads it in full', async () => {
    const s = seeded(noRateLimits);
    const sent = await webhookMessage(s);
    const viaWebhook = (
      await s.emu.app.inject({ method: 'GET', url: `${s.webhookPath}/messages/${sent.id}` })
    ).json();
    expect(viaWebhook.content).toBe('hello');
    expect(viaWebhook.attachments).toHaveLength(1);
    expect(viaWebhook.embeds).toHaveLength(1);
  });

  it('finding 19: without the intent, a bot still sees its own messages and those that mention it', async () => {
    const s = seeded(noRateLimits);
    const botId = s.seed.bots[0]!.id;
    const own = (
      await s.emu.app.inject({
        method: 'POST',
        url: `/api/v10/channels/${s.channelId}/messages`,
        headers: s.botAuth,
        payload: { content: 'mine' },
      })
    ).json();
    expect((await botRead(s, own.id)).json().content).toBe('mine');
    const mention = await webhookMessage(s, `hey <@${botId}>`);
    const read = (await botRead(s, mention.id)).json();
    expect(read.content).toBe(`hey <@${botId}>`);
    expect(read.attachments).toHaveLength(1);
  });

  it('finding 19: a bot with the intent reads other senders’ messages in full', async () => {
    const s = seeded(noRateLimits, { messageContent: true });
    const sent = await webhookMessage(s);
    const one = (await botRead(s, sent.id)).json();
    expect(one.content).toBe('hello');
    expect(one.attachments).toHaveLength(1);
    expect((await botList(s)).json()[0].attachments).toHaveLength(1);
  });

  it('finding 19: the intent is set per bot at seeding, and a bad value is refused', async () => {
    const s = seeded(noRateLimits);
    const seed = await s.emu.app.inject({
      method: 'POST',
      url: '/__control/seed',
      payload: { guildId: s.guildId, bots: [{ messageContent: true }, {}] },
    });
    expect(seed.json().bots.map((b: { messageContent: boolean }) => b.messageContent)).toEqual([true, false]);
    const bad = await s.emu.app.inject({
      method: 'POST',
      url: '/__control/seed',
      payload: { bots: [{ messageContent: 'yes' }] },
    });
    expect(bad.statusCode).toBe(400);
  });
});
