/**
 * What the shared-object e2e tests need to look at data the way a player developer would: the SEI
 * messages in a file as Debian's ffmpeg/ffprobe show them, the frames decoded one for one, the
 * poll's bars read from pixels; and API clients over HTTP and WebSocket that time each command.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import WebSocket from 'ws';
import { FFPROBE, type RgbImage, SYSTEM_FFMPEG } from './media.ts';

// ---- SEI as the system tools show it ----------------------------------------------------------

export interface SeiMessage {
  /** 32 hex digits. */
  uuid: string;
  payload: Buffer;
}

/**
 * Every "user data unregistered" SEI message in the video, in stream order, read by ffmpeg's own
 * H.264 parser (the trace_headers bitstream filter prints the UUID and payload bytes).
 */
export function traceUserDataSei(file: string): Promise<SeiMessage[]> {
  return new Promise((resolve, reject) => {
    const p = spawn(SYSTEM_FFMPEG, ['-hide_banner', '-v', 'info', '-i', file, '-map', '0:v', '-c', 'copy', '-bsf:v', 'trace_headers', '-f', 'null', '-']);
    const messages: { uuid: number[]; payload: number[] }[] = [];
    const uuidRe = /uuid_iso_iec_11578\[(\d+)\]\s+\S+\s+=\s+(\d+)/;
    const byteRe = /user_data_payload_byte\[(\d+)\]\s+\S+\s+=\s+(\d+)/;
    createInterface({ input: p.stderr }).on('line', (line) => {
      const u = uuidRe.exec(line);
      if (u) {
        if (u[1] === '0') messages.push({ uuid: [], payload: [] });
        messages.at(-1)?.uuid.push(Number(u[2]));
        return;
      }
      const b = byteRe.exec(line);
      if (b) messages.at(-1)?.payload.push(Number(b[2]));
    });
    p.on('error', reject);
    p.on('close', (code) => {
      if (code !== 0) return reject(new Error(`ffmpeg trace_headers exited with ${code}`));
      resolve(messages.map((m) => ({ uuid: Buffer.from(m.uuid).toString('hex'), payload: Buffer.from(m.payload) })));
    });
  });
}

export interface ProbedFrame {
  ptsS: number;
  /** "User Data Unregistered" side data entries ffprobe lists on this frame. */
  userDataSei: number;
}

/** Every decoded video frame with its time and its SEI side data, as `ffprobe -show_frames` lists them. */
export function probeFramesSei(file: string): Promise<ProbedFrame[]> {
  return new Promise((resolve, reject) => {
    const p = spawn(FFPROBE, ['-v', 'error', '-select_streams', 'v:0', '-show_frames', '-show_entries', 'frame=pts_time:frame_side_data', '-of', 'json', file]);
    let out = '';
    p.stdout.on('data', (c: Buffer) => (out += c));
    p.on('error', reject);
    p.on('close', () => {
      try {
        const frames = (JSON.parse(out) as { frames: { pts_time: string; side_data_list?: { side_data_type: string }[] }[] }).frames;
        resolve(
          frames.map((f) => ({
            ptsS: Number(f.pts_time),
            userDataSei: (f.side_data_list ?? []).filter((s) => /User Data Unregistered/i.test(s.side_data_type)).length,
          })),
        );
      } catch (error) {
        reject(error);
      }
    });
  });
}

/** Every frame, exactly once each (no rate conversion), cropped to a box, as RGB. */
export function decodeFramesCropped(file: string, box: { x: number; y: number; w: number; h: number }): Promise<RgbImage[]> {
  return new Promise((resolve, reject) => {
    const p = spawn(SYSTEM_FFMPEG, [
      '-v', 'error', '-i', file, '-map', '0:v', '-fps_mode', 'passthrough',
      '-vf', `crop=${box.w}:${box.h}:${box.x}:${box.y}`, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1',
    ]);
    const chunks: Buffer[] = [];
    p.stdout.on('data', (c: Buffer) => chunks.push(c));
    p.on('error', reject);
    p.on('close', () => {
      const all = Buffer.concat(chunks);
      const size = box.w * box.h * 3;
      const frames: RgbImage[] = [];
      for (let off = 0; off + size <= all.length; off += size) frames.push({ width: box.w, height: box.h, data: all.subarray(off, off + size) });
      resolve(frames);
    });
  });
}

