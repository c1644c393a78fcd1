/**
 * Hardware decoding and scaling for source decoders. A decoder turns any source into raw yuv420p
 * frames of exactly the tile size; with a working hwaccel the decode and the expensive resize
 * happen on the GPU, and only the small, already-scaled frame is downloaded.
 *
 * Every chain ends the same way, in system memory: pad (fit) or crop (fill) to exactly
 * width × height, `setsar=1`, `format=yuv420p`. The resize itself is computed so that pad/crop only
 * ever add or remove borders: fit scales to an even size ≤ the target, fill to an even size ≥ it,
 * so the output is exactly width × height × 1.5 bytes per frame whatever the source size, aspect
 * ratio or sample aspect ratio (anamorphic sources are resized by their display aspect).
 *
 * If a hardware decoder cannot handle a stream (codec or bit depth it does not support), ffmpeg
 * either falls back to software frames, which the GPU filters then reject, or fails; either way the
 * process exits with an error, and the caller should restart that source with 'none'. 10-bit
 * sources download as p010, which `hwdownload,format=nv12` rejects: same remedy.
 */

export type HwAccel = 'cuda' | 'qsv' | 'vaapi' | 'videotoolbox' | 'd3d11va' | 'none';

export interface DecodeScale {
  width: number;
  height: number;
  fit: 'fit' | 'fill';
}

export interface CropFractions {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Hardware accelerations in order of preference when the choice is automatic. */
export const HWACCEL_PREFERENCE: Exclude<HwAccel, 'none'>[] = ['cuda', 'qsv', 'vaapi', 'videotoolbox', 'd3d11va'];

/** input-side args placed before -i (e.g. -hwaccel cuda -hwaccel_output_format cuda) */
export function hwaccelInputArgs(accel: HwAccel, opts?: { vaapiDevice?: string }): string[] {
  switch (accel) {
    case 'none':
      return [];
    case 'cuda':
      return ['-hwaccel', 'cuda', '-hwaccel_output_format', 'cuda'];
    case 'qsv':
      return ['-hwaccel', 'qsv', '-hwaccel_output_format', 'qsv'];
    case 'vaapi':
      return [
        '-hwaccel',
        'vaapi',
        ...(opts?.vaapiDevice ? ['-hwaccel_device', opts.vaapiDevice] : []),
        '-hwaccel_output_format',
        'vaapi',
      ];
    case 'videotoolbox':
      // Keep frames on the GPU so the chain's hwdownload is the only copy (and fails loudly if the
      // decoder fell back to software).
      return ['-hwaccel', 'videotoolbox', '-hwaccel_output_format', 'videotoolbox_vld'];
    case 'd3d11va':
      return ['-hwaccel', 'd3d11va', '-hwaccel_output_format', 'd3d11'];
    default: {
      const never: never = accel;
      throw new Error(`unknown hwaccel ${String(never)}`);
    }
  }
}

/** A number as a short, exact-enough decimal for an ffmpeg expression. */
function num(n: number): string {
  return String(Number(n.toFixed(6)));
}

function checkScale(scale: DecodeScale): void {
  const { width, height } = scale;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 2 || height < 2) {
    throw new RangeError(`decode size must be whole pixels ≥ 2, got ${width}x${height}`);
  }
  if (width % 2 !== 0 || height % 2 !== 0) {
    // yuv420p needs even sizes; rounding silently would hand the caller frames of another size.
    throw new RangeError(`decode size must be even (yuv420p), got ${width}x${height}`);
  }
}

function checkCrop(crop: CropFractions): void {
  const ok =
    crop.x >= 0 &&
    crop.y >= 0 &&
    crop.width > 0 &&
    crop.height > 0 &&
    crop.x + crop.width <= 1 + 1e-9 &&
    crop.y + crop.height <= 1 + 1e-9;
  if (!ok) throw new RangeError('crop must be fractions of the frame: 0 ≤ x, y; 0 < width, height; x + width ≤ 1; y + height ≤ 1');
}

function isFullFrame(crop: CropFractions | undefined): boolean {
  return !crop || (crop.x === 0 && crop.y === 0 && crop.width === 1 && crop.height === 1);
}

