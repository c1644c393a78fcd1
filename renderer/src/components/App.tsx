/**
 * The producer's desk: one window laid out for 1366×768 and up. The program tabs, monitors,
 * layouts, multiview and mixer always stay; the right column has tabs (show, graphics, interaction, settings, health).
 */
import { useHotkeys } from '../hooks/useHotkeys.ts';
import { ConfirmDialog, Toasts } from './common.tsx';
import { DestinationsPanel } from './DestinationsPanel.tsx';
import { GraphicsPanel } from './GraphicsPanel.tsx';
import { HealthPanel } from './HealthPanel.tsx';
import { InteractionPanel } from './InteractionPanel.tsx';
import { LayoutBar } from './LayoutBar.tsx';
import { Mixer } from './Mixer.tsx';
import { Monitors } from './Monitors.tsx';
import { Multiview } from './Multiview.tsx';
import { ProgramTabs } from './ProgramTabs.tsx';
import { SettingsPanel } from './SettingsPanel.tsx';
import { SideTabs } from './SideTabs.tsx';
import { SourcesPanel } from './SourcesPanel.tsx';
import { StatusBar } from './StatusBar.tsx';
import { TopBar } from './TopBar.tsx';

export function App() {
  useHotkeys();
  return (
    <div className="app">
      <TopBar />
      <main className="desk">
        <div className="desk-main">
          <ProgramTabs />
          <Monitors />
          <LayoutBar />
          <Multiview />
          <Mixer />
        </div>
        <aside className="desk-side">
          <SideTabs
            panels={{
              show: (
                <>
                  <DestinationsPanel />
                  <SourcesPanel />
                </>
              ),
              graphics: <GraphicsPanel />,
              interaction: <InteractionPanel />,
              settings: <SettingsPanel />,
              health: <HealthPanel />,
            }}
          />
        </aside>
      </main>
      <StatusBar />
      <Toasts />
      <ConfirmDialog />
    </div>
  );
}