export function pixel(img: RgbImage, x: number, y: number): [number, number, number] {
  const i = (Math.round(y) * img.width + Math.round(x)) * 3;
  return [img.data[i], img.data[i + 1], img.data[i + 2]];
}

/** Fraction of a bar's length painted in the accent colour, read along its middle row. */
export function barFill(img: RgbImage, bar: { x: number; y: number; w: number; h: number }, accent: readonly number[]): number {
  let hits = 0;
  for (let dy = -1; dy <= 1; dy++) {
    for (let x = Math.ceil(bar.x); x < Math.floor(bar.x + bar.w); x++) {
      const [r, g, b] = pixel(img, x, bar.y + bar.h / 2 + dy);
      if (Math.hypot(r - accent[0], g - accent[1], b - accent[2]) < 90) hits++;
    }
  }
  return hits / 3 / bar.w;
}

// ---- API clients --------------------------------------------------------------------------------

export interface CommandReply {
  ok: boolean;
  result?: unknown;
  error?: { code: string; reason?: string; message: string };
  /** HTTP status (HTTP clients only). */
  status?: number;
  ms: number;
}

export interface ApiClient {
  kind: 'http' | 'ws';
  command(name: string, params: unknown): Promise<CommandReply>;
  close(): void;
}

export function httpClient(base: string): ApiClient {
  return {
    kind: 'http',
    async command(name, params) {
      const t0 = performance.now();
      const res = await fetch(`${base}/api/v1/commands/${name}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(params) });
      const json = (await res.json()) as Omit<CommandReply, 'ms' | 'status'>;
      return { ...json, status: res.status, ms: performance.now() - t0 };
    },
    close() {},
  };
}

export interface WsApiClient extends ApiClient {
  /** Every event received, in order. */
  events: { event: string; data: unknown }[];
}

export async function wsClient(base: string): Promise<WsApiClient> {
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/api/v1/ws`);
  const pending = new Map<number, { t0: number; resolve: (r: CommandReply) => void }>();
  const events: { event: string; data: unknown }[] = [];
  let next = 1;
  ws.on('message', (raw) => {
    const m = JSON.parse(String(raw)) as { type: string; requestId?: number; event?: string; data?: unknown } & Omit<CommandReply, 'ms'>;
    if (m.type === 'event' && m.event) events.push({ event: m.event, data: m.data });
    if (m.type === 'response' && m.requestId !== undefined) {
      const p = pending.get(m.requestId);
      pending.delete(m.requestId);
      p?.resolve({ ok: m.ok, result: m.result, error: m.error, ms: performance.now() - p.t0 });
    }
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return {
    kind: 'ws',
    events,
    command(name, params) {
      const requestId = next++;
      return new Promise((resolve) => {
        pending.set(requestId, { t0: performance.now(), resolve });
        ws.send(JSON.stringify({ type: 'request', requestId, command: name, params }));
      });
    },
    close: () => ws.close(),
  };
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

// ---- `cutline serve` as a child process ---------------------------------------------------------

export interface ServeProcess {
  child: ChildProcess;
  base: string;
  output: () => string;
}

/** Starts `node bin/cutline.js serve` and resolves once it prints where it serves. */
export function startServe(args: string[], cwd: string, timeoutMs = 30_000): Promise<ServeProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/cutline.js', 'serve', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`cutline serve did not start in ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const onData = (c: Buffer) => {
      out += c;
      const m = /serving on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, base: m[1], output: () => out });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (c: Buffer) => (out += c));
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`cutline serve exited (${code ?? signal}) before serving:\n${out}`));
    });
  });
}
