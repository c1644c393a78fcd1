/** Program health at a glance: frame rate, late frames, encoder (hardware or not), CPU, uptime, shared objects offline. */
import { formatUptime } from '../destinations/presets.ts';
import { useCutline } from '../store/store.ts';

export function StatusBar() {
  const program = useCutline((s) => s.engine?.program);
  const ffmpeg = useCutline((s) => s.engine?.ffmpeg);
  const connection = useCutline((s) => s.connection);
  const objects = useCutline((s) => s.engine?.objects);
  return (
    <footer className="statusbar">
      {connection.state !== 'open' || connection.message ? <span className="status-connection">{connection.message ?? 'Connecting to the engine…'}</span> : null}
      {program ? (
        <>
          <span className={program.running ? 'ok' : 'warn'} data-stat="program">
            Program {program.running ? 'running' : 'stopped'} · {program.width}×{program.height}
          </span>
          <span data-stat="fps" className={program.running && program.measuredFps < program.fps * 0.95 ? 'warn' : ''}>
            {program.measuredFps.toFixed(1)} / {program.fps} fps
          </span>
          <span data-stat="late" className={program.lateFrames > 0 ? 'warn' : ''}>
            {program.lateFrames} late
          </span>
          <span data-stat="dropped" className={program.droppedFrames > 0 ? 'warn' : ''} title="frames not encoded because the machine could not keep up">
            {program.droppedFrames ?? 0} dropped
          </span>
          <span data-stat="encoder" title={program.encoder.reason}>
            {program.encoder.name} ({program.encoder.hardware ? 'hardware' : 'software'})
            {program.encoderRestarts > 0 ? ` · ${program.encoderRestarts} restarts` : ''}
          </span>
          <span data-stat="cpu" className={program.cpuPercent > 85 ? 'warn' : ''}>
            CPU {Math.round(program.cpuPercent ?? 0)}%
          </span>
          <span>up {formatUptime(program.uptimeS)}</span>
        </>
      ) : null}
      {objects && !objects.online ? (
        <span className="warn" data-stat="objects" title={objects.message}>
          objects offline
        </span>
      ) : null}
      <span className="spacer" />
      {ffmpeg ? <span className="muted">ffmpeg {ffmpeg.version}</span> : null}
    </footer>
  );
}
