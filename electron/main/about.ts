/** The About box's text: the versions a bug report needs. */
export function aboutText(versions: { cutline: string; electron: string; chrome: string; node: string; ffmpeg: string }): string {
  return [
    `Cutline ${versions.cutline}`,
    `Electron ${versions.electron} (Chromium ${versions.chrome}, Node ${versions.node})`,
    `ffmpeg ${versions.ffmpeg}`,
  ].join('\n');
}
