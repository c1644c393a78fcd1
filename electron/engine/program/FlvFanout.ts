/**
 * Encode once, deliver many: keeps what a late joiner needs first (the metadata tag and the
 * H.264/AAC sequence headers) and hands every tag to each consumer. A consumer never blocks the
 * fan-out: it must queue or drop on its own (see Destination).
 */
import { type FlvTag, isSequenceHeader, TAG_AUDIO, TAG_SCRIPT, TAG_VIDEO } from '../media/flv.ts';

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

  /** The encoder restarted: forget the old headers; consumers restart when new ones arrive. */
  reset(): void {
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
    this.tagsOut++;
    for (const consumer of this.consumers) consumer.onTag(tag);
  }
}
