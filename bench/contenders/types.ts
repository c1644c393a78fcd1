/** What every contender is given (the same work) and what it reports. */

export interface Work {
  /** Output canvas; the 4 inputs have this size too and are shown at half size in a 2×2 grid. */
  width: number;
  height: number;
  fps: number;
  seconds: number;
  videoBitrateKbps: number;
  audioBitrateKbps: number;
  keyframeIntervalS: number;
  /** Four H.264 + AAC files, each `seconds` long (see lib/inputs.ts). */
  inputs: string[];
  /** Scratch folder for outputs. */
  dir: string;
  /**
   * A second program at this size (the "2 programs" case): cam1 alone, cropped to fill (a
   * vertical cut), from the same decoded inputs, with the same audio mix, encoded separately.
   */
  vertical?: { width: number; height: number; videoBitrateKbps: number };
}

export interface ProcessCost {
  name: string;
  cpuS: number;
  sysS: number;
  peakRssMb: number;
}

export interface Result {
  contender: string;
  /** Seconds of program produced in the measured window (output video frames / fps). */
  outputS: number;
  /** CPU-seconds (user + sys, every process of the contender) in the measured window. */
  cpuS: number;
  sysS: number;
  /** Largest sum of RSS over the contender's processes, MB. */
  peakRssMb: number;
  /** Busy CPU-seconds of everything else on the machine during the window (others' tests, …). */
  othersCpuS: number;
  /** Per process (engine only: Node, each decoder, the encoder). */
  processes?: ProcessCost[];
  engine?: EngineExtras;
  note?: string;
  wallS?: number;
}

export interface EngineExtras {
  /** Encoder.latencies as the engine records it: canvas written → FLV video tag out, ms. */
  encoderLatencyMs: { p50: number; p90: number; p99: number; n: number };
  /** The same measured by the bench with frame 0's timestamp as origin (see engineChild.ts). */
  canvasToTagMs?: { p50: number; p90: number; p99: number; n: number };
  /** A source frame's arrival in Node → the FLV video tag of the first output frame showing it. */
  addedLatencyMs: { p50: number; p90: number; p99: number; n: number };
  /** Of which: arrival → the tick that composes it (waiting for the clock). */
  clockWaitMs: { p50: number; p90: number; p99: number };
  framesOut: number;
  lateFrames: number;
  maxTickLateMs: number;
  /** CPU of the engine start-up (ffmpeg probe, source probes) before the window, CPU-s. */
  startupCpuS: number;
  nodeCpuShare: number;
}

export const cpuPerOutputS = (r: Result): number => r.cpuS / r.outputS;
