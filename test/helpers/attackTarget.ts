/**
 * A real `cutline serve` on loopback for test/security: its own media folder, data folder (journal
 * and secrets file) and token, and a client that speaks the control API as any other caller
 * would (JSON POSTs with the bearer token). Every attack asserts on what this client gets back.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { EngineState } from '../../shared/protocol.ts';
import { freePort } from './servers.ts';

const REPO = resolve(import.meta.dirname, '..', '..');

export interface Answer<T = unknown> {
  status: number;
  json: { ok: boolean; result?: T; error?: { code: string; message: string } };
}

export interface Cutline {
  child: ChildProcess;
  base: string;
  token: string;
  mediaDir: string;
  dataDir: string;
  output(): string;
  post<T = unknown>(command: string, params?: unknown): Promise<Answer<T>>;
  state(): Promise<EngineState>;
  alive(): boolean;
  /** Every process under this one (ffmpeg muxers, decoders), with its command line. */
  descendants(): { pid: number; args: string[] }[];
  stop(): Promise<void>;
}

export const SMALL_OUTPUT = { width: 320, height: 180, fps: 15, videoBitrateKbps: 300, keyframeIntervalS: 1 };

/** Starts `cutline serve --media-dir <root>/media --show <root>/media/show.json --data <root>/data --token T`. */
export async function startCutline(root: string, options: { show?: object; env?: NodeJS.ProcessEnv; args?: string[] } = {}): Promise<Cutline> {
  const mediaDir = join(root, 'media');
  const dataDir = join(root, 'data');
  mkdirSync(mediaDir, { recursive: true });
  mkdirSync(dataDir, { recursive: true });
  const showFile = join(mediaDir, 'show.json');
  writeFileSync(showFile, JSON.stringify(options.show ?? { output: SMALL_OUTPUT, sources: [{ id: 'bars', kind: 'testPattern', color: '#2060c0' }], layout: { preset: 'solo', sources: ['bars'] } }));
  const token = randomBytes(16).toString('hex');
  const port = await freePort();
  const args = ['bin/cutline.js', 'serve', '--port', String(port), '--token', token, '--media-dir', mediaDir, '--show', showFile, '--data', dataDir, ...(options.args ?? [])];
  const child = spawn(process.execPath, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CUTLINE_DATA_DIR: dataDir, ...options.env } });
  let out = '';
  const base = await new Promise<string>((resolveBase, reject) => {
    const timer = setTimeout(() => reject(new Error(`cutline serve did not start:\n${out}`)), 30_000);
    child.stdout?.on('data', (c: Buffer) => {
      out += c;
      const m = /serving on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolveBase(m[1]);
      }
    });
    child.stderr?.on('data', (c: Buffer) => (out += c));
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`cutline serve exited (${code ?? signal}):\n${out}`));
    });
  });
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  const post = async <T>(command: string, params: unknown = {}): Promise<Answer<T>> => {
    const res = await fetch(`${base}/api/v1/commands/${command}`, { method: 'POST', headers, body: JSON.stringify(params) });
    return { status: res.status, json: (await res.json()) as Answer<T>['json'] };
  };
  const descendants = () => {
    const all: { pid: number; ppid: number; args: string[] }[] = [];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        all.push({ pid: Number(entry), ppid: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]), args: readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean) });
      } catch {
        // ended meanwhile
      }
    }
    const mine = new Set([child.pid]);
    let grew = true;
    while (grew) {
      grew = false;
      for (const p of all) {
        if (mine.has(p.ppid) && !mine.has(p.pid)) {
          mine.add(p.pid);
          grew = true;
        }
      }
    }
    return all.filter((p) => p.pid !== child.pid && mine.has(p.pid)).map(({ pid, args: a }) => ({ pid, args: a }));
  };
  return {
    child,
    base,
    token,
    mediaDir,
    dataDir,
    output: () => out,
    post,
    state: async () => (await post<EngineState>('state.get')).json.result as EngineState,
    alive: () => child.exitCode === null && child.signalCode === null,
    descendants,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
