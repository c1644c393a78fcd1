/**
 * Audience interaction: polls and trivia, chat moderation and "show on screen", auctions, betting
 * markets, and the links (objects tokens, the viewer page) handed to the audience. Shared objects
 * live in the engine (SharedObjectStore); the desk creates the one it needs on first use, sends
 * operations as the producer, and follows `object.changed`.
 */
import type { BlockedClient, IssuedObjectToken, ObjectTokenInfo, ObjectType, OverlayInput } from '../../../shared/objects.ts';
import type { CommandInput } from '../client/EngineClient.ts';
import { askConfirm, type CommandOutcome, query, runCommand } from './actions.ts';
import { runForField, setFieldError } from './fieldErrors.ts';
import { useCutline } from './store.ts';

/** The object each part of the panel works on when the show has none of that type yet. */
export const DEFAULT_OBJECT_IDS: Record<'poll' | 'chat' | 'auction' | 'bets' | 'kv', string> = { poll: 'poll', chat: 'chat', auction: 'auction', bets: 'bets', kv: 'score' };

/** The id of the first object of this type, or the default one (created on first use). */
export function objectIdFor(type: keyof typeof DEFAULT_OBJECT_IDS): string {
  const found = Object.values(useCutline.getState().objects).find((o) => o.type === type);
  return found?.id ?? DEFAULT_OBJECT_IDS[type];
}

export async function ensureObject(id: string, type: ObjectType): Promise<CommandOutcome> {
  const existing = useCutline.getState().objects[id];
  if (existing) return { ok: true, result: existing };
  const outcome = await runCommand('object.create', { id, type } as CommandInput<'object.create'>);
  if (outcome.ok) useCutline.setState((s) => ({ objects: { ...s.objects, [id]: outcome.result as never } }));
  return outcome;
}

/** One operation as the producer; `field` keeps the engine's message next to the form that sent it. */
export async function objectOp(field: string, id: string, type: ObjectType, op: string, args: Record<string, unknown> = {}): Promise<CommandOutcome> {
  const created = await ensureObject(id, type);
  if (!created.ok) {
    setFieldError(field, created.message);
    return created;
  }
  return runForField(field, 'object.op', { id, op, args });
}

// ---- polls and trivia ---------------------------------------------------------------------------

export interface PollDraft {
  question: string;
  options: string[];
  /** Trivia: index of the right answer. */
  correct?: number;
  /** The desk closes the poll after this many seconds (the engine has no poll timer). */
  timerS?: number;
}

const pollTimers = new Map<string, ReturnType<typeof setTimeout>>();

export async function openPoll(id: string, draft: PollDraft): Promise<CommandOutcome> {
  const args: Record<string, unknown> = { question: draft.question, options: draft.options };
  if (draft.correct !== undefined) args.correct = draft.correct;
  const outcome = await objectOp('poll', id, 'poll', 'open', args);
  clearTimeout(pollTimers.get(id));
  pollTimers.delete(id);
  if (outcome.ok && draft.timerS && draft.timerS > 0) {
    pollTimers.set(
      id,
      setTimeout(() => {
        pollTimers.delete(id);
        const state = useCutline.getState().objects[id]?.state as { status?: string } | undefined;
        if (state?.status === 'open') void objectOp('poll', id, 'poll', 'close');
      }, draft.timerS * 1000),
    );
  }
  return outcome;
}

export function pollTimerRunning(id: string): boolean {
  return pollTimers.has(id);
}

// ---- on screen: data overlays and the chat card ------------------------------------------------

/** The overlay that shows an object: `<object id>-onair`, created on first use, shown with its fade. */
export function dataOverlayId(objectId: string): string {
  return `${objectId}-onair`.slice(0, 64);
}

export async function showObjectOnScreen(objectId: string, kind: 'poll' | 'auction' | 'bets' | 'chat' | 'scoreboard', extra: Record<string, unknown> = {}): Promise<CommandOutcome> {
  const id = dataOverlayId(objectId);
  const exists = useCutline.getState().overlays.some((o) => o.id === id);
  if (exists) return runForField(`onair.${objectId}`, 'overlay.update', { id, visible: true, onPreview: false, ...extra } as CommandInput<'overlay.update'>);
  return runForField(`onair.${objectId}`, 'overlay.add', { id, kind, object: objectId, visible: true, ...extra } as OverlayInput as CommandInput<'overlay.add'>);
}

export function hideObjectOnScreen(objectId: string): Promise<CommandOutcome> {
  return runForField(`onair.${objectId}`, 'overlay.hide', { id: dataOverlayId(objectId) });
}

/** The chat message on air: one lower-third style card, `chat-message-onair`. */
export const CHAT_CARD_ID = 'chat-message-onair';
/** A lower third's title holds 120 characters (shared/objects.ts); longer messages are cut with "…". */
const CARD_TITLE_MAX = 120;

/** The card's name and title for a message (what `overlay.update` sends and what identifies it on air). */
export function chatCard(message: { author: string; text: string }): { name: string; title: string } {
  const title = message.text.length > CARD_TITLE_MAX ? `${message.text.slice(0, CARD_TITLE_MAX - 1)}…` : message.text;
  return { name: message.author.slice(0, 80), title };
}

