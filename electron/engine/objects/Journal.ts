/**
 * The append-only journal of shared-object changes: one JSON record per line, made durable (written
 * and fdatasync'd) before the operation is acknowledged. Operations that arrive while a sync is in
 * flight are written together by the next one (group commit), so a burst costs one sync per batch,
 * not one per operation, and each is still acknowledged only once it is on disk.
 *
 * A crash can leave a torn last line (cut short, or zeros the file system left after it); open()
 * drops it (it was never acknowledged), says so in `tornBytes` for the engine to warn about, and
 * truncates the file there so later appends start on a clean line. A bad line anywhere else is
 * corruption and open() refuses to guess. rewrite() replaces the whole file atomically (compaction
 * to snapshots). A lock file beside the journal keeps a second engine off the same data folder:
 * two writers would interleave versions.
 */
import { constants as fsConstants } from 'node:fs';
import { type FileHandle, mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export const JOURNAL_FORMAT = 'cutline-objects';
export const JOURNAL_VERSION = 1;

export type JournalRecord =
  | { t: 'create'; id: string; type: string; options: unknown; at: number; by: string }
  | { t: 'op'; id: string; v: number; op: string; args: unknown; at: number; by: string }
  | { t: 'delete'; id: string; at: number; by: string }
  /** Compaction: an object's whole internal state at version v. */
  | { t: 'snapshot'; id: string; type: string; options: unknown; v: number; data: unknown; at: number };

export interface JournalOptions {
  /** false skips fdatasync (tests of logic only, never in production): acknowledged ≠ durable then. */
  sync?: boolean;
  /** Largest batch written by one group commit. */
  maxBatchBytes?: number;
}

export interface JournalStats {
  /** Records appended since open. */
  appended: number;
  /** Group commits (write + sync) since open. */
  commits: number;
  /** Records in the file (read at open plus appended). */
  records: number;
  bytes: number;
}

export interface OpenedJournal {
  journal: Journal;
  /** Every record in the file, in order (header excluded). */
  records: JournalRecord[];
  /** Bytes of a torn last line that was dropped, 0 when the file ended cleanly. */
  tornBytes: number;
}

export class JournalCorruptError extends Error {
  constructor(path: string, line: number, detail: string) {
    super(`The shared-object journal ${path} is damaged at line ${line} (${detail}). Move it aside to start empty, or repair that line.`);
    this.name = 'JournalCorruptError';
  }
}

export class JournalLockedError extends Error {
  constructor(path: string, pid: number) {
    super(
      `Another Cutline engine (process ${pid}) is using the data folder ${dirname(path)}: stop it first, or give this one a folder of its own (--data DIR or CUTLINE_DATA_DIR).`,
    );
    this.name = 'JournalLockedError';
  }
}

/** Lock files this process holds (two engines in one process are refused too). */
const heldLocks = new Set<string>();

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes `<journal>.lock` (our pid inside); a lock whose process is gone is stale and taken over. */
async function takeLock(path: string): Promise<string> {
  const lock = `${path}.lock`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await writeFile(lock, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      heldLocks.add(lock);
      return lock;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const pid = Number.parseInt(await readFile(lock, 'utf8').catch(() => ''), 10);
    if (heldLocks.has(lock) || (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid))) throw new JournalLockedError(path, pid || process.pid);
    await rm(lock, { force: true });
  }
  throw new Error(`could not take the lock ${lock}`);
}

type Item =
  | { kind: 'append'; line: string; resolve: () => void; reject: (e: Error) => void }
  | { kind: 'rewrite'; records: JournalRecord[]; resolve: () => void; reject: (e: Error) => void };

const header = () => JSON.stringify({ t: 'header', format: JOURNAL_FORMAT, version: JOURNAL_VERSION, created: new Date().toISOString() });

export class Journal {
  private queue: Item[] = [];
  private flushing = false;
  private failure: Error | undefined;
  private closed = false;
  private drained: (() => void)[] = [];
  readonly stats: JournalStats;

