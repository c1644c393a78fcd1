/**
 * Local cameras and microphones, and the ffmpeg input arguments that open them.
 * - Linux: V4L2 capture nodes (/dev/video*, names from sysfs) and ALSA capture devices
 *   (/proc/asound/pcm); no ffmpeg call is needed. A PulseAudio/PipeWire source can be used by an
 *   id of the form `pulse:<source name>` (or `pulse:default`).
 * - macOS: `ffmpeg -f avfoundation -list_devices true -i ""`.
 * - Windows: `ffmpeg -list_devices true -f dshow -i dummy` (ffmpeg ≤ 4.4 prints sections,
 *   ≥ 5.0 a "(video)" / "(audio)" suffix; both are read).
 * Having no devices is not an error; `error` is set only when listing itself failed.
 */
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface DeviceInfo {
  id: string;
  name: string;
  kind: 'video' | 'audio';
  api: 'v4l2' | 'alsa' | 'pulse' | 'avfoundation' | 'dshow';
}

// ---------------------------------------------------------------------------------------------
// Parsers (pure)

/** Drop the "[dshow @ 000001…] " / "[AVFoundation indev @ 0x…] " log prefix. */
function stripLogPrefix(line: string): string {
  return line.replace(/^\[[^\]]*@\s*(0x)?[0-9a-f]+\]\s?/i, '');
}

/** Give every device a unique, ffmpeg-safe id: its name, else `fallback(device)`. */
function assignIds<T extends { name: string; kind: DeviceInfo['kind'] }>(
  devices: T[],
  usable: (name: string) => boolean,
  fallback: (device: T) => string,
): (T & { id: string })[] {
  const count = new Map<string, number>();
  for (const d of devices) count.set(`${d.kind}\0${d.name}`, (count.get(`${d.kind}\0${d.name}`) ?? 0) + 1);
  return devices.map((d) => ({
    ...d,
    id: count.get(`${d.kind}\0${d.name}`) === 1 && usable(d.name) ? d.name : fallback(d),
  }));
}

/**
 * `-f avfoundation -list_devices true -i ""` stderr → devices. The id is the device name (stable
 * across reboots, unlike the index), or the index when the name contains ':' (the separator of
 * avfoundation's "video:audio" input) or is shared by two devices.
 */
export function parseAvfoundationList(stderr: string): DeviceInfo[] {
  const found: { name: string; index: string; kind: DeviceInfo['kind'] }[] = [];
  let kind: DeviceInfo['kind'] | undefined;
  for (const raw of stderr.split(/\r?\n/)) {
    const line = stripLogPrefix(raw).trim();
    if (/AVFoundation video devices/i.test(line)) kind = 'video';
    else if (/AVFoundation audio devices/i.test(line)) kind = 'audio';
    else if (kind) {
      const m = /^\[(\d+)\]\s+(.+)$/.exec(line);
      if (m) found.push({ name: m[2].trim(), index: m[1], kind });
      else if (line && !/^\[/.test(raw.trim())) kind = undefined; // a line outside the listing
    }
  }
  return assignIds(found, (name) => !name.includes(':'), (d) => d.index).map(({ id, name, kind }) => ({
    id,
    name,
    kind,
    api: 'avfoundation' as const,
  }));
}

/**
 * `-list_devices true -f dshow -i dummy` stderr → devices, old and new formats. The id is the
 * friendly name, or DirectShow's unique "alternative name" when two devices share a friendly name
 * or the name contains ':' (the separator of dshow's "video=…:audio=…" input).
 */
export function parseDshowList(stderr: string): DeviceInfo[] {
  const found: { name: string; kinds: DeviceInfo['kind'][]; alt?: string }[] = [];
  let section: DeviceInfo['kind'] | undefined;
  for (const raw of stderr.split(/\r?\n/)) {
    const line = stripLogPrefix(raw).trim();
    if (/^DirectShow video devices/i.test(line)) {
      section = 'video';
      continue;
    }
    if (/^DirectShow audio devices/i.test(line)) {
      section = 'audio';
      continue;
    }
    const alt = /^Alternative name "(.*)"$/.exec(line);
    if (alt) {
      const last = found.at(-1);
      if (last && last.alt === undefined) last.alt = alt[1];
      continue;
    }
    const dev = /^"(.*)"(?:\s*\(([^)]*)\))?$/.exec(line);
    if (!dev) continue;
    let kinds: DeviceInfo['kind'][];
    if (dev[2] !== undefined) {
      // ffmpeg ≥ 5: "(video)", "(audio)", "(video, audio)", "(none)"
      kinds = dev[2]
        .split(',')
        .map((s) => s.trim())
        .filter((s): s is DeviceInfo['kind'] => s === 'video' || s === 'audio');
    } else {
      kinds = section ? [section] : [];
    }
    found.push({ name: dev[1], kinds });
  }
  const flat = found.flatMap((d) => d.kinds.map((kind) => ({ name: d.name, kind, alt: d.alt })));
  return assignIds(flat, (name) => !name.includes(':'), (d) => d.alt ?? d.name).map(({ id, name, kind }) => ({
    id,
    name,
    kind,
    api: 'dshow' as const,
  }));
}

