/**
 * `probe.run`: the desk's "Test" button next to the ffmpeg path. It runs the same probe as the
 * engine's start on another ffmpeg, without switching to it (sources, the program and destinations
 * keep the ffmpeg they were started with; a new one takes a restart with --ffmpeg / CUTLINE_FFMPEG).
 *
 * Anyone with API access can press it, so it never runs an arbitrary program: only a regular file
 * named `ffmpeg` (or `ffmpeg.exe`) given by absolute path, or `ffmpeg` itself (looked up on PATH).
 */
import { statSync } from 'node:fs';
import { basename, isAbsolute } from 'node:path';
import { ProtocolError } from '../../../shared/protocol.ts';
import type { EncoderChoice } from '../../../shared/show.ts';
import { type ProbeResult, probeFfmpeg } from './probe.ts';

export async function probeCandidate(path: string, preferred: EncoderChoice): Promise<ProbeResult> {
  const trimmed = path.trim();
  if (trimmed !== 'ffmpeg') {
    if (!isAbsolute(trimmed)) throw new ProtocolError('invalid_params', `"${trimmed}" is not an absolute path: give the full path to an ffmpeg binary, e.g. /usr/bin/ffmpeg`);
    if (!/^ffmpeg(\.exe)?$/i.test(basename(trimmed))) throw new ProtocolError('invalid_params', `only a file named ffmpeg (or ffmpeg.exe) is tested, not "${basename(trimmed)}"`);
    let isFile = false;
    try {
      isFile = statSync(trimmed).isFile();
    } catch {
      throw new ProtocolError('failed', `there is no file at ${trimmed}: check the path on the engine's machine`);
    }
    if (!isFile) throw new ProtocolError('failed', `${trimmed} is not a file`);
  }
  try {
    return await probeFfmpeg({ ffmpegPath: trimmed, source: 'explicit', preferred });
  } catch (error) {
    throw new ProtocolError('failed', (error as Error).message);
  }
}