export async function showChatMessage(message: { seq: number; author: string; text: string }): Promise<CommandOutcome> {
  const { name, title } = chatCard(message);
  const exists = useCutline.getState().overlays.some((o) => o.id === CHAT_CARD_ID);
  const outcome = exists
    ? await runForField('chat.card', 'overlay.update', { id: CHAT_CARD_ID, name, title, visible: true, onPreview: false } as CommandInput<'overlay.update'>)
    : await runForField('chat.card', 'overlay.add', { id: CHAT_CARD_ID, kind: 'lowerThird', name, title, visible: true, y: 0.7, accent: '#3d8bfd' } as CommandInput<'overlay.add'>);
  return outcome;
}

export function hideChatMessage(): Promise<CommandOutcome> {
  return runForField('chat.card', 'overlay.hide', { id: CHAT_CARD_ID });
}

/**
 * The message the card shows while it is on air, read from the card itself (so every desk, and a
 * reloaded one, agrees): the newest message whose author and text make the card's name and title.
 */
export function chatMessageOnAir<M extends { seq: number; author: string; text: string }>(card: { visible: boolean; spec: unknown } | undefined, messages: M[]): M | undefined {
  if (!card?.visible) return undefined;
  const spec = card.spec as { name?: string; title?: string };
  for (let i = messages.length - 1; i >= 0; i--) {
    const c = chatCard(messages[i]);
    if (c.name === spec.name && c.title === spec.title) return messages[i];
  }
  return undefined;
}

export async function clearChat(id: string): Promise<CommandOutcome | undefined> {
  const ok = await askConfirm({ title: 'Clear the chat?', message: 'Every message is removed, for everyone.', confirmLabel: 'Clear' });
  if (!ok) return undefined;
  return objectOp('chat', id, 'chat', 'clear');
}

// ---- moderation: blocking a client on the objects socket ------------------------------------------

/** Blocks whoever posted a message (its `from`): their socket closes and every later request is refused. */
export async function blockAuthor(message: { author: string; from?: string }, reason = 'breaking the chat rules'): Promise<CommandOutcome | undefined> {
  if (!message.from) return undefined;
  const ok = await askConfirm({
    title: `Block ${message.author}?`,
    message: `Their connection closes now, and they can no longer post, vote, bid or bet from it; they are told "blocked by the producer: ${reason}". Unblock them in the Links tab.`,
    confirmLabel: 'Block',
  });
  if (!ok) return undefined;
  const outcome = await runForField('chat', 'object.blockClient', { clientId: message.from, reason });
  await refreshBlocked();
  return outcome;
}

export async function unblock(entry: BlockedClient): Promise<CommandOutcome> {
  const outcome = await runForField('tokens', 'object.unblockClient', entry.clientId !== undefined ? { clientId: entry.clientId } : { tokenId: entry.tokenId });
  await refreshBlocked();
  return outcome;
}

export async function refreshBlocked(): Promise<void> {
  try {
    const blocked = (await query('object.listBlocked', {})) as BlockedClient[];
    useCutline.setState({ blocked: Array.isArray(blocked) ? blocked : [] });
  } catch {
    // Quiet in the background, like the token list.
  }
}

// ---- audience links (objects tokens, the viewer page) ----------------------------------------------

export async function refreshTokens(): Promise<void> {
  try {
    const tokens = (await query('object.listTokens', {})) as ObjectTokenInfo[];
    useCutline.setState({ tokens: Array.isArray(tokens) ? tokens : [] });
  } catch {
    // Shown when the producer acts; a background poll stays quiet.
  }
}

export async function issueToken(role: 'viewer' | 'guest', label: string): Promise<IssuedObjectToken | undefined> {
  const params: CommandInput<'object.issueToken'> = label.trim() ? { role, label: label.trim() } : { role };
  const outcome = await runForField('tokens', 'object.issueToken', params);
  if (!outcome.ok) return undefined;
  await refreshTokens();
  return outcome.result as IssuedObjectToken;
}

export async function revokeToken(token: ObjectTokenInfo): Promise<CommandOutcome | undefined> {
  const name = token.label ?? token.id;
  const ok = await askConfirm({
    title: `Revoke ${name}?`,
    message: `${token.connections} open connection${token.connections === 1 ? '' : 's'} close${token.connections === 1 ? 's' : ''} now and the link stops working (401).`,
    confirmLabel: 'Revoke',
  });
  if (!ok) return undefined;
  const outcome = await runForField('tokens', 'object.revokeToken', { id: token.id });
  await refreshTokens();
  return outcome;
}

/** The `/viewer` page link: the program over WHEP with the data drawn from the video (docs/WEBRTC.md). */
export async function viewerLink(origin: string): Promise<{ url: string } | { message: string }> {
  try {
    const monitor = (await query('program.monitor', {})) as { token: string; baseUrl?: string };
    const base = (monitor.baseUrl ?? origin).replace(/\/+$/, '');
    return { url: `${base}/viewer#token=${encodeURIComponent(monitor.token)}` };
  } catch (error) {
    return { message: (error as Error).message };
  }
}
