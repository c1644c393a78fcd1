/**
 * Floods against the public surface of a real `cutline serve` child process: parallel WHIP offers
 * for one guest, WebRTC session floods (per token and in all), objects-socket floods per token, and
 * one viewer token's requests spread over many sockets, guessing guests' URLs. Real werift offers,
 * real sockets; after each, the program still answers (state.get).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import { makeOffer, openSocket, rawRequest, type ServeProcess, startServe, stateGetOk } from '../helpers/cutlineServe.ts';
import { guestPublicId } from '../helpers/guestUrls.ts';

const PROGRAM_TOKEN = 'program-token-0123';

describe('public surface limits', () => {
  let serve: ServeProcess;
  let port = 0;
  let publicPort = 0;
  const command = async (name: string, params: unknown) => {
    const r = await rawRequest(port, { method: 'POST', path: `/api/v1/commands/${name}`, headers: { 'content-type': 'application/json' }, body: JSON.stringify(params) });
    const json = JSON.parse(r.body) as { ok: boolean; result: never };
    if (!json.ok) throw new Error(`${name}: ${r.body}`);
    return json.result;
  };
  const postOffer = (path: string, token: string, sdp: string) =>
    rawRequest(publicPort, { method: 'POST', path, headers: { 'content-type': 'application/sdp', authorization: `Bearer ${token}` }, body: sdp });

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cutline-sec-limits-'));
    const show = join(dir, 'show.json');
    writeFileSync(
      show,
      JSON.stringify({
        output: { width: 320, height: 180, fps: 15, videoBitrateKbps: 300 },
        sources: [{ id: 'bars', kind: 'testPattern' }],
        layout: { preset: 'solo', sources: ['bars'] },
        webrtc: { programToken: PROGRAM_TOKEN, maxSessionsPerToken: 2, maxSessions: 3 },
      }),
    );
    serve = await startServe(['--show', show], { publicPort: true, dataDir: join(dir, 'data') });
    port = serve.port;
    publicPort = serve.publicPort as number;
  });
  afterAll(async () => {
    await serve?.stop();
  });

  it('parallel WHIP POSTs for one guest: exactly one 201, the rest 409/429 with a message', async () => {
    const guest = (await command('guest.invite', { label: 'Racer' })) as { id: string; token: string; whipUrl: string };
    const offers = await Promise.all(Array.from({ length: 6 }, () => makeOffer('sendonly')));
    const answers = await Promise.all(offers.map((sdp) => postOffer(`/whip/${guestPublicId(guest)}`, guest.token, sdp)));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    for (const a of answers.filter((x) => x.status !== 201)) {
      expect([409, 429]).toContain(a.status);
      expect(a.body).toMatch(/already|sessions/);
    }
    const created = answers.find((a) => a.status === 201) as { headers: { location?: string } };
    expect((await rawRequest(publicPort, { method: 'DELETE', path: String(created.headers.location), headers: { authorization: `Bearer ${guest.token}` } })).status).toBe(200);
    expect(serve.alive()).toBe(true);
    expect(await stateGetOk(port)).toBe(true);
  });

  it('WebRTC session floods: 429 with Retry-After beyond the per-token limit and beyond the limit in all', async () => {
    const offers = await Promise.all(Array.from({ length: 5 }, () => makeOffer('recvonly')));
    const program = await Promise.all(offers.map((sdp) => postOffer('/whep/program', PROGRAM_TOKEN, sdp)));
    expect(program.filter((a) => a.status === 201)).toHaveLength(2);
    const refused = program.filter((a) => a.status !== 201);
    expect(refused).toHaveLength(3);
    for (const a of refused) {
      expect(a.status).toBe(429);
      expect(Number(a.headers['retry-after'])).toBeGreaterThan(0);
      expect(a.body).toMatch(/maxSessionsPerToken/);
    }
    // Two sessions are open; one more from another token fits (3 in all), the next does not.
    const first = (await command('guest.invite', { label: 'Return 1' })) as { id: string; token: string; whipUrl: string };
    const second = (await command('guest.invite', { label: 'Return 2' })) as { id: string; token: string; whipUrl: string };
    expect((await postOffer(`/whep/${guestPublicId(first)}`, first.token, await makeOffer('recvonly'))).status).toBe(201);
    const overall = await postOffer(`/whep/${guestPublicId(second)}`, second.token, await makeOffer('recvonly'));
    expect(overall.status).toBe(429);
    expect(overall.headers['retry-after']).toBeTruthy();
    expect(overall.body).toMatch(/webrtc\.maxSessions\b/);
    // Ending a session frees its place.
    const location = String(program.find((a) => a.status === 201)?.headers.location);
    expect((await rawRequest(publicPort, { method: 'DELETE', path: location, headers: { authorization: `Bearer ${PROGRAM_TOKEN}` } })).status).toBe(200);
    expect((await postOffer(`/whep/${guestPublicId(second)}`, second.token, await makeOffer('recvonly'))).status).toBe(201);
    expect(serve.alive()).toBe(true);
    expect(await stateGetOk(port)).toBe(true);
  });

  it('objects-socket floods: a guest token gets 4 sockets, the rest 429 with Retry-After', async () => {
    const guest = (await command('guest.invite', { label: 'Flooder' })) as { token: string };
    const issued = (await command('object.issueToken', { role: 'guest', label: 'Panel' })) as { token: string };
    for (const token of [guest.token, issued.token]) {
      const opened: WebSocket[] = [];
      const results = [];
      for (let i = 0; i < 7; i++) {
        const r = await openSocket(`ws://127.0.0.1:${publicPort}/objects/ws`, { headers: { authorization: `Bearer ${token}` } });
        if (r.ws) opened.push(r.ws);
        results.push(r);
      }
      expect(opened).toHaveLength(4);
      for (const r of results.slice(4)) {
        expect(r.status).toBe(429);
        expect(r.body).toMatch(/already has 4 open sockets/);
        expect(Number(r.headers?.['retry-after'])).toBeGreaterThan(0);
      }
      // Closing one makes room for one.
      opened[0].close();
      await new Promise((r) => setTimeout(r, 200));
      const again = await openSocket(`ws://127.0.0.1:${publicPort}/objects/ws`, { headers: { authorization: `Bearer ${token}` } });
      expect(again.hello).toMatchObject({ type: 'hello', role: 'guest' });
      for (const ws of [...opened, again.ws]) ws?.close();
    }
    expect(await stateGetOk(port)).toBe(true);
  });

  it('a viewer token shared by many sockets has one request budget in all', async () => {
    const viewer = (await command('object.issueToken', { role: 'viewer' })) as { token: string };
    const sockets: WebSocket[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await openSocket(`ws://127.0.0.1:${publicPort}/objects/ws`, { headers: { authorization: `Bearer ${viewer.token}` } });
      expect(r.hello).toMatchObject({ role: 'viewer' });
      sockets.push(r.ws as WebSocket);
    }
    const perSocket = 40;
    const replies: { ok: boolean; error?: { code: string; message: string } }[] = [];
    await Promise.all(
      sockets.map(
        (ws, n) =>
          new Promise<void>((resolve) => {
            let seen = 0;
            ws.on('message', (data) => {
              const m = JSON.parse(String(data));
              if (m.type !== 'response') return;
              replies.push(m);
              if (++seen === perSocket) resolve();
            });
            for (let i = 0; i < perSocket; i++) ws.send(JSON.stringify({ type: 'request', requestId: n * 1000 + i, command: 'object.list', params: {} }));
          }),
      ),
    );
    const accepted = replies.filter((r) => r.ok).length;
    // 160 requests: one budget of 60 (+ what refills while they arrive), not 4 × 60.
    expect(accepted).toBeGreaterThanOrEqual(55);
    expect(accepted).toBeLessThan(80);
    const refused = replies.filter((r) => !r.ok);
    expect(refused[0].error).toMatchObject({ code: 'too_many_requests' });
    expect(refused[0].error?.message).toMatch(/all its connections together/);
    for (const ws of sockets) ws.close();
    expect(await stateGetOk(port)).toBe(true);
  });

  it('guest URLs carry an unguessable public id: the source id gets 404 on every guest path, even with the right token', async () => {
    type Invite = { id: string; token: string; whipUrl: string; returnWhepUrl: string; guestPageUrl: string };
    const invites = [(await command('guest.invite', { label: 'Guess me' })) as Invite, (await command('guest.invite', { id: 'panel', label: 'Named' })) as Invite];
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
    for (const invite of invites) {
      const publicId = guestPublicId(invite);
      // 96 random bits, base64url, and nothing of the source id in any URL handed out.
      expect(publicId).toMatch(/^[A-Za-z0-9_-]{16}$/);
      for (const url of [invite.whipUrl, invite.returnWhepUrl, invite.guestPageUrl]) {
        expect(url).toContain(`/${publicId}`);
        expect(url).not.toContain(`/${invite.id}`);
      }
      const guessed = [
        await rawRequest(publicPort, { path: `/guest/${invite.id}` }),
        await rawRequest(publicPort, { path: `/guest/${invite.id}/status`, headers: bearer(invite.token) }),
        await rawRequest(publicPort, { method: 'POST', path: `/guest/${invite.id}/name`, headers: { ...bearer(invite.token), 'content-type': 'application/json' }, body: '{"name":"x"}' }),
        await postOffer(`/whip/${invite.id}`, invite.token, 'v=0'),
        await postOffer(`/whep/${invite.id}`, invite.token, 'v=0'),
      ];
      for (const r of guessed) {
        expect(r.status).toBe(404);
        expect(r.body).toMatch(/no such guest in this show: ask the producer for a new link/);
      }
      // The public id works (the page, the tally with the token) and says nothing without the token.
      expect((await rawRequest(publicPort, { path: `/guest/${publicId}` })).status).toBe(200);
      expect((await rawRequest(publicPort, { path: `/guest/${publicId}/status`, headers: bearer(invite.token) })).status).toBe(200);
      expect((await rawRequest(publicPort, { path: `/guest/${publicId}/status` })).status).toBe(401);
    }
    expect(guestPublicId(invites[0])).not.toBe(guestPublicId(invites[1]));
    // After guest.revoke the public id is gone too.
    await command('guest.revoke', { id: 'panel' });
    expect((await rawRequest(publicPort, { path: `/guest/${guestPublicId(invites[1])}` })).status).toBe(404);
    await command('guest.revoke', { id: invites[0].id });
    expect(serve.alive()).toBe(true);
  });

  it('the objects socket takes its token in the handshake (subprotocol), so it need not be in a logged URL', async () => {
    const viewer = (await command('object.issueToken', { role: 'viewer' })) as { token: string };
    const carrier = `cutline.token.${Buffer.from(viewer.token).toString('base64url')}`;
    const ok = await openSocket(`ws://127.0.0.1:${publicPort}/objects/ws`, { protocols: ['cutline.v1', carrier], origin: 'https://audience.example' });
    expect(ok.hello).toMatchObject({ type: 'hello', role: 'viewer' });
    expect(ok.ws?.protocol).toBe('cutline.v1');
    ok.ws?.close();
    const wrong = await openSocket(`ws://127.0.0.1:${publicPort}/objects/ws`, { protocols: ['cutline.v1', `cutline.token.${Buffer.from('nope-nope-nope').toString('base64url')}`] });
    expect(wrong.status).toBe(401);
  });
});