/**
 * /proc/asound/pcm → ALSA capture devices as `hw:CARD,DEVICE`. Lines look like
 * `00-00: ALC892 Analog : ALC892 Analog : playback 1 : capture 1`. `cards` (/proc/asound/cards),
 * when given, adds the card's name: "HDA Intel PCH: ALC892 Analog".
 */
export function parseAlsaPcm(pcm: string, cards?: string): DeviceInfo[] {
  const cardNames = new Map<number, string>();
  for (const line of (cards ?? '').split(/\r?\n/)) {
    const m = /^\s*(\d+)\s+\[[^\]]*\]:\s*.*?\s-\s(.+)$/.exec(line);
    if (m) cardNames.set(Number(m[1]), m[2].trim());
  }
  const devices: DeviceInfo[] = [];
  for (const line of pcm.split(/\r?\n/)) {
    const m = /^(\d+)-(\d+):\s*(.*)$/.exec(line);
    if (!m) continue;
    const fields = m[3].split(' : ').map((f) => f.trim());
    if (!fields.some((f) => /^capture\s+\d+/.test(f))) continue;
    const card = Number(m[1]);
    const device = Number(m[2]);
    const devName = fields[0] || `device ${device}`;
    const cardName = cardNames.get(card);
    devices.push({
      id: `hw:${card},${device}`,
      name: cardName && cardName !== devName ? `${cardName}: ${devName}` : devName,
      kind: 'audio',
      api: 'alsa',
    });
  }
  return devices;
}

// ---------------------------------------------------------------------------------------------
// Listing

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** V4L2 capture nodes. Metadata nodes (sysfs `index` ≠ 0, e.g. the second node of a UVC camera) are skipped. */
export async function listV4l2(devDir = '/dev', sysDir = '/sys/class/video4linux'): Promise<DeviceInfo[]> {
  let entries: string[];
  try {
    entries = await readdir(devDir);
  } catch {
    return [];
  }
  const nodes = entries
    .filter((e) => /^video\d+$/.test(e))
    .sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)));
  const devices: DeviceInfo[] = [];
  for (const node of nodes) {
    const index = (await readText(join(sysDir, node, 'index')))?.trim();
    if (index !== undefined && index !== '0') continue;
    const name = (await readText(join(sysDir, node, 'name')))?.trim() || node;
    devices.push({ id: join(devDir, node), name, kind: 'video', api: 'v4l2' });
  }
  return devices;
}

function runForStderr(ffmpegPath: string, args: string[]): Promise<{ stderr: string; spawnError?: string }> {
  return new Promise((resolve) => {
    execFile(ffmpegPath, args, { timeout: 15_000, windowsHide: true, maxBuffer: 4 << 20 }, (error, _stdout, stderr) => {
      // Listing always "fails" (exit code 1: there is no input to open); only a spawn error counts.
      const spawnError = error && (error as NodeJS.ErrnoException).code === 'ENOENT' ? error.message : undefined;
      resolve({ stderr: String(stderr), spawnError });
    });
  });
}

