/**
 * A real redis-server of the test's own, on a free loopback port in a temporary folder (never the
 * system one), with AOF on. `restart()` stops it cleanly and starts it again on the same port and
 * folder (the AOF is reloaded); `kill()` SIGKILLs it (what a crash or power cut leaves).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './servers.ts';

export interface TestRedis {
  url: string;
  port: number;
  dir: string;
  /** The running redis-server's process id (CPU accounting in the bench). */
  pid(): number | undefined;
  stop(): Promise<void>;
  /** Stops (SIGTERM, AOF flushed) and starts again on the same port and data. */
  restart(downMs?: number): Promise<void>;
  /** SIGKILL: no chance to flush anything not already fsync'd. */
  kill(): Promise<void>;
  /** Starts again after kill() or stop(). */
  start(): Promise<void>;
}

export interface StartRedisOptions {
  appendfsync?: 'always' | 'everysec' | 'no';
}

function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.write('PING\r\n');
        socket.once('data', (data) => {
          socket.destroy();
          // "-LOADING" while the AOF is read back: not ready yet.
          if (data.toString().startsWith('+PONG')) resolve();
          else retry();
        });
      });
      socket.once('error', () => {
        socket.destroy();
        retry();
      });
    };
    const retry = () => {
      if (Date.now() > deadline) reject(new Error(`redis-server did not answer on port ${port} within ${timeoutMs} ms`));
      else setTimeout(attempt, 50);
    };
    attempt();
  });
}

export async function startRedis(options: StartRedisOptions = {}): Promise<TestRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'cutline-redis-'));
  let child: ChildProcess | undefined;
  const args = [
    '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '',
    '--appendonly', 'yes', '--appendfsync', options.appendfsync ?? 'always', '--daemonize', 'no', '--logfile', join(dir, 'redis.log'),
  ];
  const start = async () => {
    child = spawn('redis-server', args, { stdio: 'ignore' });
    await waitForPort(port, 10_000);
  };
  const exited = (c: ChildProcess) => new Promise<void>((resolve) => (c.exitCode !== null || c.signalCode !== null ? resolve() : c.once('exit', () => resolve())));
  const stopWith = async (signal: NodeJS.Signals) => {
    const c = child;
    child = undefined;
    if (!c) return;
    c.kill(signal);
    await exited(c);
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    pid: () => child?.pid,
    start,
    kill: () => stopWith('SIGKILL'),
    async restart(downMs = 0) {
      await stopWith('SIGTERM');
      if (downMs) await new Promise((r) => setTimeout(r, downMs));
      await start();
    },
    async stop() {
      await stopWith('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
