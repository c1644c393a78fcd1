/**
 * Key exfiltration through a reused destination id, against a real `cutline serve` whose secrets
 * file holds a key bound to YouTube and a legacy (unbound) key: an API caller declaring the same id
 * with another kind or host gets no key and the error the issue quotes, and a local HTTP/TCP
 * listener standing in for "evil" never sees the key. A legacy key reaches a destination only
 * after the producer confirms it (secret.confirm) — which also proves the listener would have
 * seen it. No key is in the state, a saved show, or any process command line. A source URL with
 * an SRT passphrase plays from a real ffmpeg SRT listener that demands it, and the passphrase is in
 * no command line of Cutline's processes (it reaches ffmpeg on stdin).
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeStoredSecret, encodeBoundSecret } from '../../electron/engine/secrets/BoundSecrets.ts';
import { type Cutline, startCutline } from '../helpers/attackTarget.ts';
import { SYSTEM_FFMPEG } from '../helpers/media.ts';
import { freePort, sleep, waitUntil } from '../helpers/servers.ts';

const YOUTUBE_KEY = 'yt-key-abcd-efgh-ijkl-mnop';
const LEGACY_KEY = 'legacy-key-0123456789';
const PATH_KEY = 'pathkey-9876-5432-1000';
const SRT_PASS = 'srt-passphrase-4242-4242';
const SRT_SOURCE_PASS = 'camera-passphrase-7777';

describe('stored keys go only where they were stored for', () => {
  let cutline: Cutline;
  let http: Server;
  let tcp: TcpServer;
  let httpPort = 0;
  let tcpPort = 0;
  const seen: { method?: string; url?: string; headers: IncomingHttpHeaders; body: string }[] = [];
  let tcpBytes = '';

  beforeAll(async () => {
    const root = mkdtempSync(join(tmpdir(), 'sec-secrets-'));
    mkdirSync(join(root, 'data'), { recursive: true });
    const file = join(root, 'data', 'secrets.json');
    writeFileSync(
      file,
      JSON.stringify({ youtube: encodeBoundSecret(YOUTUBE_KEY, { kind: 'rtmp', host: 'a.rtmp.youtube.com', origin: 'rtmp://a.rtmp.youtube.com' }), legacy: LEGACY_KEY }),
    );
    chmodSync(file, 0o600);
    http = createHttpServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, headers: req.headers, body });
        res.writeHead(401, { 'content-type': 'text/plain' }).end('no');
      });
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    httpPort = (http.address() as { port: number }).port;
    tcp = createTcpServer((socket) => socket.on('data', (c) => (tcpBytes += c.toString('latin1'))));
    await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
    tcpPort = (tcp.address() as { port: number }).port;
    // Debian's ffmpeg: the bundled one has no libsrt, and the SRT source below needs it.
    cutline = await startCutline(root, { env: { CUTLINE_FFMPEG: execFileSync('which', [SYSTEM_FFMPEG], { encoding: 'utf8' }).trim() } });
    await waitUntil(async () => (await cutline.state()).program.framesOut > 0, 20_000, 'program running');
  });

  afterAll(async () => {
    await cutline?.stop();
    http?.close();
    tcp?.close();
  });

  const destination = async (id: string) => (await cutline.state()).destinations.find((d) => d.id === id);

  it('a reused id with another kind (WHIP to a local listener) gets no key and the issue\'s error', async () => {
    expect((await cutline.post('destination.add', { id: 'youtube', kind: 'whip', url: `http://127.0.0.1:${httpPort}/whip` })).status).toBe(200);
    await cutline.post('destination.start', { id: 'youtube' });
    const status = await destination('youtube');
    expect(status?.state).toBe('error');
    expect(status?.message).toBe("the stored key for 'youtube' belongs to rtmp://a.rtmp.youtube.com; enter a key for this destination");
    await sleep(1500);
    expect(JSON.stringify(seen)).not.toContain(YOUTUBE_KEY);
    expect(seen).toHaveLength(0);
    await cutline.post('destination.remove', { id: 'youtube' });
  });

  it('a reused id with the same kind and another host (RTMP to a local TCP listener) gets no key either', async () => {
    await cutline.post('destination.add', { id: 'youtube', kind: 'rtmp', url: `rtmp://127.0.0.1:${tcpPort}/live2` });
    await cutline.post('destination.start', { id: 'youtube' });
    expect((await destination('youtube'))?.message).toMatch(/belongs to rtmp:\/\/a\.rtmp\.youtube\.com/);
    await sleep(1500);
    expect(tcpBytes).not.toContain(YOUTUBE_KEY);
    await cutline.post('destination.remove', { id: 'youtube' });
  });

  it('a legacy key is sent nowhere until the producer confirms it for a destination, then only there', async () => {
    await cutline.post('destination.add', { id: 'legacy', kind: 'whip', url: `http://127.0.0.1:${httpPort}/whip` });
    await cutline.post('destination.start', { id: 'legacy' });
    expect((await destination('legacy'))?.message).toMatch(/saved before keys were tied to their destination: confirm it for http:\/\/127\.0\.0\.1:\d+/);
    await sleep(1000);
    expect(seen).toHaveLength(0);

    const confirmed = await cutline.post('secret.confirm', { destinationId: 'legacy' });
    expect(confirmed).toMatchObject({ status: 200, json: { result: { destinationId: 'legacy', boundTo: `http://127.0.0.1:${httpPort}` } } });
    const stored = JSON.parse(readFileSync(join(cutline.dataDir, 'secrets.json'), 'utf8')) as Record<string, string>;
    expect(decodeStoredSecret(stored.legacy).binding).toMatchObject({ kind: 'whip', host: `127.0.0.1:${httpPort}` });
    await cutline.post('destination.start', { id: 'legacy' });
    await waitUntil(() => seen.length > 0, 10_000, 'the WHIP POST');
    expect(seen[0].headers.authorization).toBe(`Bearer ${LEGACY_KEY}`);
    // The listener answered 401: the destination stops with an error that does not show the key.
    await waitUntil(async () => (await destination('legacy'))?.state === 'error', 10_000, 'legacy refused');
    expect(JSON.stringify(await destination('legacy'))).not.toContain(LEGACY_KEY);
    await cutline.post('destination.stop', { id: 'legacy' });
  });

  it('no key in the state, a saved show, the log or any command line — keys in RTMP paths, SRT passphrases included', async () => {
    await cutline.post('destination.add', { id: 'inpath', kind: 'rtmp', url: `rtmp://127.0.0.1:${tcpPort}/live/${PATH_KEY}` });
    await cutline.post('destination.add', { id: 'srt', kind: 'srt', url: 'srt://127.0.0.1:9', passphrase: SRT_PASS });
    await cutline.post('destination.start', { id: 'inpath' });
    await cutline.post('destination.start', { id: 'srt' });
    // Refused either way (the bundled ffmpeg has no SRT at all; one with libsrt gets the passphrase refusal).
    expect((await destination('srt'))?.message).toMatch(/passphrase would be on the muxer's command line|cannot send SRT/);
    await sleep(1000);
    const keys = [YOUTUBE_KEY, LEGACY_KEY, PATH_KEY, SRT_PASS];
    const texts = [
      JSON.stringify(await cutline.state()),
      JSON.stringify((await cutline.post('show.save', { path: 'with-keys.json' })).json),
      readFileSync(join(cutline.mediaDir, 'with-keys.json'), 'utf8'),
      cutline.output(),
      JSON.stringify(cutline.descendants()),
    ];
    for (const text of texts) for (const key of keys) expect(text).not.toContain(key);
    expect(JSON.stringify(await destination('inpath'))).toContain('/live/****1000');
    expect(cutline.alive()).toBe(true);
  });

  it('an SRT source with a passphrase plays from a listener that demands it, and the passphrase is on no command line', async () => {
    const port = await freePort();
    // The peer: an SRT listener (a contribution encoder) that lets in only callers with the passphrase.
    const peer = spawn(
      SYSTEM_FFMPEG,
      ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=160x90:rate=15', '-re', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
        '-t', '40', '-c:v', 'mpeg2video', '-c:a', 'mp2', '-f', 'mpegts',
        `srt://127.0.0.1:${port}?mode=listener&passphrase=${SRT_SOURCE_PASS}&pbkeylen=16`],
      { stdio: 'ignore' },
    );
    try {
      const url = `srt://127.0.0.1:${port}?mode=caller&passphrase=${SRT_SOURCE_PASS}&pbkeylen=16`;
      expect((await cutline.post('source.add', { id: 'srtcam', kind: 'url', url })).status).toBe(200);
      const source = async () => (await cutline.state()).sources.find((x) => x.id === 'srtcam');
      await waitUntil(async () => (await source())?.state === 'live' && ((await source())?.fps ?? 0) > 0, 20_000, 'the SRT source live').catch(async (error) => {
        throw new Error(`${(error as Error).message}: ${JSON.stringify(await source())}; ${cutline.output().slice(-1500)}`);
      });
      const decoder = cutline.descendants().find((d) => d.args.includes('pipe:0') && d.args.includes('concat'));
      expect(decoder, JSON.stringify(cutline.descendants())).toBeDefined();
      for (const text of [JSON.stringify(cutline.descendants()), JSON.stringify(await cutline.state()), cutline.output()]) expect(text).not.toContain(SRT_SOURCE_PASS);
      expect(JSON.stringify((await cutline.state()).show)).toContain('passphrase=****');
      await cutline.post('source.remove', { id: 'srtcam' });
      // Other schemes have no such way in: a password in an RTMP or HTTP source URL is still refused, with why.
      for (const bad of ['rtmp://user:secret-pw@127.0.0.1/live/cam', 'https://user:secret-pw@127.0.0.1/cam.m3u8']) {
        const refused = await cutline.post('source.add', { id: 'pw', kind: 'url', url: bad });
        expect(refused.status).toBe(400);
        expect(JSON.stringify(refused.json)).toMatch(/command line/);
        expect(JSON.stringify(refused.json)).not.toContain('secret-pw');
      }
      expect(cutline.alive()).toBe(true);
    } finally {
      peer.kill('SIGKILL');
    }
  });
});
