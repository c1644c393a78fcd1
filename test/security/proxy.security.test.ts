/**
 * The reverse-proxy example of docs/WEBRTC.md, run for real: the nginx block is read from the doc
 * (so the doc cannot rot), given a self-signed certificate and free ports, and put in front of a
 * real `cutline serve --public-port`. Through it the public surface works (viewer, guest page, WHIP,
 * the objects socket with its WebSocket upgrade); the control API and the desk do not exist; and
 * the access log never holds a token.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { makeOffer, type RawResponse, rawRequest, type ServeProcess, startServe, stateGetOk } from '../helpers/cutlineServe.ts';
import { freePort, sleep, waitUntil } from '../helpers/servers.ts';
import { guestPublicId } from '../helpers/guestUrls.ts';

const HAVE_NGINX = existsSync('/usr/sbin/nginx');

/** The ```nginx block of the "Behind a reverse proxy" section. */
function documentedNginxSite(): string {
  const doc = readFileSync(resolve('docs/WEBRTC.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## Behind a reverse proxy'));
  const block = /```nginx\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error('docs/WEBRTC.md has no ```nginx block under "Behind a reverse proxy"');
  return block;
}

function httpsRequest(port: number, options: { method?: string; path: string; headers?: Record<string, string>; body?: string }): Promise<RawResponse> {
  return new Promise((resolveRequest, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path, headers: { host: 'studio.example.com', ...options.headers }, rejectUnauthorized: false, servername: 'studio.example.com' },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c));
        res.on('end', () => resolveRequest({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

describe.skipIf(!HAVE_NGINX)('the documented nginx proxy in front of the public surface', () => {
  let serve: ServeProcess;
  let nginx: ChildProcess | undefined;
  let proxyPort = 0;
  let dir = '';
  const command = async (name: string, params: unknown) => {
    const r = await rawRequest(serve.port, { method: 'POST', path: `/api/v1/commands/${name}`, headers: { 'content-type': 'application/json' }, body: JSON.stringify(params) });
    return (JSON.parse(r.body) as { result: never }).result;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cutline-proxy-'));
    serve = await startServe([], { publicPort: true, dataDir: join(dir, 'data') });
    proxyPort = await freePort();
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=studio.example.com', '-keyout', key, '-out', cert], { stdio: 'ignore' });
    const site = documentedNginxSite()
      .replace('listen 443 ssl;', `listen 127.0.0.1:${proxyPort} ssl;`)
      .replace(/ssl_certificate\s+\S+;/, `ssl_certificate ${cert};`)
      .replace(/ssl_certificate_key\s+\S+;/, `ssl_certificate_key ${key};`)
      .replace('server 127.0.0.1:7711;', `server 127.0.0.1:${serve.publicPort};`)
      .replace('/var/log/nginx/cutline.log', join(dir, 'access.log'));
    for (const t of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, t));
    const conf = join(dir, 'nginx.conf');
    writeFileSync(
      conf,
      `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log info;
events { worker_connections 64; }
http {
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  access_log off;
${site}
}
`,
    );
    const child = spawn('nginx', ['-p', dir, '-c', conf, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
    nginx = child;
    let err = '';
    child.stderr?.on('data', (c: Buffer) => (err += c));
    await waitUntil(
      async () => {
        if (child.exitCode !== null) throw new Error(`nginx exited: ${err}`);
        return httpsRequest(proxyPort, { path: '/viewer' }).then(
          () => true,
          () => false,
        );
      },
      10_000,
      'nginx proxy listening',
    );
  });

  afterAll(async () => {
    if (nginx && nginx.exitCode === null) {
      const exited = new Promise((r) => nginx?.once('exit', r));
      nginx.kill('SIGTERM');
      await Promise.race([exited, sleep(3000)]);
    }
    await serve?.stop();
  });

  it('forwards the viewer, the guest page and a WHIP publish', async () => {
    const viewer = await httpsRequest(proxyPort, { path: '/viewer' });
    expect(viewer.status).toBe(200);
    expect(viewer.headers['content-type']).toMatch(/text\/html/);
    expect((await httpsRequest(proxyPort, { path: '/viewer/viewer.js' })).status).toBe(200);
    const guest = (await command('guest.invite', { label: 'Remote' })) as { id: string; token: string; whipUrl: string };
    expect((await httpsRequest(proxyPort, { path: `/guest/${guestPublicId(guest)}` })).status).toBe(200);
    const whip = await httpsRequest(proxyPort, {
      method: 'POST',
      path: `/whip/${guestPublicId(guest)}`,
      headers: { 'content-type': 'application/sdp', authorization: `Bearer ${guest.token}` },
      body: await makeOffer('sendonly'),
    });
    expect(whip.status, whip.body).toBe(201);
    expect(whip.body).toMatch(/^v=0/);
    const gone = await httpsRequest(proxyPort, { method: 'DELETE', path: String(whip.headers.location), headers: { authorization: `Bearer ${guest.token}` } });
    expect(gone.status).toBe(200);
  });

  it('never forwards the control API or the desk', async () => {
    for (const path of ['/api/v1/state', '/', '/index.html', '/api/v1/ws']) expect((await httpsRequest(proxyPort, { path })).status, path).toBe(404);
    const post = await httpsRequest(proxyPort, { method: 'POST', path: '/api/v1/commands/destination.startAll', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(post.status).toBe(404);
    expect(await stateGetOk(serve.port)).toBe(true);
  });

  it('upgrades /objects/ws through the proxy, and the access log holds no token', async () => {
    const issued = (await command('object.issueToken', { role: 'viewer' })) as { token: string };
    const ws = new WebSocket(`wss://127.0.0.1:${proxyPort}/objects/ws?token=${issued.token}`, { rejectUnauthorized: false, headers: { host: 'studio.example.com' } });
    const hello = await new Promise<{ type: string; role: string }>((resolveHello, reject) => {
      ws.once('message', (d) => resolveHello(JSON.parse(String(d))));
      ws.once('error', reject);
    });
    expect(hello).toMatchObject({ type: 'hello', role: 'viewer' });
    ws.send(JSON.stringify({ type: 'request', requestId: 1, command: 'object.list', params: {} }));
    const reply = await new Promise<{ ok: boolean }>((r) => ws.once('message', (d) => r(JSON.parse(String(d)))));
    expect(reply.ok).toBe(true);
    ws.close();
    await sleep(200);
    const log = readFileSync(join(dir, 'access.log'), 'utf8');
    expect(log).toMatch(/"GET \/objects\/ws" 101/);
    expect(log).not.toContain(issued.token);
    expect(await stateGetOk(serve.port)).toBe(true);
  });
});
