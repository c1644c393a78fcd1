/**
 * `cutline gateway` as an operator runs it: a real child process on loopback (so a test can
 * SIGKILL it), plus viewer clients (shared/objectsClient.ts over the `ws` package) and tokens.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import WebSocket from 'ws';
import { mintViewerToken } from '../../electron/engine/objects/viewerToken.ts';
import { type MinimalSocket, ObjectsClient, type ObjectsClientOptions } from '../../shared/objectsClient.ts';
import { CLI } from './cutlineServe.ts';
import { freePort, waitUntil } from './servers.ts';

export interface GatewayProcess {
  child: ChildProcess;
  port: number;
  wsUrl: string;
  stderr(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export async function startGatewayProcess(redisUrl: string): Promise<GatewayProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [CLI, 'gateway', '--objects-redis', redisUrl, '--port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => (out += c));
  child.stderr?.on('data', (c: Buffer) => (err += c));
  await waitUntil(
    () => {
      if (child.exitCode !== null) throw new Error(`cutline gateway exited ${child.exitCode}: ${err}`);
      return /Cutline gateway serving/.test(out);
    },
    30_000,
    'cutline gateway listening',
  );
  return {
    child,
    port,
    wsUrl: `ws://127.0.0.1:${port}/objects/ws`,
    stderr: () => err,
    kill: async (signal = 'SIGTERM') => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill(signal);
      await exited;
    },
  };
}

/** A viewer token for `sub`, valid for `ttlS` seconds (negative: already expired). */
export function viewerToken(key: string, sub: string, ttlS = 600, name?: string): string {
  return mintViewerToken({ sub, exp: Math.floor(Date.now() / 1000) + ttlS, ...(name ? { name } : {}) }, key);
}

export function viewerClient(urls: string[], token: string, options: Partial<ObjectsClientOptions> = {}): ObjectsClient {
  return new ObjectsClient({ urls, token, WebSocketImpl: WebSocket as unknown as new (url: string) => MinimalSocket, backoff: { initialMs: 100, maxMs: 1000 }, ...options });
}
