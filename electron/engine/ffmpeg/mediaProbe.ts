/**
 * What a file or URL contains, asked of ffmpeg itself (`ffmpeg -i X` prints the streams and exits),
 * so a source knows whether to expect audio and a file that is not media is refused with a clear
 * message before anything starts.
 */
import { execFile } from 'node:child_process';
import { redactText } from '../redact.ts';

export interface MediaInfo {
  /** The container as ffmpeg names it (mov,mp4,..., matroska,webm, flv, tty, ...). */
  format?: string;
  hasVideo: boolean;
  hasAudio: boolean;
  durationS?: number;
  videoCodec?: string;
  width?: number;
  height?: number;
}

export class MediaProbeError extends Error {}

export function parseFfmpegInputInfo(stderr: string): MediaInfo {
  const video = /Stream #0:\d+(?:\[[^\]]*\])?(?:\([^)]*\))?: Video: (\w+)[^\n]*?(\d{2,5})x(\d{2,5})/.exec(stderr);
  const hasAudio = /Stream #0:\d+(?:\[[^\]]*\])?(?:\([^)]*\))?: Audio:/.test(stderr);
  const duration = /Duration: (\d+):(\d+):(\d+(?:\.\d+)?)/.exec(stderr);
  const format = /Input #0, ([^\n]+?), from/.exec(stderr);
  return {
    ...(format ? { format: format[1] } : {}),
    hasVideo: Boolean(video),
    hasAudio,
    ...(video ? { videoCodec: video[1], width: Number(video[2]), height: Number(video[3]) } : {}),
    ...(duration ? { durationS: Number(duration[1]) * 3600 + Number(duration[2]) * 60 + Number(duration[3]) } : {}),
  };
}

/** Why ffmpeg could not open an input, in words a producer can act on. */
export function explainOpenFailure(stderr: string, input: string): string {
  if (/No such file or directory/i.test(stderr)) return `file not found: ${input}`;
  if (/Invalid data found when processing input|could not find codec parameters|moov atom not found/i.test(stderr))
    return `${input} is not a media file ffmpeg can read`;
  if (/Connection refused/i.test(stderr)) return `nothing answers at ${input} (connection refused): check the address and that the stream is running`;
  if (/timed out|Operation timed out|Connection timed out/i.test(stderr)) return `${input} did not answer in time: check the address and the network`;
  if (/Server returned 40[13]|Unauthorized|Forbidden/i.test(stderr)) return `${input} refused access (401/403): check the credentials in the URL`;
  if (/Server returned 404|Not Found/i.test(stderr)) return `${input} was not found on the server (404)`;
  if (/Protocol not found/i.test(stderr)) return `this ffmpeg cannot open ${input.split(':')[0]} URLs; use an ffmpeg that supports it (CUTLINE_FFMPEG)`;
  const last = stderr.trim().split('\n').pop() ?? '';
  return `ffmpeg could not open ${input}: ${last}`;
}

export function probeMedia(ffmpegPath: string, input: string, opts: { timeoutMs?: number; inputArgs?: string[]; secrets?: string[] } = {}): Promise<MediaInfo> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const args = ['-hide_banner', ...(opts.inputArgs ?? []), '-i', input];
  return new Promise((resolve, reject) => {
    execFile(ffmpegPath, args, { timeout: timeoutMs, maxBuffer: 4 << 20, windowsHide: true }, (error, _stdout, stderr) => {
      const text = redactText(String(stderr), opts.secrets ?? []);
      const info = parseFfmpegInputInfo(text);
      const shown = redactText(input, opts.secrets ?? []);
      // ffmpeg "plays" any text file as ANSI art (the tty demuxer); nobody means that.
      if (info.format === 'tty') return reject(new MediaProbeError(`${shown} is not a media file ffmpeg can read (it looks like text)`));
      if (info.hasVideo || info.hasAudio) return resolve(info);
      if (error && (error as NodeJS.ErrnoException & { killed?: boolean }).killed)
        return reject(new MediaProbeError(`${shown} did not answer within ${Math.round(timeoutMs / 1000)} s: check the address and that the stream is running`));
      reject(new MediaProbeError(explainOpenFailure(text, shown)));
    });
  });
}
