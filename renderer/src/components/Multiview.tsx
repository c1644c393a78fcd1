/**
 * First every program's output (its layout on air at its own shape, with its name and size; a
 * click selects its tab), then every source as a tile with its label, state and tally (red = on
 * the selected program, green = on its preview).
 * A click puts the source into the preview layout or takes it out; the star makes it the main one.
 * The picture is the source's tile in the engine's monitor mosaic (live video) when there is one,
 * else a colour swatch.
 */
import type { EngineState } from '../../../shared/protocol.ts';
import { makeMain, previewLayout, programLayout, selectProgram, sourcesOnAir, toggleInPreview } from '../store/actions.ts';
import { programsOf, selectedProgramId } from '../store/programs.ts';
import { useCutline } from '../store/store.ts';
import { mosaicTileRect } from '../../../shared/monitorMosaic.ts';
import { StateBadge, sourceSwatch } from './common.tsx';
import { LayoutPicture } from './Monitors.tsx';
import { MosaicVideo, useMosaicStream } from './MosaicVideo.tsx';

export function tallyOf(engine: EngineState, id: string): { program: boolean; preview: boolean } {
  return {
    program: sourcesOnAir(programLayout(engine)).includes(id),
    preview: sourcesOnAir(previewLayout(engine)).includes(id),
  };
}

/** Every program's output, named: what each cut carries now. */
export function ProgramOutputs({ engine }: { engine: EngineState }) {
  const selected = useCutline(selectedProgramId);
  const programs = programsOf(engine);
  return (
    <section className="program-outputs" aria-label="Program outputs">
      {programs.map((p) => (
        <button
          key={p.id}
          type="button"
          className={`program-output${p.id === selected ? ' selected' : ''}`}
          data-program-output={p.id}
          title={`${p.name} (${p.output.width}×${p.output.height}) on air: select its tab`}
          onClick={() => void selectProgram(p.id)}
        >
          <LayoutPicture layout={p.layout} engine={engine} size={p.output} small />
          <span className="program-output-name">
            <span>{p.name}</span>
            <span className="program-tab-size">
              {p.output.width}×{p.output.height}
            </span>
          </span>
        </button>
      ))}
    </section>
  );
}

export function Multiview() {
  const engine = useCutline((s) => s.engine);
  // Tallies are the open program's: re-render when another is chosen.
  useCutline(selectedProgramId);
  const mosaic = useMosaicStream();
  if (!engine) return null;
  const preview = previewLayout(engine);
  return (
    <section className="multiview" aria-label="Multiview">
      {(engine.programs?.length ?? 1) > 1 ? <ProgramOutputs engine={engine} /> : null}
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
