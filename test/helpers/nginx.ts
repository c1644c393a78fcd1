/**
 * Real RTMP(S) servers for destination tests, each in its own temp dir and on free loopback ports:
 * nginx with Debian's libnginx-mod-rtmp (optionally checking keys with `on_publish` against a tiny
 * HTTP server in the test), stunnel4 in front of it for RTMPS with a self-signed certificate made by
 * openssl, and TCP proxies that count connections or stop reading to play a stalled server.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket, connect } from 'node:net';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, sleep, waitUntil } from './servers.ts';

const RTMP_MODULE = ['/usr/lib/nginx/modules/ngx_rtmp_module.so', '/usr/share/nginx/modules/ngx_rtmp_module.so'].find((p) => existsSync(p));

export const nginxRtmpAvailable = Boolean(RTMP_MODULE) && commandExists('nginx');
export const stunnelAvailable = commandExists('stunnel4') || commandExists('stunnel');

function commandExists(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export interface NginxRtmp {
  port: number;
  /** rtmp://127.0.0.1:<port>/live */
  url: string;
  dir: string;
  /** Stops nginx (as a crash or an operator would: SIGTERM) and waits for the port to close. */
  stop(): Promise<void>;
  /** Starts it again with the same config and port. */
  start(): Promise<void>;
  /** nginx's error log (what it said about refused publishes). */
  errorLog(): string;
}

export async function startNginxRtmp(options: { onPublishUrl?: string } = {}): Promise<NginxRtmp> {
  if (!RTMP_MODULE) throw new Error('nginx rtmp module not installed (apt-get install nginx libnginx-mod-rtmp)');
  const dir = mkdtempSync(join(tmpdir(), 'nginx-rtmp-'));
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `load_module ${RTMP_MODULE};
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log info;
events { worker_connections 256; }
rtmp {
  server {
    listen 127.0.0.1:${port};
    chunk_size 4096;
    application live {
      live on;
      record off;
      ${options.onPublishUrl ? `on_publish ${options.onPublishUrl};` : ''}
    }
  }
}
`,
  );
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn('nginx', ['-p', dir, '-c', conf, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr?.on('data', (c: Buffer) => (err += c));
    await waitUntil(async () => {
      if (child?.exitCode !== null) throw new Error(`nginx exited: ${err}`);
      return portOpen(port);
    }, 10_000, 'nginx listening');
  };
  const stop = async () => {
    const c = child;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    await Promise.race([exited, sleep(3000).then(() => c.kill('SIGKILL'))]);
    await waitUntil(async () => !(await portOpen(port)), 5000, 'nginx port closed');
  };
  await start();
  return {
    port,
    url: `rtmp://127.0.0.1:${port}/live`,
    dir,
    stop,
    start,
    errorLog: () => (existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : ''),
  };
}

/** A tiny HTTP server for nginx-rtmp's on_publish: 2xx lets a publish through, 403 refuses it. */
export async function startPublishCheck(allowedKey: string): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server: HttpServer = createHttpServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => {
      const params = new URLSearchParams(body);
      const name = params.get('name') ?? '';
      requests.push(name);
      // nginx-rtmp's notify client reads until the connection closes.
      const ok = name === allowedKey;
      res.writeHead(ok ? 200 : 403, { 'Content-Type': 'text/plain', Connection: 'close' });
      res.end(ok ? 'ok\n' : 'forbidden\n');
    });
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${port}/on_publish`, requests, close: () => new Promise((r) => server.close(() => r())) };
}

export interface Stunnel {
  port: number;
  caFile: string;
  stop(): Promise<void>;
}

/** stunnel4 terminating TLS on a free port and forwarding to `targetPort` (nginx), with a fresh
 * self-signed certificate for 127.0.0.1/localhost. */
export async function startStunnel(targetPort: number): Promise<Stunnel> {
  const dir = mkdtempSync(join(tmpdir(), 'stunnel-'));
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', key, '-out', cert,
  ], { stdio: 'ignore' });
  const port = await freePort();
  const conf = join(dir, 'stunnel.conf');
  writeFileSync(
    conf,
    `foreground = yes
pid =
output = ${dir}/stunnel.log
[rtmps]
accept = 127.0.0.1:${port}
connect = 127.0.0.1:${targetPort}
cert = ${cert}
key = ${key}
`,
  );
  const bin = commandExists('stunnel4') ? 'stunnel4' : 'stunnel';
  const child = spawn(bin, [conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (c: Buffer) => (err += c));
  await waitUntil(async () => {
    if (child.exitCode !== null) throw new Error(`stunnel exited: ${err}`);
    return portOpen(port);
  }, 10_000, 'stunnel listening');
  return {
    port,
    caFile: cert,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface TcpProxy {
  port: number;
  /** Connections accepted so far. */
  connections: number;
  /** Bytes read from clients. */
  bytesIn: number;
  /** The first bytes clients sent (up to 4 MB), to check what went over the wire. */
  captured: Buffer[];
  close(): Promise<void>;
}

/**
 * A TCP proxy to `targetPort` that counts connections. With `stallAfterMs`, every connection is
 * forwarded for that long and then the proxy stops reading from the client (the socket stays
 * open): the "server accepts and then stops reading" case. `targetPort` undefined: accept and
 * never read at all.
 */
/** Processes this process started (direct children), with their command lines. */
export function childProcesses(): { pid: number; args: string[] }[] {
  const out: { pid: number; args: string[] }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid) continue;
      out.push({ pid: Number(entry), args: readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean) });
    } catch {
      // The process ended meanwhile.
    }
  }
  return out;
}

export async function startTcpProxy(targetPort: number | undefined, options: { stallAfterMs?: number } = {}): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const state: TcpProxy = {
    port: 0,
    connections: 0,
    bytesIn: 0,
    captured: [],
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  const server: Server = createServer((client) => {
    state.connections++;
    sockets.add(client);
    client.on('error', () => {});
    client.on('close', () => sockets.delete(client));
    if (targetPort === undefined) {
      client.pause();
      return;
    }
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.add(upstream);
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => sockets.delete(upstream));
    client.on('data', (c: Buffer) => {
      if (state.bytesIn < 4 << 20) state.captured.push(Buffer.from(c));
      state.bytesIn += c.length;
      upstream.write(c);
    });
    upstream.pipe(client);
    if (options.stallAfterMs !== undefined)
      setTimeout(() => {
        client.pause();
        client.removeAllListeners('data');
      }, options.stallAfterMs);
  });
  state.port = await freePort();
  await new Promise<void>((r) => server.listen(state.port, '127.0.0.1', r));
  return state;
}
