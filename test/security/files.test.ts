/**
 * Files and URLs as an attacker with the API would use them, against a real `cutline serve` on
 * loopback (--media-dir <root>/media): path traversal and symbolic links on show.save/show.load,
 * /etc/passwd and /dev/zero loads, a FIFO, an oversize file, a file that is not a show, and SSRF
 * through sources, recordings and image overlays. Each is refused with a 4xx and a message, the
 * file system outside the media folder is untouched, nothing of a file's contents is echoed, and
 * the show keeps running.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cutline, startCutline } from '../helpers/attackTarget.ts';
import { waitUntil } from '../helpers/servers.ts';

describe('files and URLs an API caller may touch', () => {
  let cutline: Cutline;
  let root: string;
  let outside: string;
  const SECRET_LINE = 'root:x:0:0:do-not-echo-me';

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'sec-files-'));
    outside = join(root, 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'target.json'), '{"mine": true}\n');
    writeFileSync(join(outside, '.bashrc'), 'echo original\n');
    cutline = await startCutline(root);
    const media = cutline.mediaDir;
    symlinkSync(join(outside, 'target.json'), join(media, 'link.json'));
    symlinkSync(outside, join(media, 'outdir'));
    symlinkSync('/dev/zero', join(media, 'zero.json'));
    symlinkSync('/etc/passwd', join(media, 'passwd.json'));
    writeFileSync(join(media, 'notes.json'), `{"todo": "${SECRET_LINE}"}\n`);
    writeFileSync(join(media, 'secret.json'), `${SECRET_LINE}\n`);
    writeFileSync(join(media, 'huge.json'), Buffer.alloc(5 << 20, 0x20));
    execFileSync('mkfifo', [join(media, 'fifo.json')]);
    await waitUntil(async () => (await cutline.state()).sources[0]?.state === 'live', 20_000, 'show live');
  });

  afterAll(async () => {
    await cutline?.stop();
  });

  const expectRefused = async (command: string, params: unknown, status: number | number[], message?: RegExp) => {
    const answer = await cutline.post(command, params);
    expect([status].flat()).toContain(answer.status);
    expect(answer.json.ok).toBe(false);
    expect(answer.json.error?.message.length).toBeGreaterThan(10);
    if (message) expect(answer.json.error?.message).toMatch(message);
    expect(JSON.stringify(answer.json)).not.toContain('do-not-echo-me');
    expect(JSON.stringify(answer.json)).not.toMatch(/root:x:0:0/);
    return answer;
  };

  it('show.save: no traversal, no absolute path elsewhere, no symlink out, only .json, never over a file that is not a show', async () => {
    await expectRefused('show.save', { path: '../outside/evil.json' }, 403, /outside the media folders/);
    await expectRefused('show.save', { path: join(outside, 'evil.json') }, 403);
    await expectRefused('show.save', { path: '../outside/.bashrc' }, 400, /\.json/);
    await expectRefused('show.save', { path: 'link.json' }, [403, 409], /symbolic link/);
    await expectRefused('show.save', { path: 'outdir/evil.json' }, 403);
    await expectRefused('show.save', { path: 'notes.json' }, 409, /not a Cutline show/);
    await expectRefused('show.save', { path: 'secret.json' }, 409, /not a Cutline show/);
    expect(readdirSync(outside).sort()).toEqual(['.bashrc', 'target.json']);
    expect(readFileSync(join(outside, 'target.json'), 'utf8')).toBe('{"mine": true}\n');
    expect(readFileSync(join(outside, '.bashrc'), 'utf8')).toBe('echo original\n');
    expect(readFileSync(join(cutline.mediaDir, 'notes.json'), 'utf8')).toContain(SECRET_LINE);
  });

  it('show.save writes a show inside the media folder atomically and may replace its own show files', async () => {
    const first = await cutline.post('show.save', { path: 'saved.json' });
    expect(first.status).toBe(200);
    const saved = JSON.parse(readFileSync(join(cutline.mediaDir, 'saved.json'), 'utf8'));
    expect(saved.sources[0]).toMatchObject({ id: 'bars' });
    expect((await cutline.post('show.save', { path: 'saved.json' })).status).toBe(200);
    expect(readdirSync(cutline.mediaDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('show.load: /etc/passwd, /dev/zero (direct or through a link), a FIFO, a huge file, a non-JSON file — refused without echoing', async () => {
    await expectRefused('show.load', { path: '/etc/passwd' }, 403);
    await expectRefused('show.load', { path: '/dev/zero' }, 403);
    await expectRefused('show.load', { path: 'zero.json' }, 403);
    await expectRefused('show.load', { path: 'passwd.json' }, 403);
    await expectRefused('show.load', { path: '../outside/target.json' }, 403);
    await expectRefused('show.load', { path: 'fifo.json' }, 400, /not a regular file/);
    await expectRefused('show.load', { path: 'huge.json' }, 413, /4 MiB/);
    await expectRefused('show.load', { path: 'secret.json' }, 400, /not a JSON show document/);
    await expectRefused('show.load', { path: 'notes.json' }, 400);
    expect((await cutline.state()).sources.map((s) => [s.id, s.state])).toEqual([['bars', 'live']]);
  });

  it('sources, recordings and image overlays: no files outside, no SSRF schemes or metadata addresses, no credentials', async () => {
    const before = JSON.stringify((await cutline.state()).show);
    await expectRefused('source.add', { id: 'f1', kind: 'file', path: '/etc/passwd' }, 403);
    await expectRefused('source.add', { id: 'f2', kind: 'file', path: '../outside/target.json' }, 403);
    await expectRefused('source.add', { id: 'f3', kind: 'file', path: 'concat:/etc/passwd|/etc/hosts' }, [403, 422]);
    await expectRefused('source.add', { id: 'u1', kind: 'url', url: 'concat:/etc/passwd|/etc/hosts' }, 400);
    await expectRefused('source.add', { id: 'u2', kind: 'url', url: 'http://169.254.169.254/latest/meta-data/' }, 403, /link-local or cloud-metadata/);
    await expectRefused('source.add', { id: 'u3', kind: 'url', url: 'http://[fe80::1]/x.m3u8' }, 403);
    await expectRefused('source.add', { id: 'u4', kind: 'url', url: 'http://metadata.google.internal/computeMetadata/v1/' }, 403);
    await expectRefused('source.add', { id: 'u5', kind: 'url', url: 'udp://127.0.0.1:5000' }, 403, /--allow-scheme udp/);
    // (rtsp:// and srt:// may carry a password: it reaches ffmpeg on stdin; secrets.test.ts.)
    await expectRefused('source.add', { id: 'u6', kind: 'url', url: 'rtmp://admin:hunter2@127.0.0.1/live/cam' }, 400, /command line/);
    await expectRefused('source.add', { id: 'w1', kind: 'whep', url: 'http://169.254.169.254/whep' }, 403);
    await expectRefused('destination.add', { id: 'r1', kind: 'recording', path: join(outside, 'rec.mkv') }, 403);
    await expectRefused('destination.add', { id: 'r2', kind: 'recording', path: 'outdir/' }, 403);
    await expectRefused('overlay.add', { id: 'i1', kind: 'image', src: '/etc/passwd' }, 403);
    await expectRefused('overlay.add', { id: 'i2', kind: 'image', src: 'http://169.254.169.254/logo.png' }, 400);
    await expectRefused('show.load', { show: { sources: [{ id: 'x', kind: 'file', path: '/etc/passwd' }] } }, 403);
    expect(JSON.stringify((await cutline.state()).show)).toBe(before);
    expect(readdirSync(outside).sort()).toEqual(['.bashrc', 'target.json']);
    expect(cutline.alive()).toBe(true);
  });

  it('a recording inside the media folder is allowed, and ffmpeg gets a plain absolute path', async () => {
    const added = await cutline.post('destination.add', { id: 'rec', kind: 'recording', path: 'rtmp://evil.example/live/' });
    expect(added.status).toBe(200);
    const spec = (await cutline.state()).show.destinations.find((d) => d.id === 'rec') as { path: string };
    expect(spec.path.startsWith(cutline.mediaDir)).toBe(true);
    expect((await cutline.post('destination.remove', { id: 'rec' })).status).toBe(200);
    expect(existsSync(join(outside, 'live'))).toBe(false);
  });
  it('destination.add and overlay.add are held to a show file\'s caps (409 with the limit), and the program goes on', async () => {
    const limits = { destinations: 32, overlays: 64 };
    // Recordings that are never started and text overlays: cheap to add, nothing spawned.
    for (let i = 0; i < limits.destinations; i++) expect((await cutline.post('destination.add', { id: `cap${i}`, kind: 'recording', path: `cap${i}/` })).status).toBe(200);
    const tooManyDestinations = await expectRefused('destination.add', { id: 'cap-over', kind: 'recording', path: 'over/' }, 409, /at most 32 destinations/);
    expect(tooManyDestinations.json.error?.message).toMatch(/remove one first/);
    for (let i = 0; i < limits.overlays; i++) expect((await cutline.post('overlay.add', { id: `t${i}`, kind: 'text', text: `line ${i}` })).status).toBe(200);
    await expectRefused('overlay.add', { id: 't-over', kind: 'text', text: 'one too many' }, 409, /at most 64 overlays/);
    // A show file over the cap is refused the same way, before anything of it starts.
    await expectRefused('show.load', { show: { sources: Array.from({ length: 65 }, (_, i) => ({ id: `s${i}`, kind: 'testPattern' })) } }, 400, /64/);
    const state = await cutline.state();
    expect(state.show.destinations).toHaveLength(limits.destinations);
    expect(cutline.alive()).toBe(true);
    for (let i = 0; i < limits.destinations; i++) await cutline.post('destination.remove', { id: `cap${i}` });
  });
});
