/**
 * Encode once, deliver many: keeps what a late joiner needs first (the metadata tag and the
 * H.264/AAC sequence headers) and hands every tag to each consumer. A consumer never blocks the
 * fan-out: it must queue or drop on its own (see Destination).
 */
import { type FlvTag, isSequenceHeader, isVideoKeyframe, TAG_AUDIO, TAG_SCRIPT, TAG_VIDEO } from '../media/flv.ts';
import { buildSeiNal, buildTextDataPayload, insertNalIntoAvcTag, type TimedDataRecord } from '../media/timedMetadata.ts';

export interface FlvConsumer {
  /** A new stream begins (first start or encoder restart); `init` holds its header tags. */
  onStreamStart(init: FlvTag[]): void;
  onTag(tag: FlvTag): void;
  /** A data change that rides on the video tag with this timestamp (for sidecar files). */
  onData?(record: TimedDataRecord): void;
  /** Also wants each change as an "onTextData" script tag just before its video tag, at the same
   * timestamp (RTMP publishers; never an ffmpeg muxer: its FLV demuxer turns them into a text
   * track). The GOP cache holds them too, so a consumer replaying it must skip them unless it wants them. */
  readonly wantsDataMessages?: boolean;
}


export class FlvFanout {
  private script: FlvTag | undefined;
  private videoHeader: FlvTag | undefined;
  private audioHeader: FlvTag | undefined;
  private readonly consumers = new Set<FlvConsumer>();
  /** Tags since the last video keyframe: a consumer that joins starts from there at once
   * instead of waiting up to a keyframe interval (like an RTMP server's GOP cache). */
  private gop: FlvTag[] = [];
  /** The headers before an encoder restart, to tell whether the new stream is the same one. */
  private previousInit: { video: FlvTag; audio: FlvTag } | undefined;
  /** Data changes waiting for the video frame they belong to. */
  private pendingData: TimedDataRecord[] = [];
  tagsOut = 0;

  constructor(private readonly frameMs = 1000 / 30) {}

  get ready(): boolean {
    return Boolean(this.videoHeader && this.audioHeader);
  }

  initTags(): FlvTag[] {
    return [this.script, this.videoHeader, this.audioHeader].filter((t): t is FlvTag => Boolean(t));
  }

  /**
   * Carries a data change in the stream as SEI inside the video frame at `record.pts` (the
   * encoder's timeline). SEI survives every `-c copy` remux; FLV script tags do not (ffmpeg's FLV
   * demuxer drops them, and a text track made to carry them broke node-media-server's relay).
   * Consumers that publish RTMP themselves also get it as an AMF0 "onTextData" data message.
   */
  queueData(record: TimedDataRecord): void {
    this.pendingData.push(record);
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

  /**
   * The encoder processes were restarted on the same timeline (Encoder): when their sequence
   * headers match the old ones (the same settings make the same SPS/PPS and AAC config), the
   * stream simply resumes at the new encoder's first keyframe and no consumer notices more than a
   * short gap; otherwise consumers start a new stream (an RTMP destination reconnects once).
   */
  encoderRestarted(): void {
    this.previousInit = this.videoHeader && this.audioHeader ? { video: this.videoHeader, audio: this.audioHeader } : undefined;
    this.gop = [];
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
      if (!wasReady && this.ready) {
        const previous = this.previousInit;
        this.previousInit = undefined;
        const same = previous?.video.payload.equals(this.videoHeader!.payload) && previous.audio.payload.equals(this.audioHeader!.payload);
        if (!same) for (const c of this.consumers) c.onStreamStart(this.initTags());
      }
      return;
    }
    if (!this.ready) return;
    let data: FlvTag | undefined;
    if (tag.type === TAG_VIDEO && this.pendingData.length > 0) [tag, data] = this.attachData(tag);
    if (isVideoKeyframe(tag)) this.gop = [];
    if (this.gop.length > 0 || isVideoKeyframe(tag)) {
      if (data) this.gop.push(data);
      this.gop.push(tag);
    }
    this.tagsOut++;
    for (const consumer of this.consumers) {
      if (data && consumer.wantsDataMessages) consumer.onTag(data);
      consumer.onTag(tag);
    }
  }

  /** The video tag with the due changes as SEI, and the same JSON as an onTextData script tag. */
  private attachData(video: FlvTag): [FlvTag, FlvTag?] {
    const due = this.pendingData.filter((r) => r.pts <= video.timestamp + this.frameMs / 2);
    if (due.length === 0) return [video];
    this.pendingData = this.pendingData.filter((r) => !due.includes(r));
    const stamped = due.map((record) => ({ ...record, pts: video.timestamp }));
    const text = JSON.stringify(stamped.length === 1 ? stamped[0] : stamped);
    for (const consumer of this.consumers) for (const record of stamped) consumer.onData?.(record);
    const data: FlvTag = { type: TAG_SCRIPT, timestamp: video.timestamp, payload: buildTextDataPayload(text) };
    return [{ ...video, payload: insertNalIntoAvcTag(video.payload, buildSeiNal(Buffer.from(text))) }, data];
  }
}
