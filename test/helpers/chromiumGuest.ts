/**
 * Real Debian Chromium as a WebRTC guest: a fake camera and microphone made by ffmpeg (a solid
 * colour and a sine tone), driven through the engine's guest page.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_BASE_ARGS } from './chromium.ts';
import { SYSTEM_FFMPEG } from './media.ts';

export { CHROMIUM };

export const CHROMIUM_ARGS = [
  ...CHROMIUM_BASE_ARGS,
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
];

/** A 320x240 y4m of one colour and a mono wav of one tone, for a fake camera and microphone. */
export function fakeMedia(dir: string, name: string, color: string, toneHz: number): { video: string; audio: string } {
  const video = join(dir, `${name}.y4m`);
  const audio = join(dir, `${name}.wav`);
  execFileSync(SYSTEM_FFMPEG, ['-v', 'error', '-y', '-f', 'lavfi', '-i', `color=c=0x${color.slice(1)}:s=320x240:r=30`, '-t', '2', '-pix_fmt', 'yuv420p', video]);
  execFileSync(SYSTEM_FFMPEG, ['-v', 'error', '-y', '-f', 'lavfi', '-i', `sine=frequency=${toneHz}:sample_rate=48000`, '-t', '4', '-ac', '1', audio]);
  return { video, audio };
}

export interface Guest {
  browser: Browser;
  page: Page;
}

export async function launchGuest(media: { video?: string; audio?: string }, extraArgs: string[] = []): Promise<Guest> {
  const args = [...CHROMIUM_ARGS, ...extraArgs];
  if (media.video) args.push(`--use-file-for-fake-video-capture=${media.video}`);
  if (media.audio) args.push(`--use-file-for-fake-audio-capture=${media.audio}`);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args });
  const page = await browser.newPage();
  return { browser, page };
}

/** Opens the guest link and presses Join; resolves when both WHIP and WHEP are up. */
export async function joinAsGuest(page: Page, guestPageUrl: string): Promise<void> {
  await page.goto(guestPageUrl);
  await page.waitForFunction(() => (window as unknown as GuestWindow).cutlineGuest?.state.phase === 'ready', null, { timeout: 15_000 });
  await page.click('#join');
  await page.waitForFunction(() => ['joined', 'error'].includes((window as unknown as GuestWindow).cutlineGuest.state.phase), null, { timeout: 15_000 });
  const state = await page.evaluate(() => (window as unknown as GuestWindow).cutlineGuest.state);
  if (state.phase !== 'joined') throw new Error(`guest could not join: ${state.error}`);
}

export interface GuestWindow {
  cutlineGuest: {
    state: { phase: string; error: string | null; whipSession: string | null; whepSession: string | null };
    recordReturnAudio(seconds: number): Promise<{ sampleRate: number; samples: number[] }>;
    returnStream: MediaStream | null;
  };
}