/**
 * Width and height expressions that resize the whole input so that the region of interest
 * (the crop, or the whole frame) fits inside (fit) or covers (fill) the target, rounded to even
 * sizes: down for fit, up for fill. The small epsilon keeps floating-point noise
 * (e.g. 1279.9999999) from costing two pixels.
 */
function resizeExprs(scale: DecodeScale, crop: CropFractions | undefined): { w: string; h: string } {
  const cw = crop ? num(crop.width) : '1';
  const ch = crop ? num(crop.height) : '1';
  const regionW = cw === '1' ? '(iw*sar)' : `(${cw}*iw*sar)`;
  const regionH = ch === '1' ? 'ih' : `(${ch}*ih)`;
  const pick = scale.fit === 'fit' ? 'min' : 'max';
  const factor = `${pick}(${scale.width}/${regionW},${scale.height}/${regionH})`;
  if (scale.fit === 'fit') {
    return {
      w: `max(2,trunc(${factor}*iw*sar/2+0.0001)*2)`,
      h: `max(2,trunc(${factor}*ih/2+0.0001)*2)`,
    };
  }
  return {
    w: `max(2,ceil(${factor}*iw*sar/2-0.0001)*2)`,
    h: `max(2,ceil(${factor}*ih/2-0.0001)*2)`,
  };
}

/** Software crop of a region given in fractions of the current frame (chroma-aligned by ffmpeg). */
function cropFilter(crop: CropFractions): string {
  // +0.001 so that a product like 639.9999999 is not truncated to 638 (crop rounds down to even).
  return `crop=w='${num(crop.width)}*iw+0.001':h='${num(crop.height)}*ih+0.001':x='${num(crop.x)}*iw':y='${num(crop.y)}*ih'`;
}

/** pad or crop, centred, to exactly the target; then square pixels and yuv420p. */
function finish(scale: DecodeScale): string {
  const { width: W, height: H } = scale;
  const fitTo =
    scale.fit === 'fit'
      ? `pad=${W}:${H}:(ow-iw)/2:(oh-ih)/2:black`
      : `crop=${W}:${H}:(iw-${W})/2:(ih-${H})/2`;
  return `${fitTo},setsar=1,format=yuv420p`;
}

/**
 * a -vf chain that scales to exactly width x height (fit = letterbox with black pad, fill =
 * cover+crop), ending in system-memory yuv420p frames. Optional crop {x,y,width,height} in
 * fractions of the source frame is applied first.
 */
export function scaleFilter(accel: HwAccel, scale: DecodeScale, crop?: CropFractions): string {
  checkScale(scale);
  if (crop) checkCrop(crop);
  const region = isFullFrame(crop) ? undefined : crop;

  if (accel === 'none') {
    // Crop first (less to scale); the resize then sees the cropped frame as its whole input.
    const { w, h } = resizeExprs(scale, undefined);
    const parts = [
      ...(region ? [cropFilter(region)] : []),
      `scale=w='${w}':h='${h}':flags=bilinear`,
      finish(scale),
    ];
    return parts.join(',');
  }

  // GPU paths: resize the whole frame on the GPU by the factor the region needs, download, then cut
  // the region out of the (already small) frame in software. Cropping hardware frames is not
  // portable across ffmpeg versions; cropping after the resize is exact and cheap.
  const { w, h } = resizeExprs(scale, region);
  const download = 'hwdownload,format=nv12';
  let gpu: string[];
  switch (accel) {
    case 'cuda':
      gpu = [`scale_cuda=w='${w}':h='${h}'`, download];
      break;
    case 'vaapi':
      gpu = [`scale_vaapi=w='${w}':h='${h}':format=nv12`, download];
      break;
    case 'qsv':
      gpu = [`scale_qsv=w='${w}':h='${h}'`, download];
      break;
    case 'videotoolbox':
    case 'd3d11va':
      // No scaler that every ffmpeg build has (scale_vt is ffmpeg ≥ 7): download the decoded frame
      // and resize in software. The decode itself still runs on the GPU.
      return [download, ...(region ? [cropFilter(region)] : []), scaleFilter('none', scale)].join(',');
    default: {
      const never: never = accel;
      throw new Error(`unknown hwaccel ${String(never)}`);
    }
  }
  return [...gpu, ...(region ? [cropFilter(region)] : []), finish(scale)].join(',');
}
