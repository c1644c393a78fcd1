/**
 * The WHEP feeds of the views: programs marked `public` that the audience picks from on the viewer
 * page (docs/WEBRTC.md, "Views"). One ReturnFeed per view, made when its first viewer comes and
 * closed when its program is gone or no longer public; main's is the gateway's own return feed
 * (guests' returns and `/whep/program` use it too), so a public main costs no second encode.
 *
 * Timed data: every feed gets every shared-object change, stamped on the one show clock all
 * programs compose on, so the overlays a viewer draws from the SEI stay in step whichever view
 * they watch. A feed made late is first given the newest record of each object, so its first
 * keyframe already carries the state.
 */
import { MAIN_PROGRAM_ID } from '../../../shared/show.ts';
import type { TimedDataRecord } from '../media/timedMetadata.ts';
import type { Program } from '../program/Program.ts';
import { ReturnFeed } from './ReturnFeed.ts';

/** A view as `GET /views` lists it. */
export interface ViewInfo {
  id: string;
  name: string;
  width: number;
  height: number;
}

export interface ViewFeedsHost {
  ffmpegPath: string;
  /** The running program by that id, if any. */
  programById(id: string): Program | undefined;
  log(line: string): void;
}

/** Changes remembered for feeds made later: the newest per object, never more than this many objects. */
const MAX_REMEMBERED_OBJECTS = 256;

export class ViewFeeds {
  private readonly feeds = new Map<string, ReturnFeed>();
  private readonly latest = new Map<string, TimedDataRecord>();

  constructor(
    private readonly host: ViewFeedsHost,
    private readonly mainFeed: ReturnFeed,
  ) {}

  /** The feed of a view (made on first use). */
  feed(programId: string): ReturnFeed {
    if (programId === MAIN_PROGRAM_ID) return this.mainFeed;
    let feed = this.feeds.get(programId);
    if (!feed) {
      feed = new ReturnFeed(() => this.host.programById(programId), this.host.ffmpegPath, (line) => this.host.log(`view ${programId}: ${line}`));
      for (const record of this.latest.values()) feed.queueData(record);
      this.feeds.set(programId, feed);
    }
    return feed;
  }

  /** A shared-object change for every view's video (main's feed is fed by the engine directly). */
  queueData(record: TimedDataRecord): void {
    this.latest.delete(record.object);
    this.latest.set(record.object, record);
    if (this.latest.size > MAX_REMEMBERED_OBJECTS) this.latest.delete(this.latest.keys().next().value as string);
    for (const feed of this.feeds.values()) feed.queueData(record);
  }

  /** Closes the feeds of views that are not views any more (their viewers were closed first). */
  prune(viewIds: ReadonlySet<string>): void {
    for (const [id, feed] of this.feeds) {
      if (viewIds.has(id)) continue;
      this.feeds.delete(id);
      void feed.close();
    }
  }

  /** For tests and stats: SEI records put into a view's video. */
  seiSent(programId: string): number {
    return programId === MAIN_PROGRAM_ID ? this.mainFeed.seiSent : (this.feeds.get(programId)?.seiSent ?? 0);
  }

  async close(): Promise<void> {
    const feeds = [...this.feeds.values()];
    this.feeds.clear();
    await Promise.all(feeds.map((f) => f.close()));
  }
}
