/**
 * Attacks on the control surface of a real `cutline serve` child process on loopback: DNS
 * rebinding (a foreign Host / Origin), a cross-site "simple" POST, the control API asked for on the
 * public listener, a proxied request without a token, an empty token at start, the token the
 * desk gets from `--token auto`, and TURN credentials asked for without a token. After each, the program still answers (state.get).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, openSocket, rawRequest, runCutline, type ServeProcess, startServe, stateGetOk } from '../helpers/cutlineServe.ts';
import { freePort, waitUntil } from '../helpers/servers.ts';

const dataDir = () => mkdtempSync(join(tmpdir(), 'cutline-sec-'));
const tokenProtocol = (token: string) => `cutline.token.${Buffer.from(token).toString('base64url')}`;

describe('control surface: loopback serve without a token, public surface on its own port', () => {
  let serve: ServeProcess;
  let port = 0;
  let publicPort = 0;

  beforeAll(async () => {
    serve = await startServe(['--allowed-host', 'studio.test'], { publicPort: true, dataDir: dataDir() });
    port = serve.port;
    publicPort = serve.publicPort as number;
  });
  afterAll(async () => {
    await serve?.stop();
  });

  it('DNS rebinding: Host evil.example:PORT is refused with 421 and a message, on HTTP and on the WebSocket', async () => {
    const host = `evil.example:${port}`;
    const state = await rawRequest(port, { path: '/api/v1/state', headers: { host, origin: `http://${host}` } });
    expect(state.status).toBe(421);
    expect(JSON.parse(state.body).error.message).toMatch(/does not answer to the name "evil\.example:\d+".*--allowed-host/);
    const command = await rawRequest(port, { method: 'POST', path: '/api/v1/commands/layout.set', headers: { host, 'content-type': 'application/json' }, body: '{"preset":"solo"}' });
    expect(command.status).toBe(421);
    const desk = await rawRequest(port, { path: '/', headers: { host } });
    expect(desk.status).toBe(421);
    const ws = await openSocket(`ws://127.0.0.1:${port}/api/v1/ws`, { headers: { host }, origin: `http://${host}`, protocols: ['cutline.v1'] });
    expect(ws.status).toBe(421);
    expect(await stateGetOk(port)).toBe(true);
  });

  it('a foreign Origin with our own Host is refused with 403 (HTTP and WebSocket); our own origins pass', async () => {
    const evil = await rawRequest(port, { path: '/api/v1/state', headers: { origin: 'http://evil.example' } });
    expect(evil.status).toBe(403);
    expect(JSON.parse(evil.body).error.message).toMatch(/other web sites/);
    const nullOrigin = await rawRequest(port, { path: '/api/v1/state', headers: { origin: 'null' } });
    expect(nullOrigin.status).toBe(403);
    const ws = await openSocket(`ws://127.0.0.1:${port}/api/v1/ws`, { origin: 'http://evil.example', protocols: ['cutline.v1'] });
    expect(ws.status).toBe(403);
    for (const origin of [`http://127.0.0.1:${port}`, `http://localhost:${port}`]) {
      const own = await rawRequest(port, { path: '/api/v1/state', headers: { origin } });
      expect(own.status, origin).toBe(200);
    }
    const wsOwn = await openSocket(`ws://127.0.0.1:${port}/api/v1/ws`, { origin: `http://localhost:${port}`, protocols: ['cutline.v1'] });
    expect(wsOwn.hello).toMatchObject({ type: 'hello' });
    expect(wsOwn.ws?.protocol).toBe('cutline.v1');
    wsOwn.ws?.close();
    expect(await stateGetOk(port)).toBe(true);
  });

  it('--allowed-host names are accepted as Host and Origin, with any port', async () => {
    expect((await rawRequest(port, { path: '/api/v1/state', headers: { host: 'studio.test' } })).status).toBe(200);
    expect((await rawRequest(port, { path: '/api/v1/state', headers: { host: 'studio.test:8443', origin: 'https://studio.test:8443' } })).status).toBe(200);
    expect((await rawRequest(port, { path: '/api/v1/state', headers: { host: 'studio.test.evil.example' } })).status).toBe(421);
  });

  it('a cross-site "simple" POST (text/plain form, or no Content-Type) is refused with 415 and changes nothing', async () => {
    const before = JSON.parse((await rawRequest(port, { path: '/api/v1/state' })).body);
    const form = await rawRequest(port, {
      method: 'POST',
      path: '/api/v1/commands/source.add',
      headers: { 'content-type': 'text/plain', origin: `http://127.0.0.1:${port}` },
      body: '{"id":"x","kind":"testPattern"}',
    });
    expect(form.status).toBe(415);
    expect(JSON.parse(form.body).error.message).toMatch(/Content-Type: application\/json/);
    const empty = await rawRequest(port, { method: 'POST', path: '/api/v1/commands/destination.startAll' });
    expect(empty.status).toBe(415);
    const urlencoded = await rawRequest(port, { method: 'POST', path: '/api/v1/commands/source.add', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'id=x' });
    expect(urlencoded.status).toBe(415);
    const after = JSON.parse((await rawRequest(port, { path: '/api/v1/state' })).body);
    expect(after.show.sources).toEqual(before.show.sources);
    expect(after.destinations).toEqual(before.destinations);
    expect(await stateGetOk(port)).toBe(true);
  });

  it('the public listener never serves the control API or the desk (404), but does serve the viewer', async () => {
    for (const path of ['/api/v1/state', '/', '/index.html', '/assets/index.js']) {
      const r = await rawRequest(publicPort, { path, headers: { host: `127.0.0.1:${publicPort}` } });
      expect(r.status, path).toBe(404);
    }
    const command = await rawRequest(publicPort, { method: 'POST', path: '/api/v1/commands/state.get', headers: { host: `127.0.0.1:${publicPort}`, 'content-type': 'application/json' }, body: '{}' });
    expect(command.status).toBe(404);
    const ws = await openSocket(`ws://127.0.0.1:${publicPort}/api/v1/ws`, { protocols: ['cutline.v1'] });
    expect(ws.status).toBe(404);
    expect((await rawRequest(publicPort, { path: '/viewer', headers: { host: 'cutline.example.com' } })).status).toBe(200);
    // The public surface answers to any name (a proxy sends its own); objects sockets still need a token.
    expect((await openSocket(`ws://127.0.0.1:${publicPort}/objects/ws`)).status).toBe(401);
    expect(await stateGetOk(port)).toBe(true);
  });

  it('guest links point at the public listener', async () => {
    const r = await rawRequest(port, { method: 'POST', path: '/api/v1/commands/guest.invite', headers: { 'content-type': 'application/json' }, body: '{"label":"Ana"}' });
    expect(r.status).toBe(200);
    const invite = JSON.parse(r.body).result as { guestPageUrl: string; whipUrl: string };
    expect(invite.whipUrl).toBe(`http://127.0.0.1:${publicPort}/whip/${invite.guestPageUrl.split('/guest/')[1].split('#')[0]}`);
    const page = await rawRequest(publicPort, { path: new URL(invite.guestPageUrl).pathname });
    expect(page.status).toBe(200);
  });

  it('TURN credentials reach only requests whose token was checked, never the guest or viewer page itself', async () => {
    const TURN_SECRET = 'turn-credential-5150';
    const PROGRAM = 'program-token-for-ice';
    const iceServers = [{ urls: 'stun:stun.example.net:3478' }, { urls: 'turn:turn.example.net:3478', username: 'studio', credential: TURN_SECRET }];
    const post = (name: string, body: unknown) =>
      rawRequest(port, { method: 'POST', path: `/api/v1/commands/${name}`, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const loaded = await post('show.load', { show: { output: { width: 320, height: 180, fps: 15, videoBitrateKbps: 300 }, webrtc: { iceServers, programToken: PROGRAM } } });
    expect(loaded.status, loaded.body).toBe(200);
    const invite = JSON.parse((await post('guest.invite', { label: 'Turn user' })).body).result as { guestPageUrl: string; token: string };
    const guestPath = new URL(invite.guestPageUrl).pathname;
    // The pages are served to anyone who has the path: STUN only, no credential.
    for (const path of [guestPath, '/viewer']) {
      const page = await rawRequest(publicPort, { path });
      expect(page.status).toBe(200);
      expect(page.body).toContain('stun:stun.example.net');
      expect(page.body).not.toContain(TURN_SECRET);
      expect(page.body).not.toContain('turn.example.net');
    }
    // The credential comes with the token checked: the guest's on /guest/<id>/ice, the program's on /viewer/ice.
    const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
    for (const [path, token] of [[`${guestPath}/ice`, invite.token], ['/viewer/ice', PROGRAM]]) {
      expect((await rawRequest(publicPort, { path })).status).toBe(401);
      expect((await rawRequest(publicPort, { path, headers: bearer('wrong-token-123') })).status).toBe(401);
      const ok = await rawRequest(publicPort, { path, headers: bearer(token) });
      expect(ok.status).toBe(200);
      expect(JSON.parse(ok.body)).toEqual({ iceServers });
    }
    expect((await rawRequest(publicPort, { path: '/viewer/ice', headers: bearer(invite.token) })).status).toBe(401);
    expect(await stateGetOk(port)).toBe(true);
  });

  it('a proxied request (X-Forwarded-For / Forwarded) without a token gets 401 on loopback: loopback is not a password', async () => {
    const proxyHeaders: Record<string, string>[] = [{ 'x-forwarded-for': '203.0.113.7' }, { forwarded: 'for=203.0.113.7;proto=https' }, { 'x-real-ip': '203.0.113.7' }];
    for (const header of proxyHeaders) {
      const r = await rawRequest(port, { path: '/api/v1/state', headers: header });
      expect(r.status, JSON.stringify(header)).toBe(401);
      expect(JSON.parse(r.body).error.message).toMatch(/came through a proxy.*--token auto/);
    }
    const ws = await openSocket(`ws://127.0.0.1:${port}/api/v1/ws`, { headers: { 'x-forwarded-for': '203.0.113.7' }, protocols: ['cutline.v1'] });
    expect(ws.status).toBe(401);
    expect(serve.alive()).toBe(true);
    expect(await stateGetOk(port)).toBe(true);
  });
});

describe('control surface: tokens', () => {
  it('an empty token is refused at start (--token "" and CUTLINE_API_TOKEN=), with a message, and nothing listens', async () => {
    const flag = await runCutline(['serve', '--port', '0', '--token', '', '--data', dataDir()]);
    expect(flag.code).not.toBe(0);
    expect(flag.stderr).toMatch(/--token: an empty API token would turn authorization off.*--token auto/);
    expect(flag.stdout).not.toMatch(/serving/);
    const env = await runCutline(['serve', '--port', '0', '--data', dataDir()], { CUTLINE_API_TOKEN: '' });
    expect(env.code).not.toBe(0);
    expect(env.stderr).toMatch(/CUTLINE_API_TOKEN: an empty API token/);
    const short = await runCutline(['serve', '--port', '0', '--token', 'abc', '--data', dataDir()]);
    expect(short.code).not.toBe(0);
    expect(short.stderr).toMatch(/at least 8 characters/);
  });

  it('--token auto prints the desk URL with the token in the fragment; the token works as Bearer and as the WebSocket subprotocol, never in a query string', async () => {
    const serve = await startServe(['--token', 'auto'], { dataDir: dataDir() });
    try {
      const match = new RegExp(`Open the desk: http://127\\.0\\.0\\.1:${serve.port}/#token=([A-Za-z0-9_-]{40,})`).exec(serve.stdout());
      expect(match, serve.stdout()).toBeTruthy();
      const token = (match as RegExpExecArray)[1];
      expect((await rawRequest(serve.port, { path: '/api/v1/state' })).status).toBe(401);
      expect((await rawRequest(serve.port, { path: '/api/v1/state', headers: { authorization: 'Bearer wrong-token-123' } })).status).toBe(401);
      expect((await rawRequest(serve.port, { path: `/api/v1/state?token=${token}` })).status).toBe(401);
      expect((await rawRequest(serve.port, { path: '/api/v1/state', headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
      // Through a proxy, the token still lets the producer in.
      expect((await rawRequest(serve.port, { path: '/api/v1/state', headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': '203.0.113.7' } })).status).toBe(200);
      const url = `ws://127.0.0.1:${serve.port}/api/v1/ws`;
      const good = await openSocket(url, { protocols: ['cutline.v1', tokenProtocol(token)], origin: `http://127.0.0.1:${serve.port}` });
      expect(good.hello).toMatchObject({ type: 'hello' });
      expect(good.ws?.protocol).toBe('cutline.v1');
      good.ws?.close();
      expect((await openSocket(url, { protocols: ['cutline.v1', tokenProtocol('wrong-token-123')] })).status).toBe(401);
      expect((await openSocket(`${url}?token=${token}`, { protocols: ['cutline.v1'] })).status).toBe(401);
      expect(await stateGetOk(serve.port, { authorization: `Bearer ${token}` })).toBe(true);
    } finally {
      await serve.stop();
    }
  });
});

describe('cutline serve: bad surface flags', () => {
  it('a public port already in use, or --public-host without --public-port, exits non-zero saying why', async () => {
    const taken = await startServe([], { dataDir: dataDir() });
    try {
      const clash = await runCutline(['serve', '--port', '0', '--public-port', String(taken.port), '--data', dataDir()]);
      expect(clash.code).not.toBe(0);
      expect(clash.stderr).toMatch(new RegExp(`cannot listen on the public address 127\\.0\\.0\\.1:${taken.port}: .*EADDRINUSE`));
      const half = await runCutline(['serve', '--port', '0', '--public-host', '0.0.0.0', '--data', dataDir()]);
      expect(half.code).not.toBe(0);
      expect(half.stderr).toMatch(/--public-host needs --public-port/);
      expect(taken.alive()).toBe(true);
    } finally {
      await taken.stop();
    }
  });
});

describe('cutline run: the public surface only', () => {
  it('webrtc.publicListen in the show opens the public listener (viewer 200) and nothing of the control surface (404)', async () => {
    const dir = dataDir();
    const publicPort = await freePort();
    const show = join(dir, 'show.json');
    writeFileSync(
      show,
      JSON.stringify({
        output: { width: 320, height: 180, fps: 15, videoBitrateKbps: 300 },
        sources: [{ id: 'bars', kind: 'testPattern' }],
        layout: { preset: 'solo', sources: ['bars'] },
        webrtc: { publicListen: { host: '127.0.0.1', port: publicPort } },
      }),
    );
    const child = spawn(process.execPath, [CLI, 'run', show, '--data', join(dir, 'data')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout?.on('data', (c: Buffer) => (out += c));
    try {
      await waitUntil(() => /Running "/.test(out), 30_000, 'cutline run started');
      expect(out).toContain(`Public surface (guests, WHIP/WHEP, viewer) on http://127.0.0.1:${publicPort}`);
      expect((await rawRequest(publicPort, { path: '/viewer' })).status).toBe(200);
      for (const path of ['/api/v1/state', '/']) expect((await rawRequest(publicPort, { path })).status, path).toBe(404);
      expect((await openSocket(`ws://127.0.0.1:${publicPort}/api/v1/ws`, { protocols: ['cutline.v1'] })).status).toBe(404);
      expect(child.exitCode).toBeNull();
    } finally {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    expect(child.exitCode).toBe(0);
  });
});
