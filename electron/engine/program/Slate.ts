/**
 * The picture shown in place of a source with nothing to show (connecting, stalled too long,
 * failed, audio only): a dark panel with the source's label and its state. Drawn once per
 * (size, text) with Skia and converted to I420, then copied like any tile.
 */
import { createCanvas } from '@napi-rs/canvas';
import type { SourceStatus } from '../../../shared/protocol.ts';
import { allocFrame, blendRgba, type YuvFrame } from '../media/yuv.ts';

const cache = new Map<string, YuvFrame>();
const MAX_CACHED = 64;

export function slateFrame(width: number, height: number, title: string, detail: string): YuvFrame {
  const key = `${width}x${height}|${title}|${detail}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const frame = allocFrame(width, height, { y: 32, u: 128, v: 128 });
  try {
    const canvas = createCanvas(width, height);
    const g = canvas.getContext('2d');
    g.fillStyle = '#1b1f27';
    g.fillRect(0, 0, width, height);
    g.strokeStyle = '#3a4150';
    g.lineWidth = Math.max(2, height / 90);
    g.strokeRect(g.lineWidth, g.lineWidth, width - 2 * g.lineWidth, height - 2 * g.lineWidth);
    g.textAlign = 'center';
    g.fillStyle = '#e6e9ef';
    g.font = `bold ${Math.max(10, Math.round(height / 10))}px sans-serif`;
    g.fillText(title, width / 2, height / 2);
    g.fillStyle = '#9aa3b2';
    g.font = `${Math.max(8, Math.round(height / 16))}px sans-serif`;
    g.fillText(detail, width / 2, height / 2 + height / 8);
    const rgba = g.getImageData(0, 0, width, height).data;
    blendRgba(frame, rgba, width, height, 0, 0);
  } catch {
    // No usable font or canvas: the plain dark frame still says "nothing here".
  }
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value as string);
  cache.set(key, frame);
  return frame;
}

/** The slate for a source that has no picture to show, saying why in a word or two. */
export function sourceSlate(status: SourceStatus, width: number, height: number): YuvFrame {
  const detail =
    status.state === 'live' ? 'audio only' : status.state === 'connecting' ? 'connecting…' : status.state === 'ended' ? 'ended' : 'no signal';
  return slateFrame(width, height, status.label, detail);
}
