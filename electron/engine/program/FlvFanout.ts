/**
 * Encode once, deliver many: keeps what a late joiner needs first (the metadata tag and the
 * H.264/AAC sequence headers) and hands every tag to each consumer. A consumer never blocks the
 * fan-out: it must queue or drop on its own (see Destination).
 */
import { type FlvTag, isSequenceHeader, isVideoKeyframe, TAG_AUDIO, TAG_SCRIPT, TAG_VIDEO } from '../media/flv.ts';

export interface FlvConsumer {
  /** A new stream begins (first start or encoder restart); `init` holds its header tags. */
  onStreamStart(init: FlvTag[]): void;
  onTag(tag: FlvTag): void;
}

export class FlvFanout {
  private script: FlvTag | undefined;
  private videoHeader: FlvTag | undefined;
  private audioHeader: FlvTag | undefined;
  private readonly consumers = new Set<FlvConsumer>();
  /** Tags since the last video keyframe: a consumer that joins starts from there at once
   * instead of waiting up to a keyframe interval (like an RTMP server's GOP cache). */
  private gop: FlvTag[] = [];
  tagsOut = 0;

  get ready(): boolean {
    return Boolean(this.videoHeader && this.audioHeader);
  }

  initTags(): FlvTag[] {
    return [this.script, this.videoHeader, this.audioHeader].filter((t): t is FlvTag => Boolean(t));
  }

  add(consumer: FlvConsumer): void {
    this.consumers.add(consumer);
    if (this.ready) consumer.onStreamStart(this.initTags());
  }

  remove(consumer: FlvConsumer): void {
    this.consumers.delete(consumer);
  }

  /** The current GOP, from its keyframe. */
  currentGop(): FlvTag[] {
    return [...this.gop];
  }

  /** The encoder restarted: forget the old headers; consumers restart when new ones arrive. */
  reset(): void {
    this.gop = [];
    this.script = undefined;
    this.videoHeader = undefined;
    this.audioHeader = undefined;
  }

  push(tag: FlvTag): void {
    if (tag.type === TAG_SCRIPT && !this.ready) {
      this.script = tag;
      return;
    }
    if (isSequenceHeader(tag)) {
      const wasReady = this.ready;
      if (tag.type === TAG_VIDEO) this.videoHeader = tag;
      if (tag.type === TAG_AUDIO) this.audioHeader = tag;
      if (!wasReady && this.ready) for (const c of this.consumers) c.onStreamStart(this.initTags());
      return;
    }
    if (!this.ready) return;
    if (isVideoKeyframe(tag)) this.gop = [];
    if (this.gop.length > 0 || isVideoKeyframe(tag)) this.gop.push(tag);
    this.tagsOut++;
    for (const consumer of this.consumers) consumer.onTag(tag);
  }
}
