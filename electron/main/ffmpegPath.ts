/**
 * Where the bundled ffmpeg is inside a packaged app. electron-builder unpacks
 * node_modules/@ffmpeg-installer/** next to the archive (asarUnpack), because a binary inside
 * app.asar cannot be executed; the engine's locate.ts maps `app.asar` → `app.asar.unpacked` when it
 * asks @ffmpeg-installer. This computes the same place from the resources folder, so the app can
 * check it exists and say so plainly if it does not.
 */
export function packagedFfmpegPath(resourcesPath: string, platform: string, arch: string, join: (...parts: string[]) => string): string {
  const binary = platform === 'win32' ? 'ffmpeg.exe' : 'ffmpeg';
  return join(resourcesPath, 'app.asar.unpacked', 'node_modules', '@ffmpeg-installer', `${platform}-${arch}`, binary);
}
