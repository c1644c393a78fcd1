/**
 * One supervised ffmpeg child process. Always spawned with an argument array (never a shell).
 * Keeps the last lines of stderr, with secrets redacted, so an exit can be explained to the user.
 * `stop()` is idempotent; an exit we asked for is "expected" and is not an error.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { redactText } from '../redact.ts';
import { TypedEmitter } from '../TypedEmitter.ts';

export interface FfmpegExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when stop() was called first. */
  expected: boolean;
  /** The last stderr lines, redacted. */
  stderrTail: string[];
}

export interface FfmpegProcessOptions {
  ffmpegPath: string;
  args: string[];
  /** Secrets that may appear in args or stderr. */
  secrets?: readonly (string | undefined)[];
  /** Extra pipes beyond stdin/stdout/stderr: fd 3, fd 4, ... */
  extraPipes?: number;
  /** A socket to be the child's stdout instead of a new pipe (see FrameChannel). */
  stdout?: Socket;
  /** A name for log lines, e.g. "source cam1". */
  name: string;
}

interface Events {
  exit: FfmpegExit;
  stderrLine: string;
}

const TAIL_LINES = 30;

export class FfmpegProcess extends TypedEmitter<Events> {
  readonly child: ChildProcess;
  private readonly tail: string[] = [];
  private stopping = false;
  private exited = false;
  readonly exitPromise: Promise<FfmpegExit>;
  private readonly secrets: readonly (string | undefined)[];

  constructor(readonly options: FfmpegProcessOptions) {
    super();
    this.secrets = options.secrets ?? [];
    const stdio: ('pipe' | Socket)[] = ['pipe', options.stdout ?? 'pipe', 'pipe'];
    for (let i = 0; i < (options.extraPipes ?? 0); i++) stdio.push('pipe');
    this.child = spawn(options.ffmpegPath, options.args, { stdio, windowsHide: true });
    // EPIPE on a pipe of a child that died is reported through 'exit'; do not crash the engine.
    for (const stream of this.child.stdio) stream?.on('error', () => {});
    let partial = '';
    this.child.stderr?.setEncoding('utf8');
    this.child.stderr?.on('data', (chunk: string) => {
      partial += chunk;
      const lines = partial.split(/\r?\n|\r/);
      partial = lines.pop() ?? '';
      for (const raw of lines) {
        if (!raw.trim()) continue;
        const line = redactText(raw, this.secrets);
        this.tail.push(line);
        if (this.tail.length > TAIL_LINES) this.tail.shift();
        this.emit('stderrLine', line);
      }
    });
    this.exitPromise = new Promise((resolve) => {
      const finish = (code: number | null, signal: NodeJS.Signals | null) => {
        if (this.exited) return;
        this.exited = true;
        const exit: FfmpegExit = { code, signal, expected: this.stopping, stderrTail: [...this.tail] };
        resolve(exit);
        this.emit('exit', exit);
      };
      this.child.on('exit', (code, signal) => finish(code, signal));
      this.child.on('error', (error) => {
        this.tail.push(redactText(`could not start ffmpeg: ${error.message}`, this.secrets));
        finish(-1, null);
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }
  get running(): boolean {
    return !this.exited;
  }
  get stdin(): Writable {
    return this.child.stdin as Writable;
  }
  /** The child's stdout pipe (there is none when a socket was given as `stdout`). */
  get stdout(): Readable {
    if (!this.child.stdout) throw new Error(`${this.options.name}: stdout is a socket given at spawn, not a pipe`);
    return this.child.stdout;
  }
  pipe(fd: number): Readable & Writable {
    return this.child.stdio[fd] as unknown as Readable & Writable;
  }
  stderrTail(): string[] {
    return [...this.tail];
  }

  /** The command line for logs and the UI, secrets masked. */
  describe(): string {
    return redactText(`ffmpeg ${this.options.args.join(' ')}`, this.secrets);
  }

  /**
   * Ends the process: closes stdin (so an encoder or muxer finishes its file), then SIGTERM, then
   * SIGKILL. Resolves when it has exited.
   */
  async stop({ graceMs = 3000, closeStdin = true } = {}): Promise<FfmpegExit> {
    if (!this.exited) {
      this.stopping = true;
      if (closeStdin) this.child.stdin?.end();
      else this.child.kill('SIGTERM');
      const timer = setTimeout(() => {
        if (!this.exited) this.child.kill('SIGTERM');
      }, graceMs);
      const killTimer = setTimeout(() => {
        if (!this.exited) this.child.kill('SIGKILL');
      }, graceMs * 2);
      await this.exitPromise;
      clearTimeout(timer);
      clearTimeout(killTimer);
    }
    return this.exitPromise;
  }

  /** A one-line reason for an unexpected exit, for the UI. */
  explainExit(exit: FfmpegExit): string {
    const lastLines = exit.stderrTail.filter((l) => !/^\s*(frame=|size=|video:|Press \[q\])/.test(l)).slice(-3).join(' | ');
    const how = exit.signal ? `was killed (${exit.signal})` : `exited with code ${exit.code}`;
    return lastLines ? `ffmpeg ${how}: ${lastLines}` : `ffmpeg ${how}`;
  }
}
