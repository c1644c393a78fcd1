/**
 * How many WebRTC sessions may exist at once, in all and per token (`webrtc.maxSessions`,
 * `webrtc.maxSessionsPerToken`). A POST reserves its place synchronously, before anything is
 * awaited, so parallel offers cannot all pass the check and then all negotiate; the reservation
 * ends when the session is live (counted by the gateway from then on) or the offer failed.
 */

export interface SessionCounts {
  total: number;
  forKey(key: string): number;
}

export class SessionLimitError extends Error {
  /** Seconds a client should wait before asking again (the Retry-After header). */
  readonly retryAfterS = SESSION_RETRY_AFTER_S;
}

/** Sessions end by DELETE or after the guest timeout (10 s by default): try again after that. */
export const SESSION_RETRY_AFTER_S = 10;

export class SessionBudget {
  private readonly pending = new Map<string, number>();
  private pendingTotal = 0;

  constructor(
    private readonly live: () => SessionCounts,
    private readonly limits: () => { maxSessions: number; maxSessionsPerToken: number },
  ) {}

  /** Takes a place for `key` or throws SessionLimitError; call the returned function exactly once. */
  reserve(key: string): () => void {
    const { maxSessions, maxSessionsPerToken } = this.limits();
    const live = this.live();
    if (live.total + this.pendingTotal >= maxSessions)
      throw new SessionLimitError(`this show already has ${maxSessions} WebRTC sessions (webrtc.maxSessions): try again when one has ended`);
    if (live.forKey(key) + (this.pending.get(key) ?? 0) >= maxSessionsPerToken)
      throw new SessionLimitError(`this token already holds ${maxSessionsPerToken} WebRTC sessions (webrtc.maxSessionsPerToken): end one (DELETE its session URL) or try again later`);
    this.pending.set(key, (this.pending.get(key) ?? 0) + 1);
    this.pendingTotal++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.pendingTotal--;
      const left = (this.pending.get(key) ?? 1) - 1;
      if (left > 0) this.pending.set(key, left);
      else this.pending.delete(key);
    };
  }
}
