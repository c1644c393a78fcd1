/**
 * The engine's recent messages, kept in memory for the desk's Health panel (`log.list`,
 * `log.appended`): a ring of LOG_CAPACITY entries, each with the thing it is about when the line
 * names one ("source cam1: …") and a level. Every line still goes to the engine's own log (stderr,
 * or the caller's function) unchanged.
 *
 * Lines are already free of stream keys (destinations redact their own); URL credentials and
 * secret query parameters are masked once more here, because this ring is served to any API client.
 */
import { LOG_CAPACITY, type LogEntry, type LogLevel, type LogListResult, type LogScopeKind, LogList } from '../../../shared/log.ts';
import { ProtocolError } from '../../../shared/protocol.ts';
import { describeZodError } from '../../../shared/show.ts';
import { redactUrl } from '../redact.ts';

/** "source cam1: …", "guest ada joined …": ids are shared/ids.ts's alphabet. */
const SCOPE = /^(source|destination|guest|overlay) ([A-Za-z0-9_-]{1,64})[: ]/;
/** Words the engine's lines use when something went wrong (there is no level in a log line). */
const ERROR_WORDS = /\b(error|failed|fail|refused|cannot|could not|stalled|stopped|timed out|rejected|lost|dropping|exited|died|unreachable|denied|401|403|404)\b/i;
/** Longest message kept (an ffmpeg error can be long). */
const MAX_MESSAGE = 1000;

interface WatchedStatus {
  id: string;
  state: string;
  message?: string;
}

export class EngineLog {
  private readonly entries: LogEntry[] = [];
  private seq = 0;
  private readonly lastStatus = new Map<string, string>();

  constructor(
    private readonly write: (line: string) => void,
    private readonly onAppended: (entry: LogEntry) => void = () => {},
    private readonly now: () => number = Date.now,
  ) {}

  /** The engine's log function: writes the line through and keeps it. */
  readonly log = (line: string): void => {
    this.write(line);
    this.append(line);
  };

  append(line: string, level?: LogLevel): LogEntry {
    const message = redactUrl(line).slice(0, MAX_MESSAGE);
    const scope = SCOPE.exec(message);
    const entry: LogEntry = {
      seq: ++this.seq,
      at: this.now(),
      level: level ?? (ERROR_WORDS.test(message) ? 'error' : 'info'),
      ...(scope ? { scope: { kind: scope[1] as LogScopeKind, id: scope[2] } } : {}),
      message,
    };
    this.entries.push(entry);
    if (this.entries.length > LOG_CAPACITY) this.entries.splice(0, this.entries.length - LOG_CAPACITY);
    this.onAppended(entry);
    return entry;
  }

  /**
   * Records a source's or destination's move into a failing state (with its message) once per
   * change, so the Health panel's error history has what the status said even when the line that
   * caused it was worded differently. Stats-only updates of the same state add nothing.
   */
  watchStatus(kind: 'source' | 'destination', status: WatchedStatus): void {
    const key = `${kind} ${status.id}`;
    const failing = ['error', 'stalled', 'ended', 'reconnecting'].includes(status.state);
    // Retries count up ("attempt 3, next in 2.0 s"): the same failure again is not news.
    const signature = failing ? `${status.state}|${(status.message ?? '').replace(/[0-9.]+/g, '#')}` : 'ok';
    if (this.lastStatus.get(key) === signature) return;
    const before = this.lastStatus.get(key);
    // Bounded like everything others can grow: ids of removed things are forgotten, and a churn of
    // new ids only costs the "live again" line.
    if (this.lastStatus.size >= 1000) this.lastStatus.clear();
    this.lastStatus.set(key, signature);
    if (failing) this.append(`${key}: ${status.state}${status.message ? ` (${status.message})` : ''}`, 'error');
    else if (before && before !== 'ok' && status.state === 'live') this.append(`${key}: live again`, 'info');
  }

  forget(kind: 'source' | 'destination', id: string): void {
    this.lastStatus.delete(`${kind} ${id}`);
  }

  /** `log.list {since?, limit?}`. */
  list(params: unknown): LogListResult {
    const parsed = LogList.safeParse(params ?? {});
    if (!parsed.success) throw new ProtocolError('invalid_params', `log.list: ${describeZodError(parsed.error)}`);
    const { since, limit } = parsed.data;
    let entries = since === undefined ? this.entries.slice() : this.entries.filter((e) => e.seq > since);
    if (limit !== undefined && entries.length > limit) entries = entries.slice(-limit);
    return { entries, last: this.seq };
  }
}
