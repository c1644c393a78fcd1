import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { locateFfmpeg } from '../../electron/engine/ffmpeg/locate.ts';
import {
  deviceInputArgs,
  listDevices,
  listV4l2,
  parseAlsaPcm,
  parseAvfoundationList,
  parseDshowList,
} from '../../electron/engine/sources/devices.ts';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '../fixtures/ffmpeg-output', name), 'utf8');

describe('parseAvfoundationList', () => {
  it('reads ffmpeg 7 output; names are ids unless they contain ":"', () => {
    expect(parseAvfoundationList(fixture('avfoundation-list-ffmpeg7.txt'))).toEqual([
      { id: 'FaceTime HD Camera', name: 'FaceTime HD Camera', kind: 'video', api: 'avfoundation' },
      { id: 'OBS Virtual Camera', name: 'OBS Virtual Camera', kind: 'video', api: 'avfoundation' },
      { id: 'Capture screen 0', name: 'Capture screen 0', kind: 'video', api: 'avfoundation' },
      { id: 'MacBook Pro Microphone', name: 'MacBook Pro Microphone', kind: 'audio', api: 'avfoundation' },
      { id: 'BlackHole 2ch', name: 'BlackHole 2ch', kind: 'audio', api: 'avfoundation' },
      { id: '2', name: 'Elgato Wave:3', kind: 'audio', api: 'avfoundation' },
    ]);
  });

  it('reads ffmpeg 4 output; two cameras with one name get their indices', () => {
    const devices = parseAvfoundationList(fixture('avfoundation-list-ffmpeg4.txt'));
    expect(devices.map((d) => [d.kind, d.id, d.name])).toEqual([
      ['video', 'FaceTime HD Camera (Built-in)', 'FaceTime HD Camera (Built-in)'],
      ['video', '1', 'Logitech C920'],
      ['video', '2', 'Logitech C920'],
      ['video', 'Capture screen 0', 'Capture screen 0'],
      ['audio', 'Built-in Microphone', 'Built-in Microphone'],
    ]);
  });

  it('returns nothing for unrelated output', () => {
    expect(parseAvfoundationList('Unknown input format: avfoundation\n')).toEqual([]);
  });
});

describe('parseDshowList', () => {
  it('reads the sectioned format of ffmpeg ≤ 4.4; duplicates get the unique alternative name', () => {
    const devices = parseDshowList(fixture('dshow-list-ffmpeg4.txt'));
    expect(devices.map((d) => [d.kind, d.name])).toEqual([
      ['video', 'Integrated Webcam'],
      ['video', 'OBS Virtual Camera'],
      ['audio', 'Microphone (Realtek(R) Audio)'],
      ['audio', 'Microphone (Realtek(R) Audio)'],
    ]);
    expect(devices[0]).toEqual({ id: 'Integrated Webcam', name: 'Integrated Webcam', kind: 'video', api: 'dshow' });
    expect(devices[2].id).toBe('@device_cm_{33D9A762-90C8-11D0-BD43-00A0C911CE86}\\wave_{6D1B2E4C-8A52-4B0F-9E1D-2C3A4B5C6D7E}');
    expect(devices[3].id).toBe('@device_cm_{33D9A762-90C8-11D0-BD43-00A0C911CE86}\\wave_{0F4E2A91-7C3B-4D5E-8F60-1A2B3C4D5E6F}');
  });

  it('reads the suffix format of ffmpeg ≥ 5: (video), (audio), (video, audio), (none)', () => {
    const devices = parseDshowList(fixture('dshow-list-ffmpeg6.txt'));
    expect(devices.map((d) => [d.kind, d.id])).toEqual([
      ['video', 'HD Pro Webcam C920'],
      ['video', 'Cam Link 4K'],
      ['audio', 'Cam Link 4K'],
      // a ":" in the name would split dshow's "video=…:audio=…"
      ['video', '@device_sw_{860BB310-5D01-11D0-BD3B-00A0C911CE86}\\{27B05C2D-93DC-474A-A5DA-9BBA34CB2A9C}'],
      ['audio', 'Microphone (HD Pro Webcam C920)'],
      ['audio', 'Mikrofon (Realtek® Audio)'],
    ]);
    expect(devices.find((d) => d.name === 'Broken Filter')).toBeUndefined();
    expect(devices.every((d) => d.api === 'dshow')).toBe(true);
  });
});

