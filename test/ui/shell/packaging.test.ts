/**
 * Packaging, checked without Electron's binary (which cannot be downloaded here): the
 * electron-builder config, where the unpacked ffmpeg ends up and that the engine finds it there,
 * and the bundles build/build-electron.mjs makes.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { matchesGlob, posix, win32 } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { unpackedAsarPath } from '../../../electron/engine/ffmpeg/locate.ts';
import { aboutText } from '../../../electron/main/about.ts';
import { packagedFfmpegPath } from '../../../electron/main/ffmpegPath.ts';

interface Target {
  target: string;
  arch?: string[];
}
const config = parse(readFileSync('build/electron-builder.yml', 'utf8')) as {
  appId: string;
  productName: string;
  asar: boolean;
  asarUnpack: string[];
  files: string[];
  extraMetadata: { main: string };
  mac: { target: Target[]; hardenedRuntime: boolean; entitlements: string; extendInfo: Record<string, string> };
  win: { target: Target[] };
  linux: { target: Target[]; maintainer: string };
};
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { main: string; dependencies: Record<string, string>; devDependencies: Record<string, string>; scripts: Record<string, string> };

describe('electron-builder config', () => {
  it('names the app', () => {
    expect(config.appId).toBe('dev.cutline.app');
    expect(config.productName).toBe('Cutline');
  });

  it('builds a dmg for Apple silicon and Intel, an NSIS installer, an AppImage and a deb', () => {
    expect(config.mac.target).toEqual([{ target: 'dmg', arch: ['arm64', 'x64'] }]);
    expect(config.win.target.map((t) => t.target)).toEqual(['nsis']);
    expect(config.linux.target.map((t) => t.target)).toEqual(['AppImage', 'deb']);
    expect(config.linux.maintainer).toMatch(/<.+@.+>/);
  });

  it('signs macOS with the hardened runtime and the camera/microphone entitlements', () => {
    expect(config.mac.hardenedRuntime).toBe(true);
    const plist = readFileSync(config.mac.entitlements, 'utf8');
    expect(plist).toMatch(/com\.apple\.security\.device\.camera/);
    expect(plist).toMatch(/com\.apple\.security\.device\.audio-input/);
    expect(config.mac.extendInfo.NSCameraUsageDescription).toBeTruthy();
  });

  it('packs the built app and starts the bundled main process', () => {
    expect(config.asar).toBe(true);
    expect(config.files).toContain('dist/**/*');
    expect(config.extraMetadata.main).toBe(pkg.main);
    expect(pkg.main).toBe('dist/electron/main.cjs');
    // Electron is a build tool here, never shipped as a dependency of the app.
    expect(pkg.dependencies.electron).toBeUndefined();
    expect(pkg.devDependencies.electron).toBeTruthy();
    expect(pkg.scripts.build).toBe('vite build && node build/build-electron.mjs');
    expect(pkg.scripts.dist).toMatch(/electron-builder --config build\/electron-builder\.yml/);
  });

  it.each([
    ['darwin', 'arm64'],
    ['darwin', 'x64'],
    ['linux', 'x64'],
    ['win32', 'x64'],
  ])('unpacks the %s-%s ffmpeg binary from the asar', (platform, arch) => {
    const inArchive = `node_modules/@ffmpeg-installer/${platform}-${arch}/${platform === 'win32' ? 'ffmpeg.exe' : 'ffmpeg'}`;
    expect(config.asarUnpack.some((glob) => matchesGlob(inArchive, glob))).toBe(true);
    expect(config.files.some((glob) => glob.startsWith('!') && matchesGlob(inArchive, glob.slice(1)))).toBe(false);
  });
});

describe('the unpacked ffmpeg at run time', () => {
  it('is where the app looks for it on each platform', () => {
    expect(packagedFfmpegPath('/Applications/Cutline.app/Contents/Resources', 'darwin', 'arm64', posix.join)).toBe(
      '/Applications/Cutline.app/Contents/Resources/app.asar.unpacked/node_modules/@ffmpeg-installer/darwin-arm64/ffmpeg',
    );
    expect(packagedFfmpegPath('C:\\Program Files\\Cutline\\resources', 'win32', 'x64', win32.join)).toBe(
      'C:\\Program Files\\Cutline\\resources\\app.asar.unpacked\\node_modules\\@ffmpeg-installer\\win32-x64\\ffmpeg.exe',
    );
  });

  it('is what the engine gets when @ffmpeg-installer answers with a path inside app.asar', () => {
    const inAsar = '/opt/Cutline/resources/app.asar/node_modules/@ffmpeg-installer/linux-x64/ffmpeg';
    expect(unpackedAsarPath(inAsar)).toBe(packagedFfmpegPath('/opt/Cutline/resources', 'linux', 'x64', posix.join));
    expect(unpackedAsarPath('C:\\Cutline\\resources\\app.asar\\node_modules\\@ffmpeg-installer\\win32-x64\\ffmpeg.exe')).toBe(
      packagedFfmpegPath('C:\\Cutline\\resources', 'win32', 'x64', win32.join),
    );
    // Outside an archive (development, `cutline serve`) nothing changes.
    expect(unpackedAsarPath('/work/node_modules/@ffmpeg-installer/linux-x64/ffmpeg')).toBe('/work/node_modules/@ffmpeg-installer/linux-x64/ffmpeg');
  });
});

