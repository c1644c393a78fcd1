/**
 * The preview monitor and the multiview tiles are cut out of ONE video: the engine's monitor
 * mosaic (`/whep/monitors`, shared/monitorMosaic.ts), so watching them costs the engine one small
 * encode and the browser one decode. `useMosaicStream` shares that WHEP session between every
 * component that shows a part of it; `<MosaicVideo>` shows one rectangle of it, scaled to fill
 * its parent (the mosaic video is simply positioned and clipped: no per-frame script).
 */
import { useEffect, useState } from 'react';
import { MOSAIC_HEIGHT, MOSAIC_WIDTH, type MosaicRect } from '../../../shared/monitorMosaic.ts';
import { engineHttpBase, WhepMonitor } from '../client/WhepMonitor.ts';
import { query } from '../store/actions.ts';
import { useCutline } from '../store/store.ts';

type Listener = (stream: MediaStream | null) => void;

const shared = {
  listeners: new Set<Listener>(),
  stream: null as MediaStream | null,
  monitor: undefined as WhepMonitor | undefined,
  opening: false,
  closeTimer: undefined as ReturnType<typeof setTimeout> | undefined,
};

function publish(stream: MediaStream | null): void {
  shared.stream = stream;
  for (const l of shared.listeners) l(stream);
}

/**
 * Whether the current show serves the program over WHEP. When a loaded show turned it off, the
 * engine refuses every request there (DELETE too), so a closing monitor just hangs up.
 */
export function programWhepOn(): boolean {
  return Boolean(useCutline.getState().engine?.show.webrtc?.programToken);
}

/** `base` is the engine's HTTP address when the page knows it (web mode); the desktop app learns it from `program.monitor`. */
function acquire(base: string | undefined, listener: Listener): () => void {
  shared.listeners.add(listener);
  clearTimeout(shared.closeTimer);
  listener(shared.stream);
  if (!shared.monitor && !shared.opening) {
    shared.opening = true;
    query('program.monitor', {})
      .then((result) => {
        const { token, monitors, baseUrl } = result;
        const origin = base ?? baseUrl;
        if (origin && shared.listeners.size > 0 && !shared.monitor)
          shared.monitor = new WhepMonitor(`${origin}${monitors?.whepPath ?? '/whep/monitors'}`, token, publish, undefined, false);
      })
      .catch(() => {})
      .finally(() => {
        shared.opening = false;
      });
  }
  return () => {
    shared.listeners.delete(listener);
    if (shared.listeners.size > 0) return;
    // A re-render that unmounts and mounts again keeps the session; leaving the page ends it.
    shared.closeTimer = setTimeout(() => {
      if (shared.listeners.size > 0) return;
      shared.monitor?.close({ leave: programWhepOn() });
      shared.monitor = undefined;
      shared.stream = null;
    }, 1000);
  };
}

/** The monitor mosaic stream, or null (no webrtc.programToken, desktop app, not yet connected). */
export function useMosaicStream(wanted = true): MediaStream | null {
  const enabled = useCutline((s) => wanted && Boolean(s.engine?.show.webrtc?.programToken));
  const [stream, setStream] = useState<MediaStream | null>(null);
  useEffect(() => {
    const desktop = Boolean(window.cutline);
    const base = engineHttpBase(window.location, desktop);
    if (!enabled || (!base && !desktop) || typeof RTCPeerConnection === 'undefined') return;
    const release = acquire(base, setStream);
    return () => {
      release();
      setStream(null);
    };
  }, [enabled]);
  return stream;
}

/** One rectangle of the mosaic, filling its (positioned) parent. */
export function MosaicVideo({ stream, region, name }: { stream: MediaStream | null; region: MosaicRect | undefined; name: string }) {
  if (!stream || !region) return null;
  return (
    <div className="mosaic-crop" data-mosaic-video={name}>
      <video
        autoPlay
        muted
        playsInline
        data-region={`${region.x},${region.y},${region.width},${region.height}`}
        style={{
          left: `${(-region.x / region.width) * 100}%`,
          top: `${(-region.y / region.height) * 100}%`,
          width: `${(MOSAIC_WIDTH / region.width) * 100}%`,
          height: `${(MOSAIC_HEIGHT / region.height) * 100}%`,
        }}
        ref={(el) => {
          if (el && el.srcObject !== stream) el.srcObject = stream;
        }}
      />
    </div>
  );
}
