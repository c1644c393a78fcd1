/**
 * The engine's event hub: every event (past tense, shared/protocol.ts EventPayloads) goes out
 * through here to whoever listens — protocol sessions, the CLI, tests. A listener that throws is
 * logged and the others still get the event, so one broken subscriber cannot stop the show.
 */
import type { EventMessage, EventName, EventPayloads } from '../../shared/protocol.ts';

export type EventListener = (message: EventMessage) => void;

export class EventHub {
  private readonly listeners = new Set<EventListener>();

  constructor(private readonly log: (line: string) => void) {}

  onAnyEvent(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit<N extends EventName>(event: N, data: EventPayloads[N]): void {
    const message = { type: 'event', event, data } as EventMessage;
    for (const listener of [...this.listeners]) {
      try {
        listener(message);
      } catch (error) {
        this.log(`event listener failed: ${(error as Error).message}`);
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}