describe('parseAlsaPcm', () => {
  it('keeps capture devices as hw:C,D, named after the card', () => {
    expect(parseAlsaPcm(fixture('alsa-proc-asound-pcm.txt'), fixture('alsa-proc-asound-cards.txt'))).toEqual([
      { id: 'hw:0,0', name: 'HDA Intel PCH: ALC892 Analog', kind: 'audio', api: 'alsa' },
      { id: 'hw:0,2', name: 'HDA Intel PCH: ALC892 Alt Analog', kind: 'audio', api: 'alsa' },
      { id: 'hw:2,0', name: 'Yeti Stereo Microphone: USB Audio', kind: 'audio', api: 'alsa' },
    ]);
    expect(parseAlsaPcm(fixture('alsa-proc-asound-pcm.txt')).map((d) => d.name)).toEqual(['ALC892 Analog', 'ALC892 Alt Analog', 'USB Audio']);
    expect(parseAlsaPcm('')).toEqual([]);
  });
});

describe('listV4l2', () => {
  it('lists capture nodes with sysfs names and skips metadata nodes', async () => {
    const root = mkdtempSync(join(tmpdir(), 'cutline-v4l2-'));
    try {
      const dev = join(root, 'dev');
      const sys = join(root, 'sys');
      mkdirSync(dev);
      for (const [node, name, index] of [
        ['video0', 'Integrated Camera: Integrated C', '0'],
        ['video1', 'Integrated Camera: Integrated C', '1'],
        ['video10', 'HD Pro Webcam C920', '0'],
        ['video2', undefined, undefined],
      ] as const) {
        writeFileSync(join(dev, node), '');
        mkdirSync(join(sys, node), { recursive: true });
        if (name) writeFileSync(join(sys, node, 'name'), `${name}\n`);
        if (index) writeFileSync(join(sys, node, 'index'), `${index}\n`);
      }
      writeFileSync(join(dev, 'vhci'), '');
      expect(await listV4l2(dev, sys)).toEqual([
        { id: join(dev, 'video0'), name: 'Integrated Camera: Integrated C', kind: 'video', api: 'v4l2' },
        { id: join(dev, 'video2'), name: 'video2', kind: 'video', api: 'v4l2' },
        { id: join(dev, 'video10'), name: 'HD Pro Webcam C920', kind: 'video', api: 'v4l2' },
      ]);
      expect(await listV4l2(join(root, 'missing'), sys)).toEqual([]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('listDevices (real)', () => {
  const ffmpeg = locateFfmpeg().path;

  it('Linux here: no cameras, no sound cards, and that is not an error', async () => {
    const result = await listDevices(ffmpeg, 'linux');
    expect(result.error).toBeUndefined();
    if (!existsSync('/dev/video0')) expect(result.video).toEqual([]);
    if (!existsSync('/proc/asound/pcm')) expect(result.audio).toEqual([]);
  });

  it('reports (does not throw) when listing fails', async () => {
    // This ffmpeg has no avfoundation / dshow input: the listing fails with a reason.
    const mac = await listDevices(ffmpeg, 'darwin');
    expect(mac).toMatchObject({ video: [], audio: [] });
    expect(mac.error).toMatch(/could not list AVFoundation devices: .+/);
    const win = await listDevices('/nonexistent/ffmpeg', 'win32');
    expect(win.error).toMatch(/ffmpeg could not be run/);
    expect((await listDevices(ffmpeg, 'aix')).error).toMatch(/not supported on aix/);
  });
});

describe('deviceInputArgs', () => {
  it('Linux: one v4l2 and one ALSA input; hw: opened as plughw:', () => {
    expect(deviceInputArgs({ video: '/dev/video0', audio: 'hw:2,0', fps: 30 }, 'linux')).toEqual({
      args: [
        '-f', 'v4l2', '-thread_queue_size', '512', '-framerate', '30', '-i', '/dev/video0',
        '-f', 'alsa', '-thread_queue_size', '512', '-sample_rate', '48000', '-channels', '2', '-i', 'plughw:2,0',
      ],
      videoInput: 0,
      audioInput: 1,
    });
    expect(deviceInputArgs({ audio: 'hw:0,0', fps: 30 }, 'linux')).toMatchObject({ audioInput: 0 });
    expect(deviceInputArgs({ audio: 'hw:0,0', fps: 30 }, 'linux').videoInput).toBeUndefined();
    expect(deviceInputArgs({ audio: 'pulse:alsa_input.usb-Blue_Yeti.analog-stereo', fps: 30 }, 'linux').args).toEqual([
      '-f', 'pulse', '-thread_queue_size', '512', '-i', 'alsa_input.usb-Blue_Yeti.analog-stereo',
    ]);
    expect(deviceInputArgs({ video: '/dev/video2', fps: 60 }, 'linux')).toEqual({
      args: ['-f', 'v4l2', '-thread_queue_size', '512', '-framerate', '60', '-i', '/dev/video2'],
      videoInput: 0,
    });
  });

  it('macOS: one avfoundation input "video:audio", at most 30 fps', () => {
    expect(deviceInputArgs({ video: 'FaceTime HD Camera', audio: 'MacBook Pro Microphone', fps: 60 }, 'darwin')).toEqual({
      args: [
        '-f', 'avfoundation', '-thread_queue_size', '512', '-framerate', '30', '-pixel_format', 'nv12', '-capture_cursor', '1',
        '-i', 'FaceTime HD Camera:MacBook Pro Microphone',
      ],
      videoInput: 0,
      audioInput: 0,
    });
    expect(deviceInputArgs({ audio: '2', fps: 30 }, 'darwin')).toEqual({
      args: ['-f', 'avfoundation', '-thread_queue_size', '512', '-i', 'none:2'],
      audioInput: 0,
    });
    expect(deviceInputArgs({ video: '0', fps: 25 }, 'darwin').args.at(-1)).toBe('0:none');
  });

  it('Windows: one dshow input "video=…:audio=…", no shell quoting needed', () => {
    expect(deviceInputArgs({ video: 'HD Pro Webcam C920', audio: 'Microphone (HD Pro Webcam C920)', fps: 30 }, 'win32')).toEqual({
      args: [
        '-f', 'dshow', '-thread_queue_size', '512', '-rtbufsize', '100M', '-framerate', '30', '-audio_buffer_size', '50',
        '-i', 'video=HD Pro Webcam C920:audio=Microphone (HD Pro Webcam C920)',
      ],
      videoInput: 0,
      audioInput: 0,
    });
    expect(deviceInputArgs({ audio: 'Mikrofon (Realtek® Audio)', fps: 30 }, 'win32').args.at(-1)).toBe('audio=Mikrofon (Realtek® Audio)');
    expect(() => deviceInputArgs({ fps: 30 }, 'win32')).toThrow(/video or an audio device/);
  });

  it.each([locateFfmpeg().path, ...(existsSync('/usr/bin/ffmpeg') ? ['/usr/bin/ffmpeg'] : [])])(
    'Linux args are accepted by %s (it fails only on the missing device)',
    async (ffmpeg) => {
      for (const spec of [{ video: '/dev/video99', fps: 30 }, { audio: 'hw:99,0', fps: 30 }]) {
        const { args } = deviceInputArgs(spec, 'linux');
        const stderr = await new Promise<string>((resolve) =>
          execFile(ffmpeg, ['-hide_banner', '-nostdin', '-loglevel', 'error', ...args, '-t', '0.1', '-f', 'null', '-'], { timeout: 10_000 }, (_e, _o, err) => resolve(err)),
        );
        expect(stderr).not.toMatch(/Unrecognized option|Option not found|not found for/i);
        expect(stderr).toMatch(spec.video ? /Cannot open video device \/dev\/video99/ : /cannot open audio device plughw:99,0/);
      }
    },
  );
});
