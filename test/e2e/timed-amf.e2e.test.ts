/**
 * Timed data as RTMP AMF0 data messages (docs/TIMED-METADATA.md, issue 6's "Timed metadata"
 * proof), with real parts: the engine publishes a small program (320×180, 15 fps) with a poll
 * through a TCP proxy that keeps every byte the publisher sent, to nginx + Debian's
 * libnginx-mod-rtmp (a real server accepting the publish), and to node-media-server, which a
 * Debian ffprobe plays like any RTMP player; a recording (an ffmpeg muxer) runs from the same encode.
 *  - On the wire: each change is one plain AMF0 data message (type 18, no "@setDataFrame")
 *    `onTextData {type: "Text", text}` whose text is byte for byte the SEI payload of the video
 *    message right after it, at the same timestamp; onMetaData still goes as @setDataFrame.
 *  - Read by a stock demuxer: the published messages as FLV tags (what a server serving HTTP-FLV
 *    writes) read by ffprobe: each onTextData is a subtitle packet with that JSON at the time
 *    (±1 frame) of the video packet with the same SEI.
 *  - At a player: ffprobe playing node-media-server gets the same, change by change. (nginx-rtmp
 *    relays only audio, video and metadata to its players, not data messages.)
 *  - The recording gets no text track (only video and audio) and still has the SEI.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObjectChangedEvent } from '../../shared/objects.ts';
import type { EventMessage } from '../../shared/protocol.ts';
import { Engine } from '../../electron/engine/Engine.ts';
import { type Amf0, ChunkReader, decodeAmf0, MSG, type RtmpMessage } from '../../electron/engine/destinations/rtmp.ts';
import { encodeTag, flvHeader } from '../../electron/engine/media/flv.ts';
import { CUTLINE_SEI_UUID, readCutlineSei, type TimedDataRecord } from '../../electron/engine/media/timedMetadata.ts';
import { FFPROBE, probeStreams } from '../helpers/media.ts';
import { type NginxRtmp, nginxRtmpAvailable, startNginxRtmp, startTcpProxy, type TcpProxy } from '../helpers/nginx.ts';
import { traceUserDataSei } from '../helpers/objects.ts';
import { type RtmpServer, sleep, startNodeMediaServer, waitUntil } from '../helpers/servers.ts';

const run = promisify(execFile);
const FPS = 15;
const FRAME_MS = 1000 / FPS;
const KEY = 'amf-key-0007';
const VOTES = 8;

interface ProbedPacket {
  codec_type: string;
  pts?: number;
  pts_time?: string;
  data?: string;
}

/** ffprobe's `-show_data` hexdump ("00000000: 0000 0002 0910 ...  ascii") back to bytes. */
function hexdumpBytes(dump: string): Buffer {
  const hex = dump
    .split('\n')
    .map((line) => /^[0-9a-f]{8}: (.{0,40})/.exec(line)?.[1] ?? '')
    .join('')
    .replace(/\s/g, '');
  return Buffer.from(hex, 'hex');
}

/** Every packet of every stream of a file (streams that appear mid-file included), with its
 * time and bytes, as Debian's ffprobe reads them. */
async function probePackets(file: string): Promise<ProbedPacket[]> {
  const { stdout } = await run(FFPROBE, ['-v', 'error', '-show_packets', '-show_data', '-of', 'json', file], { maxBuffer: 256 << 20 });
  return (JSON.parse(stdout) as { packets?: ProbedPacket[] }).packets ?? [];
}

/** Packets from ffprobe's JSON, also when it was stopped mid-output (up to the last whole one). */
function parsePackets(out: string): ProbedPacket[] {
  try {
    return (JSON.parse(out) as { packets?: ProbedPacket[] }).packets ?? [];
  } catch {
    const cut = out.lastIndexOf('\n        }');
    return cut < 0 ? [] : ((JSON.parse(`${out.slice(0, cut + 10)}\n    ]\n}`) as { packets?: ProbedPacket[] }).packets ?? []);
  }
}