export async function listDevices(
  ffmpegPath: string,
  platform: string = process.platform,
): Promise<{ video: DeviceInfo[]; audio: DeviceInfo[]; error?: string }> {
  const split = (devices: DeviceInfo[], error?: string) => ({
    video: devices.filter((d) => d.kind === 'video'),
    audio: devices.filter((d) => d.kind === 'audio'),
    ...(error ? { error } : {}),
  });
  try {
    if (platform === 'linux') {
      const [video, pcm, cards] = await Promise.all([listV4l2(), readText('/proc/asound/pcm'), readText('/proc/asound/cards')]);
      return split([...video, ...parseAlsaPcm(pcm ?? '', cards)]);
    }
    if (platform === 'darwin' || platform === 'win32') {
      const args =
        platform === 'darwin'
          ? ['-hide_banner', '-nostdin', '-f', 'avfoundation', '-list_devices', 'true', '-i', '']
          : ['-hide_banner', '-nostdin', '-list_devices', 'true', '-f', 'dshow', '-i', 'dummy'];
      const { stderr, spawnError } = await runForStderr(ffmpegPath, args);
      if (spawnError) return split([], `ffmpeg could not be run: ${spawnError}`);
      const marker = platform === 'darwin' ? /AVFoundation (video|audio) devices/i : /DirectShow|"\s*\((video|audio|none)/i;
      const devices = platform === 'darwin' ? parseAvfoundationList(stderr) : parseDshowList(stderr);
      if (!devices.length && !marker.test(stderr)) {
        const last = stderr.trim().split(/\r?\n/).slice(-2).map(stripLogPrefix).join(' / ');
        return split([], `could not list ${platform === 'darwin' ? 'AVFoundation' : 'DirectShow'} devices: ${last || 'no output'}`);
      }
      return split(devices);
    }
    return split([], `listing capture devices is not supported on ${platform}`);
  } catch (error) {
    return split([], (error as Error).message);
  }
}

// ---------------------------------------------------------------------------------------------
// Input arguments

const QUEUE = ['-thread_queue_size', '512'];

/**
 * ffmpeg input args for a device source (video and/or audio device ids), per platform.
 * `videoInput` / `audioInput` are the input indices (0-based, within these args) for -map.
 * AVFoundation and DirectShow refuse a frame rate the camera does not offer, so they are asked
 * for at most 30 fps (every webcam offers 30); the program clock holds frames as needed.
 */
export function deviceInputArgs(
  spec: { video?: string; audio?: string; fps: number },
  platform: string = process.platform,
): { args: string[]; videoInput?: number; audioInput?: number } {
  if (!spec.video && !spec.audio) throw new Error('a device source needs a video or an audio device');
  const fps = String(Math.max(1, Math.round(spec.fps)));
  const safeFps = String(Math.min(30, Math.max(1, Math.round(spec.fps))));

  if (platform === 'darwin') {
    const args = ['-f', 'avfoundation', ...QUEUE];
    if (spec.video) args.push('-framerate', safeFps, '-pixel_format', 'nv12', '-capture_cursor', '1');
    args.push('-i', `${spec.video ?? 'none'}:${spec.audio ?? 'none'}`);
    return { args, ...(spec.video ? { videoInput: 0 } : {}), ...(spec.audio ? { audioInput: 0 } : {}) };
  }

  if (platform === 'win32') {
    // rtbufsize: room for bursts (the default 3 MB drops frames at 1080p); audio_buffer_size:
    // 50 ms instead of DirectShow's default 500 ms of latency.
    const args = ['-f', 'dshow', ...QUEUE, '-rtbufsize', '100M'];
    if (spec.video) args.push('-framerate', safeFps);
    if (spec.audio) args.push('-audio_buffer_size', '50');
    const parts = [...(spec.video ? [`video=${spec.video}`] : []), ...(spec.audio ? [`audio=${spec.audio}`] : [])];
    args.push('-i', parts.join(':'));
    return { args, ...(spec.video ? { videoInput: 0 } : {}), ...(spec.audio ? { audioInput: 0 } : {}) };
  }

  // Linux (and other Unixes with V4L2/ALSA): one input per device.
  const args: string[] = [];
  let next = 0;
  let videoInput: number | undefined;
  let audioInput: number | undefined;
  if (spec.video) {
    // v4l2 picks the nearest rate the camera offers rather than failing.
    args.push('-f', 'v4l2', ...QUEUE, '-framerate', fps, '-i', spec.video);
    videoInput = next++;
  }
  if (spec.audio) {
    if (spec.audio.startsWith('pulse:')) {
      args.push('-f', 'pulse', ...QUEUE, '-i', spec.audio.slice('pulse:'.length) || 'default');
    } else {
      // plughw: ALSA converts rate and channel count (USB microphones are often mono or 44.1 kHz);
      // a raw hw: device would refuse to open with 48 kHz stereo.
      const device = spec.audio.replace(/^hw:/, 'plughw:');
      args.push('-f', 'alsa', ...QUEUE, '-sample_rate', '48000', '-channels', '2', '-i', device);
    }
    audioInput = next++;
  }
  return { args, ...(videoInput !== undefined ? { videoInput } : {}), ...(audioInput !== undefined ? { audioInput } : {}) };
}
