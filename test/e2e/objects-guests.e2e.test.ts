/**
 * Guests and viewers on shared objects, through the real engine, ApiServer and WebSockets
 * (issue 6: "guests … subscribe and send operations"; "only the producer (or tokens the producer
 * issues) may open/close/reset"). The objects socket `/objects/ws?token=` takes a guest's invite
 * token or a producer-issued one; the token, not the message, decides the role and client id.
 * One short Chromium check: the guest page's chat panel posts a line and shows it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Engine } from '../../electron/engine/Engine.ts';
import { ApiServer } from '../../electron/engine/server/ApiServer.ts';
import type { ChatState, IssuedObjectToken, ObjectChangedEvent, PollState } from '../../shared/objects.ts';
import { type GuestWindow, launchGuest } from '../helpers/chromiumGuest.ts';
import { type ApiClient, type CommandReply, httpClient, type WsApiClient, wsClient } from '../helpers/objects.ts';
import { freePort, waitUntil } from '../helpers/servers.ts';
import { guestPublicId } from '../helpers/guestUrls.ts';

const SMALL_SHOW = {
  output: { width: 320, height: 180, fps: 15, videoBitrateKbps: 300 },
  sources: [{ id: 'cam', kind: 'testPattern', color: '#404850' }],
  layout: { preset: 'solo', sources: ['cam'] },
};

interface ObjectsSocket {
  ws: WebSocket;
  hello: { role: string; clientId: string; name?: string; commands: string[] };
  events: { event: string; data: unknown }[];
  command(name: string, params?: unknown): Promise<CommandReply>;
  closed: Promise<{ code: number; reason: string }>;
}

/** Connects to /objects/ws with a token; rejects with the HTTP status when the upgrade is refused. */
function objectsSocket(base: string, token: string): Promise<ObjectsSocket> {
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/objects/ws?token=${encodeURIComponent(token)}`, { headers: { origin: 'https://elsewhere.example' } });
  const events: { event: string; data: unknown }[] = [];
  const pending = new Map<number, { t0: number; resolve: (r: CommandReply) => void }>();
  let next = 1;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  return new Promise((resolve, reject) => {
    ws.on('unexpected-response', (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
    ws.on('error', reject);
    ws.on('message', (raw) => {
      const m = JSON.parse(String(raw)) as { type: string; requestId?: number; event?: string; data?: unknown } & Omit<CommandReply, 'ms'>;
      if (m.type === 'hello') {
        resolve({
          ws,
          hello: m as unknown as ObjectsSocket['hello'],
          events,
          closed,
          command(name, params) {
            const requestId = next++;
            return new Promise((done) => {
              pending.set(requestId, { t0: performance.now(), resolve: done });
              ws.send(JSON.stringify({ type: 'request', requestId, command: name, params }));
            });
          },
        });
      }
      if (m.type === 'event' && m.event) events.push({ event: m.event, data: m.data });
      if (m.type === 'response' && m.requestId !== undefined) {
        const p = pending.get(m.requestId);
        pending.delete(m.requestId);
        p?.resolve({ ok: m.ok, result: m.result, error: m.error, ms: performance.now() - (p?.t0 ?? 0) });
      }
    });
  });
}

async function refusedStatus(base: string, token: string): Promise<number | undefined> {
  try {
    const s = await objectsSocket(base, token);
    s.ws.close();
    return undefined;
  } catch (error) {
    return (error as { status?: number }).status;
  }
}

describe('guests and viewers on shared objects over /objects/ws (real engine, ApiServer, WebSockets)', () => {
  let engine: Engine;
  let server: ApiServer;
  let base = '';
  let producer: ApiClient;
  let observer: WsApiClient;
  let alex: { id: string; token: string; guestPageUrl: string; whipUrl: string };
  let bo: { id: string; token: string; guestPageUrl: string; whipUrl: string };
  let viewerToken: IssuedObjectToken;
  const sockets: ObjectsSocket[] = [];
  const open = async (token: string) => {
    const s = await objectsSocket(base, token);
    sockets.push(s);
    return s;
  };

  beforeAll(async () => {
    engine = await Engine.create({ log: () => {}, show: SMALL_SHOW });
    server = new ApiServer(engine, { port: await freePort() });
    await server.listen();
    base = server.url;
    producer = httpClient(base);
    observer = await wsClient(base);
    const invite = async (label: string) => (await producer.command('guest.invite', { label })).result as typeof alex;
    alex = await invite('Alex');
    bo = await invite('Bo');
    viewerToken = (await producer.command('object.issueToken', { role: 'viewer', label: 'audience' })).result as IssuedObjectToken;
    expect(viewerToken).toMatchObject({ role: 'viewer', label: 'audience', connections: 0 });
    // The URL handed out carries no token (URLs end up in logs).
    expect(viewerToken.wsUrl).toBe(`${base.replace(/^http/, 'ws')}/objects/ws`);
    expect((await producer.command('object.create', { id: 'chat', type: 'chat', options: {} })).ok).toBe(true);
    expect((await producer.command('object.create', { id: 'poll', type: 'poll', options: {} })).ok).toBe(true);
    expect((await producer.command('object.op', { id: 'poll', op: 'open', args: { question: 'Best camera?', options: ['Wide', 'Close'] } })).ok).toBe(true);
  });

  afterAll(async () => {
    for (const s of sockets) s.ws.terminate();
    observer?.close();
    await server?.close();
    await engine?.close();
  });

  it('a guest posts chat and votes with its invite token: accepted, versions +1, the producer sees object.changed', async () => {
    const before = observer.events.length;
    const guest = await open(alex.token);
    expect(guest.hello).toMatchObject({ role: 'guest', clientId: alex.id, name: 'Alex', commands: ['object.list', 'object.get', 'object.op'] });
    expect((await guest.command('object.list', {})).result).toEqual([
      { id: 'chat', type: 'chat', version: 0 },
      { id: 'poll', type: 'poll', version: 1 },
    ]);

    // The author is the guest's label whatever the message claims.
    const posted = await guest.command('object.op', { id: 'chat', op: 'post', args: { author: 'The Producer', text: 'hello from Alex' } });
    expect(posted).toMatchObject({ ok: true, result: { version: 1 } });
    const chat = (posted.result as { state: ChatState }).state;
    expect(chat.messages.at(-1)).toMatchObject({ author: 'Alex', text: 'hello from Alex' });

    const voted = await guest.command('object.op', { id: 'poll', op: 'vote', args: { voter: 'anyone', option: 1 } });
    expect(voted).toMatchObject({ ok: true, result: { version: 2 } });
    expect((voted.result as { state: PollState }).state.options[1].votes).toBe(1);

    await waitUntil(() => observer.events.slice(before).filter((e) => e.event === 'object.changed').length >= 2, 5000, 'object.changed on the producer socket');
    const seen = observer.events.slice(before).filter((e) => e.event === 'object.changed').map((e) => e.data as ObjectChangedEvent);
    expect(seen.map((c) => [c.id, c.version, c.op])).toEqual([
      ['chat', 1, 'post'],
      ['poll', 2, 'vote'],
    ]);
    // The guest's own socket hears the changes too.
    await waitUntil(() => guest.events.filter((e) => e.event === 'object.changed').length >= 2, 5000, 'object.changed on the guest socket');
  });

  it('a guest cannot close the poll or run producer commands: refused with a reason', async () => {
    const guest = await open(alex.token);
    const close = await guest.command('object.op', { id: 'poll', op: 'close', args: {} });
    expect(close).toMatchObject({ ok: false, error: { code: 'unauthorized', reason: 'forbidden' } });
    expect(close.error?.message).toMatch(/producer/);
    const create = await guest.command('object.create', { id: 'mine', type: 'chat', options: {} });
    expect(create).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    expect((await guest.command('object.issueToken', { role: 'viewer' })).ok).toBe(false);
    expect((await guest.command('layout.set', { preset: 'solo', sources: ['cam'] })).ok).toBe(false);
    expect(((await producer.command('object.get', { id: 'poll' })).result as { state: PollState }).state.status).toBe('open');
  });

  it('a viewer token: one vote per connection is accepted, a second is already_voted whatever voter it names', async () => {
    const viewer = await open(viewerToken.token);
    expect(viewer.hello.role).toBe('viewer');
    expect(viewer.hello.clientId).toMatch(/^token:tok-\d+:\d+$/);
    const first = await viewer.command('object.op', { id: 'poll', op: 'vote', args: { voter: 'v', option: 0 } });
    expect(first).toMatchObject({ ok: true, result: { version: 3 } });
    const again = await viewer.command('object.op', { id: 'poll', op: 'vote', args: { voter: 'someone-else', option: 1 } });
    expect(again).toMatchObject({ ok: false, error: { code: 'conflict', reason: 'already_voted' } });
    // Viewers may not draw (guest and up) nor reset.
    expect(await viewer.command('object.op', { id: 'poll', op: 'reset', args: {} })).toMatchObject({ ok: false, error: { reason: 'forbidden' } });
    const tokens = (await producer.command('object.listTokens', {})).result as { id: string; connections: number; token?: string }[];
    expect(tokens).toEqual([expect.objectContaining({ id: viewerToken.id, connections: 1 })]);
    expect(tokens[0].token).toBeUndefined();
  });

  it('a wrong token gets 401 on the upgrade; a revoked token closes its sockets and gets 401 afterwards', async () => {
    expect(await refusedStatus(base, 'not-a-token')).toBe(401);
    expect(await refusedStatus(base, '')).toBe(401);
    // The producer's API token is not an objects token either, nor is a guest's id.
    expect(await refusedStatus(base, alex.id)).toBe(401);

    const issued = (await producer.command('object.issueToken', { role: 'viewer' })).result as IssuedObjectToken;
    const viewer = await open(issued.token);
    expect((await viewer.command('object.get', { id: 'chat' })).ok).toBe(true);
    expect((await producer.command('object.revokeToken', { id: issued.id })).result).toEqual({ revoked: true });
    expect(await viewer.closed).toMatchObject({ code: 4401 });
    expect(await refusedStatus(base, issued.token)).toBe(401);
    expect((await producer.command('object.revokeToken', { token: issued.token })).result).toEqual({ revoked: false });
    // Only the producer issues tokens.
    const guest = await open(bo.token);
    expect(await guest.command('object.revokeToken', { id: viewerToken.id })).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
  });

  it('guest.revoke: the link, its token and its sockets stop working, the source goes; a new invite gives a new link', async () => {
    const cy = (await producer.command('guest.invite', { label: 'Cy' })).result as typeof alex;
    const guest = await open(cy.token);
    expect((await guest.command('object.get', { id: 'chat' })).ok).toBe(true);
    const page = await fetch(`${base}/guest/${guestPublicId(cy)}`);
    expect(page.status).toBe(200);

    expect(await producer.command('guest.revoke', { id: cy.id })).toMatchObject({ ok: true, result: { id: cy.id, revoked: true } });
    expect(await guest.command('object.get', { id: 'chat' })).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    expect(await guest.closed).toMatchObject({ code: 4401 });
    expect(await refusedStatus(base, cy.token)).toBe(401);
    expect(engine.getState().sources.some((s) => s.id === cy.id)).toBe(false);
    expect((await fetch(`${base}/guest/${guestPublicId(cy)}`)).status).toBe(404);
    const whip = await fetch(`${base}/whip/${guestPublicId(cy)}`, { method: 'POST', headers: { authorization: `Bearer ${cy.token}`, 'content-type': 'application/sdp' }, body: 'v=0' });
    expect(whip.status).toBe(404);
    expect(await producer.command('guest.revoke', { id: cy.id })).toMatchObject({ ok: false, error: { code: 'not_found' } });

    // Inviting the same id again: a new token; the old one stays refused.
    const again = (await producer.command('guest.invite', { id: cy.id, label: 'Cy' })).result as typeof alex;
    expect(again.token).not.toBe(cy.token);
    expect(await refusedStatus(base, cy.token)).toBe(401);
    await producer.command('guest.revoke', { id: cy.id });
  });

  it('a flood from one guest is rate_limited while another guest is still accepted', async () => {
    const flooder = await open(alex.token);
    const other = await open(bo.token);
    const replies = await Promise.all(Array.from({ length: 30 }, (_, i) => flooder.command('object.op', { id: 'chat', op: 'post', args: { author: 'x', text: `spam ${i}` } })));
    const accepted = replies.filter((r) => r.ok).length;
    const limited = replies.filter((r) => !r.ok && (r.error as { reason?: string }).reason === 'rate_limited').length;
    expect(accepted).toBeLessThanOrEqual(5);
    expect(accepted + limited).toBe(30);
    const fine = await other.command('object.op', { id: 'chat', op: 'post', args: { author: 'Bo', text: 'still here' } });
    expect(fine).toMatchObject({ ok: true });
    // Versions stayed gap-free across accepted ops.
    const chat = (await producer.command('object.get', { id: 'chat' })).result as { version: number; state: ChatState };
    expect(chat.version).toBe(1 + accepted + 1);
    expect(chat.state.messages.at(-1)).toMatchObject({ author: 'Bo', text: 'still here' });
  });

  it('the guest page (Chromium) shows the chat, posts a line and sees it; no URL it requests carries its token', async () => {
    const { browser, page } = await launchGuest({});
    // What reaches a server (and its logs) is the URL without its fragment.
    const sent: string[] = [];
    page.on('request', (r) => sent.push(r.url().split('#')[0]));
    page.on('websocket', (ws) => sent.push(ws.url().split('#')[0]));
    try {
      await page.goto(bo.guestPageUrl);
      await page.waitForFunction(() => (window as unknown as GuestWindow & { cutlineGuest: { live: { chat: unknown } } }).cutlineGuest?.live?.chat != null, null, { timeout: 15_000 });
      await page.fill('#chatText', 'typed in the guest page');
      await page.click('#chatSend');
      await page.waitForFunction(() => document.getElementById('chatLog')?.textContent?.includes('typed in the guest page'), null, { timeout: 10_000 });
      const last = await page.$eval('#chatLog li:last-child', (li) => li.textContent);
      expect(last).toBe('Botyped in the guest page');
      const chat = (await producer.command('object.get', { id: 'chat' })).result as { state: ChatState };
      expect(chat.state.messages.at(-1)).toMatchObject({ author: 'Bo', text: 'typed in the guest page' });
      // The poll is shown with its options; a click votes.
      expect(await page.$$eval('#pollOptions button', (b) => b.length)).toBe(2);
      await page.click('#pollOptions button[data-option="0"]');
      await page.waitForFunction(() => document.querySelector('#pollOptions button[data-option="0"]')?.textContent?.includes('✓'), null, { timeout: 10_000 });
      const poll = (await producer.command('object.get', { id: 'poll' })).result as { state: PollState };
      expect(poll.state.total).toBe(3);
      // The objects socket took the token as a subprotocol; the page and its URLs use the public id.
      expect(sent).toContain(`${base.replace(/^http/, 'ws')}/objects/ws`);
      expect(sent.filter((u) => u.includes(bo.token))).toEqual([]);
      expect(sent.filter((u) => u.includes(`/${bo.id}`))).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