  private lock: string | undefined;

  private constructor(
    readonly path: string,
    private fh: FileHandle,
    private readonly options: Required<JournalOptions>,
    records: number,
    bytes: number,
  ) {
    this.stats = { appended: 0, commits: 0, records, bytes };
  }

  /** Opens (creating if absent) the journal at `path` and reads what it holds. */
  static async open(path: string, options: JournalOptions = {}): Promise<OpenedJournal> {
    const opts: Required<JournalOptions> = { sync: options.sync ?? true, maxBatchBytes: options.maxBatchBytes ?? 4 << 20 };
    await mkdir(dirname(path), { recursive: true });
    const lock = await takeLock(path);
    try {
      const opened = await Journal.openLocked(path, opts);
      opened.journal.lock = lock;
      return opened;
    } catch (error) {
      heldLocks.delete(lock);
      await rm(lock, { force: true });
      throw error;
    }
  }

  private static async openLocked(path: string, opts: Required<JournalOptions>): Promise<OpenedJournal> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      text = '';
    }
    const { records, goodBytes, tornBytes, needsNewline } = parse(path, text);
    const fh = await open(path, fsConstants.O_RDWR | fsConstants.O_CREAT | fsConstants.O_APPEND, 0o600);
    try {
      if (tornBytes > 0) {
        await fh.truncate(goodBytes);
        await fh.sync();
      }
      if (text.length === 0) {
        await fh.write(`${header()}\n`);
        await fh.sync();
        await syncDir(dirname(path));
      } else if (needsNewline) {
        await fh.write('\n');
        await fh.sync();
      }
    } catch (error) {
      await fh.close();
      throw error;
    }
    const bytes = (await fh.stat()).size;
    return { journal: new Journal(path, fh, opts, records.length, bytes), records, tornBytes };
  }

  /** Resolves once the record is on disk (after the sync of its group commit). */
  append(record: JournalRecord): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new Error('The journal is closed.'));
    const line = JSON.stringify(record);
    return new Promise((resolve, reject) => {
      this.queue.push({ kind: 'append', line, resolve, reject });
      this.kick();
    });
  }

  /** Atomically replaces the file with `records` (after everything appended before this call). */
  rewrite(records: JournalRecord[]): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new Error('The journal is closed.'));
    return new Promise((resolve, reject) => {
      this.queue.push({ kind: 'rewrite', records, resolve, reject });
      this.kick();
    });
  }

  /** Waits for pending records, then closes the file. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.flushing || this.queue.length > 0) await new Promise<void>((resolve) => this.drained.push(resolve));
    await this.fh.close();
    if (this.lock) {
      heldLocks.delete(this.lock);
      await rm(this.lock, { force: true });
    }
  }

  private kick(): void {
    if (this.flushing) return;
    this.flushing = true;
    // Start on a microtask: every append of the current synchronous burst joins the first batch.
    queueMicrotask(() => void this.flush());
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0 && !this.failure) {
      const head = this.queue[0];
      if (head.kind === 'rewrite') {
        this.queue.shift();
        try {
          await this.replace(head.records);
          head.resolve();
        } catch (error) {
          this.fail(error as Error, [head]);
        }
        continue;
      }
      const batch: Extract<Item, { kind: 'append' }>[] = [];
      let size = 0;
      while (this.queue.length > 0 && this.queue[0].kind === 'append' && (batch.length === 0 || size < this.options.maxBatchBytes)) {
        const item = this.queue.shift() as Extract<Item, { kind: 'append' }>;
        batch.push(item);
        size += item.line.length + 1;
      }
      try {
        const buf = Buffer.from(`${batch.map((b) => b.line).join('\n')}\n`, 'utf8');
        await writeAll(this.fh, buf);
        if (this.options.sync) await this.fh.datasync();
        this.stats.appended += batch.length;
        this.stats.records += batch.length;
        this.stats.commits++;
        this.stats.bytes += buf.length;
        for (const item of batch) item.resolve();
      } catch (error) {
        this.fail(error as Error, batch);
      }
    }
    this.flushing = false;
    for (const resolve of this.drained.splice(0)) resolve();
  }

  /** After a failed write nothing more is acknowledged: the file's tail is unknown until reopened. */
  private fail(error: Error, items: Item[]): void {
    this.failure = new Error(`Writing the shared-object journal ${this.path} failed: ${error.message}`);
    for (const item of [...items, ...this.queue.splice(0)]) item.reject(this.failure);
  }

  private async replace(records: JournalRecord[]): Promise<void> {
    const tmp = `${this.path}.tmp`;
    const text = `${[header(), ...records.map((r) => JSON.stringify(r))].join('\n')}\n`;
    const out = await open(tmp, 'w', 0o600);
    try {
      await writeAll(out, Buffer.from(text, 'utf8'));
      await out.sync();
    } finally {
      await out.close();
    }
    await this.fh.close();
    try {
      await rename(tmp, this.path);
      await syncDir(dirname(this.path));
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    } finally {
      this.fh = await open(this.path, fsConstants.O_RDWR | fsConstants.O_APPEND);
    }
    this.stats.records = records.length;
    this.stats.bytes = Buffer.byteLength(text);
  }
}

