/**
 * Token buckets keyed by client: each key may spend `burst` tokens at once and regains `perSecond`
 * a second. One flooding client empties only its own bucket, so the others are unaffected.
 */
import type { Rate } from '../../../shared/objects.ts';

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly rate: Rate,
    private readonly now: () => number,
    /** Beyond this many keys, full (idle) buckets are forgotten: they hold nothing worth keeping. */
    private readonly maxKeys = 10_000,
  ) {}

  /** Takes one token for `key`; false when its bucket is empty. */
  take(key: string): boolean {
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= this.maxKeys) this.prune(now);
      bucket = { tokens: this.rate.burst, updatedAt: now };
      this.buckets.set(key, bucket);
    } else {
      // A clock stepping backwards refills nothing rather than draining.
      const elapsedS = Math.max(0, now - bucket.updatedAt) / 1000;
      bucket.tokens = Math.min(this.rate.burst, bucket.tokens + elapsedS * this.rate.perSecond);
      bucket.updatedAt = now;
    }
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** Seconds until `key` has a token again (for the rejection message). */
  retryAfterS(key: string): number {
    const bucket = this.buckets.get(key);
    if (!bucket || bucket.tokens >= 1) return 0;
    return (1 - bucket.tokens) / this.rate.perSecond;
  }

  private prune(now: number): void {
    for (const [key, b] of this.buckets) {
      if (b.tokens + ((now - b.updatedAt) / 1000) * this.rate.perSecond >= this.rate.burst) this.buckets.delete(key);
    }
  }
}