/** Debian's ffprobe as an RTMP player: every packet it gets, with its time and bytes. */
function playWithFfprobe(url: string) {
  const p = spawn(FFPROBE, ['-v', 'error', '-rw_timeout', '15000000', '-show_packets', '-show_data', '-of', 'json', url], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  p.stdout.on('data', (c: Buffer) => (out += c));
  const closed = new Promise<void>((resolve) => p.once('close', () => resolve()));
  return {
    /** Waits for it to end by itself (the server ended the stream), else interrupts it. */
    stop: async (): Promise<ProbedPacket[]> => {
      const timer = setTimeout(() => p.kill('SIGINT'), 5000);
      await closed;
      clearTimeout(timer);
      return parsePackets(out);
    },
  };
}

/** Change version → time (ms) of the video packet carrying its SEI and of its text packet. */
function timesByVersion(packets: ProbedPacket[]) {
  const seiAt = new Map<number, number>();
  const textAt = new Map<number, number>();
  for (const p of packets) {
    if (p.codec_type === 'video') {
      const payload = Buffer.concat([Buffer.from([0x17, 1, 0, 0, 0]), hexdumpBytes(p.data ?? '')]);
      for (const json of readCutlineSei(payload)) for (const r of records(json.toString('utf8'))) if (r.object === 'poll') seiAt.set(r.version, Number(p.pts_time) * 1000);
    }
    if (p.codec_type === 'subtitle')
      for (const r of records(hexdumpBytes(p.data ?? '').toString('utf8'))) if (r.object === 'poll' && !textAt.has(r.version)) textAt.set(r.version, Number(p.pts_time) * 1000);
  }
  return { seiAt, textAt };
}

/**
 * The published messages as the FLV a server serving them to a player would send (HTTP-FLV, or
 * RTMP played into ffmpeg, which sees the same tags): audio, video and data messages become tags
 * with their RTMP timestamps, "@setDataFrame" dropped from onMetaData as servers do. The player
 * joins just before the first change (the headers, then everything from that change on): ffmpeg's
 * FLV reader lists a text stream only if its first packet comes while it probes the start.
 */
function messagesToFlv(messages: RtmpMessage[]): Buffer {
  const av = messages.filter((m) => m.type === MSG.audio || m.type === MSG.video || m.type === MSG.dataAmf0);
  const isText = (m: RtmpMessage) => m.type === MSG.dataAmf0 && decodeAmf0(m.payload)[0] === 'onTextData';
  const headers = av.slice(0, 3); // @setDataFrame onMetaData, the AVC and the AAC sequence headers
  expect(headers.map((m) => m.type).sort()).toEqual([MSG.audio, MSG.video, MSG.dataAmf0].sort());
  const parts = [flvHeader()];
  for (const m of [...headers, ...av.slice(av.findIndex(isText))]) {
    let payload = m.payload;
    if (m.type === MSG.dataAmf0 && decodeAmf0(payload)[0] === '@setDataFrame') payload = payload.subarray(3 + payload.readUInt16BE(1));
    parts.push(encodeTag(m.type, m.timestamp, payload));
  }
  return Buffer.concat(parts);
}

/** The publisher's side of the connection as it went over the wire, cut into RTMP messages. */
function publisherMessages(captured: Buffer[]): RtmpMessage[] {
  // C0 + C1, then C2 (the simple handshake), then chunks.
  const bytes = Buffer.concat(captured).subarray(1 + 2 * 1536);
  return new ChunkReader().push(bytes);
}

const records = (text: string): TimedDataRecord[] => {
  const parsed = JSON.parse(text) as TimedDataRecord | TimedDataRecord[];
  return Array.isArray(parsed) ? parsed : [parsed];
};

describe.skipIf(!nginxRtmpAvailable)('timed data as RTMP AMF0 data messages (on the wire, in FLV, at a player of node-media-server)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cutline-timed-amf-'));
  let nginx: NginxRtmp;
  let wire: TcpProxy;
  let engine: Engine;
  let recording = '';
  const events: EventMessage[] = [];
  let packets: ProbedPacket[] = [];
  let nms: RtmpServer;
  let played: ProbedPacket[] = [];
  let versionsBeforeJoin = 0;
  let messages: RtmpMessage[] = [];

  const pollChanges = () => events.filter((m) => m.event === 'object.changed').map((m) => m.data as ObjectChangedEvent).filter((c) => c.id === 'poll');

  beforeAll(async () => {
    nginx = await startNginxRtmp();
    wire = await startTcpProxy(nginx.port);
    nms = await startNodeMediaServer();
    engine = await Engine.create({
      log: () => {},
      show: {
        output: { width: 320, height: 180, fps: FPS, videoBitrateKbps: 300, keyframeIntervalS: 1 },
        sources: [{ id: 'cam', kind: 'testPattern', color: '#404850' }],
        layout: { preset: 'solo', sources: ['cam'] },
        destinations: [
          { id: 'server', kind: 'rtmp', url: `rtmp://127.0.0.1:${wire.port}/live`, streamKey: KEY },
          { id: 'rec', kind: 'recording', path: `${dir}/` },
          { id: 'nms', kind: 'rtmp', url: `${nms.url}/live`, streamKey: KEY },
        ],
      },
    });
    engine.onAnyEvent((m) => events.push(m));
    await engine.dispatch('object.create', { id: 'poll', type: 'poll' });
    await engine.dispatch('destination.startAll', {});
    await waitUntil(() => engine.getState().destinations.every((d) => d.state === 'live'), 20_000, 'destinations live');
    recording = engine.getDestination('rec')?.filePath as string;
    await sleep(1500);
    await engine.dispatch('object.op', { id: 'poll', op: 'open', args: { question: 'Which way?', options: ['Left', 'Right'] } });
    await sleep(300);
    versionsBeforeJoin = pollChanges().length;
    const player = playWithFfprobe(`${nms.url}/live/${KEY}`);
    for (let k = 0; k < VOTES; k++) {
      await sleep(400 + (k % 3) * 90);
      await engine.dispatch('object.op', { id: 'poll', op: 'vote', args: { voter: `voter-${k}`, option: k % 3 === 0 ? 0 : 1 }, clientId: `client-${k}` });
    }
    await sleep(1000);
    await engine.dispatch('destination.stopAll', {});
    played = await player.stop();
    messages = publisherMessages(wire.captured);
    const flv = join(dir, 'published.flv');
    writeFileSync(flv, messagesToFlv(messages));
    packets = await probePackets(flv);
  }, 90_000);

  afterAll(async () => {
    await engine?.close();
    await wire?.close();
    await nginx?.stop();
    await nms?.stop();
  });

  it('sends each change as a plain AMF0 onTextData message just before its video frame, at the same timestamp, with the SEI JSON', () => {
    const changes = pollChanges();
    expect(changes.map((c) => c.op)).toEqual(['open', ...Array(VOTES).fill('vote')]);
    // The publish stayed up: one connection, live to the end.
    expect(wire.connections).toBe(1);
    expect(engine.getDestination('server')?.connectAttempts).toBe(1);
    const data = messages.filter((m) => m.type === MSG.dataAmf0);
    // onMetaData keeps "@setDataFrame" (servers keep it for late players); nothing else has it.
    const first = decodeAmf0(data[0].payload);
    expect(first.slice(0, 2)).toEqual(['@setDataFrame', 'onMetaData']);
    const timed = data.slice(1).map((m) => ({ m, values: decodeAmf0(m.payload) }));
    for (const t of timed) expect(t.values[0], 'a plain data message, no @setDataFrame').toBe('onTextData');
    const byVersion = new Map<number, { message: RtmpMessage; text: string }>();
    for (const { m, values } of timed) {
      expect(values.length).toBe(2);
      const body = values[1] as { [key: string]: Amf0 };
      expect(body.type).toBe('Text');
      expect(typeof body.text).toBe('string');
      for (const r of records(body.text as string)) if (r.object === 'poll') byVersion.set(r.version, { message: m, text: body.text as string });
    }
    const offsets: number[] = [];
    for (const change of changes) {
      const found = byVersion.get(change.version);
      expect(found, `onTextData for version ${change.version}`).toBeDefined();
      const { message, text } = found as { message: RtmpMessage; text: string };
      const record = records(text).find((r) => r.object === 'poll' && r.version === change.version) as TimedDataRecord;
      expect(record).toMatchObject({ object: 'poll', op: change.op, state: change.state });
      // The very next message is the video frame that carries the same JSON as SEI, same timestamp.
      const next = messages[messages.indexOf(message) + 1];
      expect(next.type).toBe(MSG.video);
      expect(next.timestamp).toBe(message.timestamp);
      const sei = readCutlineSei(next.payload).map(String);
      expect(sei).toEqual([text]);
      // Stream time vs the engine's pts: one constant offset (where this destination started).
      offsets.push(message.timestamp - record.pts);
    }
    for (const o of offsets) expect(o).toBe(offsets[0]);
    process.stdout.write(
      `[timed-amf e2e] wire: ${timed.length} onTextData messages for ${changes.length} changes, each right before its SEI frame at the same timestamp (${changes.map((c) => byVersion.get(c.version)?.message.timestamp).join(', ')} ms)\n`,
    );
  });

  it("a stock demuxer (ffprobe's FLV reader) sees each onTextData at the time of the frame with the same SEI (±1 frame)", () => {
    expect(packets.filter((p) => p.codec_type === 'video').length).toBeGreaterThan(FPS * 3);
    const { seiAt, textAt } = timesByVersion(packets);
    const diffs: number[] = [];
    for (const c of pollChanges()) {
      expect(seiAt.get(c.version), `SEI for version ${c.version} in the FLV`).toBeDefined();
      expect(textAt.get(c.version), `onTextData for version ${c.version} in the FLV`).toBeDefined();
      const diff = (textAt.get(c.version) as number) - (seiAt.get(c.version) as number);
      expect(Math.abs(diff)).toBeLessThanOrEqual(FRAME_MS + 1);
      diffs.push(diff);
    }
    process.stdout.write(`[timed-amf e2e] ffprobe on the published FLV: onTextData − SEI frame time per change: ${diffs.map((d) => d.toFixed(0)).join(', ')} ms\n`);
  });

  it('reaches an RTMP player through node-media-server: ffprobe playing it gets each later change as text at its SEI frame time (±1 frame)', () => {
    // node-media-server forwards data messages to its players (and keeps the last one in place
    // of onMetaData for players that join later: the player gets the "open" record first, which
    // is also why ffprobe lists the text stream at all).
    expect(played.filter((p) => p.codec_type === 'video').length).toBeGreaterThan(FPS * 3);
    const { seiAt, textAt } = timesByVersion(played);
    const later = pollChanges().slice(versionsBeforeJoin + 1);
    expect(later.length).toBeGreaterThanOrEqual(VOTES - 1);
    const diffs: number[] = [];
    for (const c of later) {
      expect(seiAt.get(c.version), `SEI for version ${c.version} at the player`).toBeDefined();
      expect(textAt.get(c.version), `onTextData for version ${c.version} at the player`).toBeDefined();
      const diff = (textAt.get(c.version) as number) - (seiAt.get(c.version) as number);
      expect(Math.abs(diff)).toBeLessThanOrEqual(FRAME_MS + 1);
      diffs.push(diff);
    }
    process.stdout.write(`[timed-amf e2e] player (node-media-server → ffprobe): onTextData − SEI frame time for ${later.length} changes: ${diffs.map((d) => d.toFixed(0)).join(', ')} ms\n`);
  });

  it('keeps the recording (an ffmpeg muxer) free of a text track while its video still carries the SEI', async () => {
    const streams = await probeStreams(recording);
    expect(streams.map((s) => s.codec_type).sort()).toEqual(['audio', 'video']);
    const sei = await traceUserDataSei(recording);
    const versions = sei
      .filter((m) => m.uuid === CUTLINE_SEI_UUID.toString('hex'))
      .flatMap((m) => records(m.payload.toString('utf8')).filter((r) => r.object === 'poll').map((r) => r.version));
    expect(versions).toEqual(expect.arrayContaining(pollChanges().map((c) => c.version)));
  });
});