async function writeAll(fh: FileHandle, buf: Buffer): Promise<void> {
  let off = 0;
  while (off < buf.length) {
    const { bytesWritten } = await fh.write(buf, off, buf.length - off);
    off += bytesWritten;
  }
}

/** Makes a new or renamed file's directory entry durable (not possible on Windows: skipped). */
async function syncDir(dir: string): Promise<void> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch {
    // Windows cannot open a directory; its rename is durable enough with the file synced.
  } finally {
    await fh?.close();
  }
}

function parse(path: string, text: string): { records: JournalRecord[]; goodBytes: number; tornBytes: number; needsNewline: boolean } {
  const records: JournalRecord[] = [];
  if (text.length === 0) return { records, goodBytes: 0, tornBytes: 0, needsNewline: false };
  const lastNl = text.lastIndexOf('\n');
  const body = lastNl < 0 ? '' : text.slice(0, lastNl);
  const tail = text.slice(lastNl + 1);
  const lines = body.length > 0 ? body.split('\n') : [];
  let tornBytes = 0;
  let needsNewline = false;
  if (tail.length > 0) {
    // A last line without its newline: complete records stay, a torn one was never acknowledged.
    if (parseRecord(tail) !== undefined) {
      lines.push(tail);
      needsNewline = true;
    } else tornBytes = Buffer.byteLength(tail);
  } else if (lines.length > 1 && parseRecord(lines[lines.length - 1]) === undefined) {
    // A last line that ends in a newline but is no record (zeros after a power cut): torn too.
    tornBytes = Buffer.byteLength(lines.pop() as string) + 1;
  }
  lines.forEach((line, i) => {
    if (line.length === 0) return;
    const record = parseRecord(line);
    if (record === undefined) throw new JournalCorruptError(path, i + 1, 'not a JSON record');
    if (record.t === 'header') {
      if (record.format !== JOURNAL_FORMAT || typeof record.version !== 'number' || record.version > JOURNAL_VERSION)
        throw new JournalCorruptError(path, i + 1, `not a ${JOURNAL_FORMAT} v${JOURNAL_VERSION} journal`);
      return;
    }
    records.push(record as JournalRecord);
  });
  return { records, goodBytes: Buffer.byteLength(text) - tornBytes, tornBytes, needsNewline };
}

function parseRecord(line: string): ({ t: string } & Record<string, unknown>) | undefined {
  try {
    const value = JSON.parse(line) as unknown;
    if (value && typeof value === 'object' && typeof (value as { t?: unknown }).t === 'string') return value as { t: string } & Record<string, unknown>;
  } catch {
    // fall through: not a record
  }
  return undefined;
}
