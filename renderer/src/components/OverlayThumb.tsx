/**
 * A graphic's thumbnail: a small 16:9 frame with the overlay in its box (its place and size on the
 * program). The picture is the engine's (`overlay.thumbnail`, re-read on changes: thumbnails.ts);
 * until it arrives, the desk draws an approximation from the spec and the object it shows.
 */
import type { KvState, OverlayStatus, PollState } from '../../../shared/objects.ts';
import { useCutline } from '../store/store.ts';

export function OverlayThumb({ overlay: o }: { overlay: OverlayStatus }) {
  const spec = o.spec as OverlayStatus['spec'] & Record<string, unknown>;
  const object = useCutline((s) => (typeof spec.object === 'string' ? s.objects[spec.object] : undefined));
  const png = useCutline((s) => s.thumbnails[o.id]);
  const box = { left: `${spec.x * 100}%`, top: `${spec.y * 100}%`, width: `${spec.width * 100}%`, height: `${spec.height * 100}%` };
  const colors = { background: (spec.background as string | undefined) ?? 'transparent', color: (spec.color as string | undefined) ?? '#fff', borderColor: (spec.accent as string | undefined) ?? 'transparent' };
  let body: React.ReactNode = null;
  // The engine's own drawing when it sent one; until then (or from an older engine) the desk's.
  if (png)
    return (
      <span className="overlay-thumb" data-thumb={o.id} data-thumb-source="engine" aria-hidden="true">
        <img className="thumb-box thumb-png" src={png} alt="" style={{ ...box, opacity: o.visible || spec.onPreview ? 1 : 0.55 }} />
      </span>
    );
  switch (spec.kind) {
    case 'lowerThird':
      body = (
        <>
          <b>{spec.name}</b>
          <i>{spec.title}</i>
        </>
      );
      break;
    case 'text':
      body = <b>{spec.text}</b>;
      break;
    case 'image':
      body = spec.src.startsWith('data:image/') ? <img src={spec.src} alt="" /> : <i>{spec.src.split('/').pop()}</i>;
      break;
    case 'clock':
      body = <b>12:34</b>;
      break;
    case 'countdown':
      body = <b>{spec.label || '05:00'}</b>;
      break;
    case 'ticker':
      body = <i>{spec.items.join(' · ')}</i>;
      break;
    case 'poll': {
      const poll = object?.state as PollState | undefined;
      body = poll ? (
        <span className="thumb-bars">
          {poll.options.map((opt, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: an option is its position
            <span key={i} style={{ width: `${Math.max(4, opt.percent)}%` }} />
          ))}
        </span>
      ) : (
        <i>poll</i>
      );
      break;
    }
    case 'scoreboard': {
      const entries = (object?.state as KvState | undefined)?.entries ?? {};
      const keys = spec.keys ?? Object.keys(entries).slice(0, 8);
      body = keys.length ? keys.map((k) => <b key={k}>{`${k.toUpperCase()} ${String(entries[k] ?? '–')}`}</b>) : <i>score</i>;
      break;
    }
    default:
      body = <i>{spec.kind}</i>;
  }
  return (
    <span className="overlay-thumb" data-thumb={o.id} aria-hidden="true">
      <span className={`thumb-box thumb-${spec.kind}`} style={{ ...box, ...colors, opacity: o.visible || spec.onPreview ? 1 : 0.45 }}>
        {body}
      </span>
    </span>
  );
}
