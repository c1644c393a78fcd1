/**
 * `cutline serve` as a user (or an attacker's target) runs it: a real child process on loopback,
 * started with real flags; and raw HTTP requests whose Host, Origin and proxy headers a test sets
 * (fetch may not set Host).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import { RTCPeerConnection } from 'werift';
import WebSocket from 'ws';
import { H264, OPUS, VP8 } from '../../electron/engine/webrtc/peers.ts';
import { freePort, waitUntil } from './servers.ts';

export const CLI = join(import.meta.dirname, '..', '..', 'bin', 'cutline.js');

export interface ServeProcess {
  child: ChildProcess;
  port: number;
  publicPort: number | undefined;
  stdout(): string;
  stderr(): string;
  /** Still running (not exited)? */
  alive(): boolean;
  stop(): Promise<void>;
}

/** Starts `cutline serve --port <free> ...args` and waits for its "serving" line. */
export async function startServe(args: string[], options: { publicPort?: boolean; env?: Record<string, string>; dataDir: string }): Promise<ServeProcess> {
  const port = await freePort();
  const publicPort = options.publicPort ? await freePort() : undefined;
  const child = spawn(
    process.execPath,
    [CLI, 'serve', '--port', String(port), '--data', options.dataDir, ...(publicPort ? ['--public-port', String(publicPort)] : []), ...args],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } },
  );
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => (out += c));
  child.stderr?.on('data', (c: Buffer) => (err += c));
  await waitUntil(
    () => {
      if (child.exitCode !== null) throw new Error(`cutline serve exited ${child.exitCode}: ${err}`);
      return /Cutline is serving on/.test(out) && (!publicPort || /Public surface/.test(out));
    },
    30_000,
    'cutline serve listening',
  );
  return {
    child,
    port,
    publicPort,
    stdout: () => out,
    stderr: () => err,
    alive: () => child.exitCode === null && child.signalCode === null,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Runs `cutline <args>` to its end (for flags refused at start). */
export function runCutline(args: string[], env: Record<string, string> = {}, timeoutMs = 30_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (c: Buffer) => (stdout += c));
    child.stderr?.on('data', (c: Buffer) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP request to 127.0.0.1:port with exactly these headers (Host included). */
export function rawRequest(port: number, options: { method?: string; path: string; headers?: Record<string, string>; body?: string }): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path, headers: { host: `127.0.0.1:${port}`, ...options.headers } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** The program still answers commands: POST state.get as the desk would. */
export async function stateGetOk(port: number, headers: Record<string, string> = {}): Promise<boolean> {
  const r = await rawRequest(port, { method: 'POST', path: '/api/v1/commands/state.get', headers: { 'content-type': 'application/json', ...headers }, body: '{}' });
  return r.status === 200 && (JSON.parse(r.body) as { ok: boolean }).ok === true;
}

/** Opens a WebSocket; resolves with the first message (hello) or the HTTP status it was refused with. */
export function openSocket(url: string, options: { headers?: Record<string, string>; protocols?: string[]; origin?: string } = {}): Promise<{ ws?: WebSocket; hello?: unknown; status?: number; body?: string; headers?: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, options.protocols ?? [], { headers: options.headers, ...(options.origin ? { origin: options.origin } : {}) });
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode, body, headers: res.headers }));
    });
    ws.once('message', (data) => resolve({ ws, hello: JSON.parse(String(data)) }));
    ws.once('error', () => resolve({ status: -1 }));
  });
}

/** A real SDP offer from a werift peer: send-only video (VP8 + H264 CB) and Opus, as a WHIP client makes. */
export async function makeOffer(direction: 'sendonly' | 'recvonly' = 'sendonly'): Promise<string> {
  const pc = new RTCPeerConnection({ codecs: { video: [VP8(), H264()], audio: [OPUS()] }, iceAdditionalHostAddresses: ['127.0.0.1'] });
  pc.addTransceiver('video', { direction });
  pc.addTransceiver('audio', { direction });
  const offer = await pc.createOffer();
  await pc.setLocalDescription(offer);
  const sdp = pc.localDescription?.sdp ?? offer.sdp;
  await pc.close();
  return sdp;
}