describe('the Electron bundles', () => {
  it('build to CommonJS with electron and npm packages external, and nothing ESM-only left behind', () => {
    execFileSync(process.execPath, ['build/build-electron.mjs'], { stdio: 'pipe' });
    const main = readFileSync('dist/electron/main.cjs', 'utf8');
    const preload = readFileSync('dist/electron/preload.cjs', 'utf8');
    expect(main).toMatch(/require\("electron"\)/);
    expect(main).toMatch(/require\("@ffmpeg-installer\/ffmpeg"\)|createRequire/);
    expect(main).not.toMatch(/import\.meta/);
    // The sandboxed preload requires nothing but electron.
    expect([...preload.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1])).toEqual(['electron']);
  });

  it('About names Cutline, Electron and ffmpeg with their versions', () => {
    expect(aboutText({ cutline: '0.1.0', electron: '45.5.0', chrome: '142', node: '22.20', ffmpeg: 'N-47683' })).toBe(
      'Cutline 0.1.0\nElectron 45.5.0 (Chromium 142, Node 22.20)\nffmpeg N-47683',
    );
  });
});

/**
 * The real packer on a stand-in Electron (electronDist: a folder with a dummy binary), so the
 * archive layout is checked here although Electron itself cannot be downloaded: the bundles are
 * inside app.asar, and the ffmpeg that comes out unpacked is where the app looks and it runs.
 */
describe.skipIf(process.platform !== 'linux' || process.arch !== 'x64')('the packed app (linux dir build)', () => {
  it('keeps the bundles in app.asar and an executable ffmpeg in app.asar.unpacked', async () => {
    const { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const asar = (await import('@electron/asar')) as unknown as { listPackage(p: string): string[]; extractFile(p: string, f: string): Buffer };
    const work = mkdtempSync(join(tmpdir(), 'cutline-pack-'));
    try {
      const fakeElectron = join(work, 'electron-dist');
      mkdirSync(join(fakeElectron, 'resources'), { recursive: true });
      writeFileSync(join(fakeElectron, 'electron'), '#!/bin/sh\n');
      chmodSync(join(fakeElectron, 'electron'), 0o755);
      writeFileSync(join(fakeElectron, 'version'), 'v45.5.0');
      // vite.config.ts steps aside under VITEST; this build is the real one.
      const env = { ...process.env };
      delete env.VITEST;
      execFileSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: 'pipe', env });
      execFileSync(process.execPath, ['build/build-electron.mjs'], { stdio: 'pipe' });
      execFileSync(
        'npx',
        ['electron-builder', '--config', 'build/electron-builder.yml', '--linux', 'dir', '--x64', `-c.electronDist=${fakeElectron}`, `-c.directories.output=${join(work, 'out')}`],
        { stdio: 'pipe', timeout: 120_000 },
      );
      const resources = join(work, 'out', 'linux-unpacked', 'resources');
      const files = asar.listPackage(join(resources, 'app.asar'));
      for (const f of ['/dist/electron/main.cjs', '/dist/electron/preload.cjs', '/dist/renderer/index.html', '/package.json']) expect(files).toContain(f);
      expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
      expect(files.some((f) => f.startsWith('/node_modules/tsx/'))).toBe(false);
      const packed = JSON.parse(asar.extractFile(join(resources, 'app.asar'), 'package.json').toString()) as { main: string };
      expect(packed.main).toBe('dist/electron/main.cjs');
      const ffmpeg = packagedFfmpegPath(resources, 'linux', 'x64', posix.join);
      expect(existsSync(ffmpeg)).toBe(true);
      expect(execFileSync(ffmpeg, ['-hide_banner', '-version'], { encoding: 'utf8' })).toMatch(/^ffmpeg version/);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 180_000);
});
