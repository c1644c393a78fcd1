/**
 * Every source as a tile with its label, state and tally (red = on program, green = on preview).
 * A click puts the source into the preview layout or takes it out; the star makes it the main one.
 * The picture is the source's tile in the engine's monitor mosaic (live video) when there is one,
 * else a colour swatch.
 */
import type { EngineState } from '../../../shared/protocol.ts';
import { makeMain, previewLayout, sourcesOnAir, toggleInPreview } from '../store/actions.ts';
import { useCutline } from '../store/store.ts';
import { mosaicTileRect } from '../../../shared/monitorMosaic.ts';
import { StateBadge, sourceSwatch } from './common.tsx';
import { MosaicVideo, useMosaicStream } from './MosaicVideo.tsx';

export function tallyOf(engine: EngineState, id: string): { program: boolean; preview: boolean } {
  return {
    program: sourcesOnAir(engine.show.layout).includes(id),
    preview: sourcesOnAir(previewLayout(engine)).includes(id),
  };
}

export function Multiview() {
  const engine = useCutline((s) => s.engine);
  const mosaic = useMosaicStream();
  if (!engine) return null;
  const preview = previewLayout(engine);
  return (
    <section className="multiview" aria-label="Multiview">
      {engine.show.sources.length === 0 ? <div className="multiview-empty">No sources yet: add one in the Sources panel.</div> : null}
      {engine.show.sources.map((spec, index) => {
        const status = engine.sources.find((s) => s.id === spec.id);
        const tally = tallyOf(engine, spec.id);
        const main = preview.preset !== 'custom' && preview.sources[0] === spec.id;
        const label = status?.label ?? spec.label ?? spec.id;
        return (
          <div
            key={spec.id}
            className={`tile${tally.program ? ' tally-program' : ''}${tally.preview ? ' tally-preview' : ''}`}
            data-source={spec.id}
            data-tally={tally.program ? 'program' : tally.preview ? 'preview' : 'none'}
          >
            <button
              type="button"
              className="tile-picture"
              style={{ background: sourceSwatch(spec, spec.id, 24).fill }}
              onClick={() => void toggleInPreview(spec.id)}
              title={tally.preview ? `Take ${label} out of preview` : `Add ${label} to preview`}
              aria-label={`${label}: ${tally.preview ? 'remove from' : 'add to'} preview`}
              aria-pressed={tally.preview}
            >
              <MosaicVideo name={`tile-${spec.id}`} stream={mosaic} region={mosaicTileRect(index)} />
              {index < 9 ? <span className="tile-key">{index + 1}</span> : null}
              {tally.program ? <span className="tally-tag tally-tag-program">PGM</span> : null}
              {tally.preview ? <span className="tally-tag tally-tag-preview">PVW</span> : null}
            </button>
            <div className="tile-foot">
              <span className="tile-label" title={label}>
                {label}
              </span>
              <StateBadge state={status?.state ?? 'connecting'} />
              <button
                type="button"
                className={`icon star${main ? ' star-on' : ''}`}
                title={`Make ${label} the main source (spotlight, solo, PiP background)`}
                aria-label={`Spotlight ${label}`}
                aria-pressed={main}
                onClick={() => void makeMain(spec.id)}
              >
                ★
              </button>
            </div>
          </div>
        );
      })}
    </section>
  );
}
