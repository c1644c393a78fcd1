/** Real servers for tests: node-media-server in-process (RTMP), free ports. */
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

interface NmsSession {
  streamPath?: string;
}

export interface RtmpServer {
  port: number;
  url: string;
  /** Publish starts seen per stream path. */
  publishes: Map<string, number>;
  stop(): Promise<void>;
}

/** node-media-server (one per process: it keeps global state). */
export async function startNodeMediaServer(): Promise<RtmpServer> {
  const require = createRequire(import.meta.url);
  const NodeMediaServer = require('node-media-server');
  const logger = require('node-media-server/src/core/logger.js');
  const port = await freePort();
  const nms = new NodeMediaServer({
    bind: '127.0.0.1',
    rtmp: { port, chunk_size: 60000, gop_cache: true, ping: 30, ping_timeout: 60 },
    store: { path: mkdtempSync(join(tmpdir(), 'nms-')) },
    webadmin: { enable: false },
  });
  logger.level = 'error';
  const publishes = new Map<string, number>();
  nms.on('postPublish', (session: NmsSession) => {
    const path = session.streamPath ?? '?';
    publishes.set(path, (publishes.get(path) ?? 0) + 1);
  });
  await nms.run();
  await new Promise((r) => setTimeout(r, 200));
  return { port, url: `rtmp://127.0.0.1:${port}`, publishes, stop: () => nms.stop() };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if (await check()) return;
    await sleep(100);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
