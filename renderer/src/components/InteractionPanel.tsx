/**
 * Audience interaction, one tab each: polls and trivia (live bars, results on screen), chat
 * (newest first, remove, clear, "show on screen"), auction and betting markets, and the audience
 * links (objects tokens with connection counts, the viewer page). Everything is a shared object
 * in the engine; the desk sends operations as the producer and shows the engine's messages.
 */
import { useEffect, useState } from 'react';
import type { AuctionState, BetsState, ChatState, IssuedObjectToken, KvState, ObjectSnapshot, PollState } from '../../../shared/objects.ts';
import {
  blockAuthor,
  CHAT_CARD_ID,
  chatMessageOnAir,
  clearChat,
  dataOverlayId,
  hideChatMessage,
  hideObjectOnScreen,
  issueToken,
  objectIdFor,
  objectOp,
  openPoll,
  refreshBlocked,
  refreshTokens,
  revokeToken,
  showChatMessage,
  showObjectOnScreen,
  unblock,
  viewerLink,
} from '../store/interaction.ts';
import { useCutline } from '../store/store.ts';
import { FieldError } from './common.tsx';

type Tab = 'poll' | 'chat' | 'auction' | 'bets' | 'score' | 'links';
const TABS: { id: Tab; label: string }[] = [
  { id: 'poll', label: 'Poll' },
  { id: 'chat', label: 'Chat' },
  { id: 'auction', label: 'Auction' },
  { id: 'bets', label: 'Bets' },
  { id: 'score', label: 'Score' },
  { id: 'links', label: 'Links' },
];

export function InteractionPanel() {
  const [tab, setTab] = useState<Tab>('poll');
  return (
    <section className="panel interaction-panel" aria-label="Interaction">
      <div className="subtabs" role="tablist" aria-label="Interaction">
        {TABS.map((t) => (
          <button key={t.id} type="button" role="tab" aria-selected={tab === t.id} className={tab === t.id ? 'active' : undefined} onClick={() => setTab(t.id)}>
            {t.label}
          </button>
        ))}
      </div>
      <div className="subtab-body" role="tabpanel" aria-label={TABS.find((t) => t.id === tab)?.label}>
        {tab === 'poll' ? <PollTab /> : null}
        {tab === 'chat' ? <ChatTab /> : null}
        {tab === 'auction' ? <AuctionTab /> : null}
        {tab === 'bets' ? <BetsTab /> : null}
        {tab === 'score' ? <ScoreTab /> : null}
        {tab === 'links' ? <LinksTab /> : null}
      </div>
    </section>
  );
}

function useObject<S>(id: string): ObjectSnapshot & { state: S } | undefined {
  return useCutline((s) => s.objects[id]) as (ObjectSnapshot & { state: S }) | undefined;
}

function OnScreenButtons({ objectId, kind }: { objectId: string; kind: 'poll' | 'auction' | 'bets' | 'chat' | 'scoreboard' }) {
  const overlay = useCutline((s) => s.overlays.find((o) => o.id === dataOverlayId(objectId)));
  const error = useCutline((s) => s.fieldErrors[`onair.${objectId}`]);
  return (
    <>
      {overlay?.visible ? (
        <button type="button" className="small danger" onClick={() => void hideObjectOnScreen(objectId)}>
          Off screen
        </button>
      ) : (
        <button type="button" className="small onair" onClick={() => void showObjectOnScreen(objectId, kind)}>
          {kind === 'poll' ? 'Results on screen' : 'Show on screen'}
        </button>
      )}
      <FieldError message={error} />
    </>
  );
}

// ---- poll ---------------------------------------------------------------------------------------

function PollTab() {
  const id = useCutline(() => objectIdFor('poll'));
  const poll = useObject<PollState>(id);
  const error = useCutline((s) => s.fieldErrors.poll);
  const [question, setQuestion] = useState('');
  const [options, setOptions] = useState<string[]>(['', '']);
  const [trivia, setTrivia] = useState(false);
  const [correct, setCorrect] = useState(0);
  const [timerS, setTimerS] = useState('');
  const state = poll?.state;
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    void openPoll(id, { question, options: options.map((o) => o.trim()).filter((o, i) => o || i < 2), ...(trivia ? { correct } : {}), ...(timerS ? { timerS: Number(timerS) } : {}) });
  };
  return (
    <div className="interaction-tab">
      <form className="add-form" aria-label="New poll" onSubmit={submit}>
        <label className="wide">
          Question
          <input value={question} onChange={(e) => setQuestion(e.target.value)} />
        </label>
        {options.map((opt, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: options are edited in place by position
          <label key={i}>
            Option {i + 1}
            <span className="option-field">
              <input value={opt} aria-label={`Option ${i + 1}`} onChange={(e) => setOptions((o) => o.map((x, j) => (j === i ? e.target.value : x)))} />
              {options.length > 2 ? (
                <button type="button" className="icon" aria-label={`Remove option ${i + 1}`} onClick={() => setOptions((o) => o.filter((_, j) => j !== i))}>
                  ×
                </button>
              ) : null}
            </span>
          </label>
        ))}
        <div className="wide form-actions">
          <button type="button" className="small" disabled={options.length >= 10} onClick={() => setOptions((o) => [...o, ''])}>
            + Option
          </button>
          <label className="check">
            <input type="checkbox" checked={trivia} onChange={(e) => setTrivia(e.target.checked)} /> Trivia
          </label>
          {trivia ? (
            <label className="inline">
              Right answer
              <select value={correct} onChange={(e) => setCorrect(Number(e.target.value))}>
                {options.map((o, i) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: by position
                  <option key={i} value={i}>
                    {o || `Option ${i + 1}`}
                  </option>
                ))}
              </select>
            </label>
          ) : null}
          <label className="inline">
            Timer s
            <input className="short" type="number" min="0" value={timerS} placeholder="none" onChange={(e) => setTimerS(e.target.value)} />
          </label>
        </div>
        <FieldError message={error} />
        <div className="wide form-actions">
          <button type="submit" className="primary">
            Open poll
          </button>
        </div>
      </form>
      {state && state.status !== 'idle' ? (
        <div className="poll-live" data-poll-status={state.status}>
          <div className="row-main">
            <span className="row-title">{state.question}</span>
            <span className={`badge badge-${state.status === 'open' ? 'live' : 'stopped'}`}>{state.status}</span>
          </div>
          <ul className="bars" aria-label="Poll results">
            {state.options.map((opt, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: an option is its position (votes name it by index)
              <li key={i} className={state.correct === i ? 'correct' : undefined} data-option={i} data-votes={opt.votes}>
                <span className="bar-label">
                  {opt.text} {state.correct === i ? '✓' : ''}
                </span>
                <span className="bar">
                  <span className="bar-fill" style={{ width: `${opt.percent}%` }} />
                </span>
                <span className="bar-num">
                  {opt.votes} · {opt.percent}%
                </span>
              </li>
            ))}
          </ul>
          <div className="muted small">{state.total} votes</div>
          <div className="row-actions">
            <button type="button" className="small" disabled={state.status !== 'open'} onClick={() => void objectOp('poll', id, 'poll', 'close')}>
              Close
            </button>
            <button type="button" className="small" disabled={state.revealed} onClick={() => void objectOp('poll', id, 'poll', 'reveal')}>
              Reveal
            </button>
            <button type="button" className="small" onClick={() => void objectOp('poll', id, 'poll', 'reset')}>
              Reset
            </button>
            <OnScreenButtons objectId={id} kind="poll" />
          </div>
        </div>
      ) : (
        <p className="muted row">No poll running. Viewers vote over the objects socket (Links tab) or the viewer page.</p>
      )}
    </div>
  );
}

// ---- chat ---------------------------------------------------------------------------------------

function ChatTab() {
  const id = useCutline(() => objectIdFor('chat'));
  const chat = useObject<ChatState>(id);
  const error = useCutline((s) => s.fieldErrors.chat);
  const cardError = useCutline((s) => s.fieldErrors['chat.card']);
  const card = useCutline((s) => s.overlays.find((o) => o.id === CHAT_CARD_ID));
  const onAir = chatMessageOnAir(card, chat?.state.messages ?? []);
  const [text, setText] = useState('');
  const messages = chat ? [...chat.state.messages].reverse() : [];
  return (
    <div className="interaction-tab">
      <form
        className="chat-compose"
        aria-label="Post to chat"
        onSubmit={(e) => {
          e.preventDefault();
          void objectOp('chat', id, 'chat', 'post', { author: 'Producer', text }).then((o) => o.ok && setText(''));
        }}
      >
        <input value={text} aria-label="Message" placeholder={chat ? 'Write as the producer…' : 'Start the chat with a first message…'} onChange={(e) => setText(e.target.value)} />
        <button type="submit" className="small">
          Post
        </button>
        <button type="button" className="small danger" disabled={!chat || chat.state.messages.length === 0} onClick={() => void clearChat(id)}>
          Clear
        </button>
        {card?.visible ? (
          <button type="button" className="small danger" onClick={() => void hideChatMessage()}>
            Take off screen
          </button>
        ) : null}
      </form>
      <FieldError message={error} />
      <FieldError message={cardError} />
      <ul className="rows chat-rows" aria-label="Chat messages">
        {messages.map((m) => (
          <li key={m.seq} className={`row chat-row${onAir?.seq === m.seq ? ' on-air' : ''}`} data-seq={m.seq}>
            <div className="row-main">
              <span className="chat-author">{m.author}</span>
              <span className="muted small">{new Date(m.at).toLocaleTimeString()}</span>
              {onAir?.seq === m.seq ? <span className="badge badge-live">on air</span> : null}
            </div>
            <div className="chat-text">{m.text}</div>
            <div className="row-actions">
              {onAir?.seq === m.seq ? (
                <button type="button" className="small danger" onClick={() => void hideChatMessage()}>
                  Off screen
                </button>
              ) : (
                <button type="button" className="small onair" onClick={() => void showChatMessage(m)} aria-label={`Show on screen: ${m.author}`}>
                  Show on screen
                </button>
              )}
              <button type="button" className="small" onClick={() => void objectOp('chat', id, 'chat', 'remove', { seq: m.seq })} aria-label={`Remove message ${m.seq}`}>
                Remove
              </button>
              {m.from ? (
                <button type="button" className="small danger" onClick={() => void blockAuthor(m)} aria-label={`Block ${m.author}`} title={`Block ${m.from} on the objects socket`}>
                  Block
                </button>
              ) : null}
            </div>
          </li>
        ))}
        {messages.length === 0 ? <li className="muted row">No messages yet. Guests and viewers post over their objects socket.</li> : null}
      </ul>
    </div>
  );
}

// ---- auction ------------------------------------------------------------------------------------

function money(value: number, currency: string): string {
  return `${currency}${currency ? ' ' : ''}${value.toLocaleString()}`;
}

function AuctionTab() {
  const id = useCutline(() => objectIdFor('auction'));
  const auction = useObject<AuctionState>(id);
  const error = useCutline((s) => s.fieldErrors.auction);
  const [item, setItem] = useState('');
  const [start, setStart] = useState('10');
  const [step, setStep] = useState('1');
  const [minutes, setMinutes] = useState('');
  const a = auction?.state;
  return (
    <div className="interaction-tab">
      <form
        className="add-form"
        aria-label="Open auction"
        onSubmit={(e) => {
          e.preventDefault();
          void objectOp('auction', id, 'auction', 'open', {
            ...(item.trim() ? { item } : {}),
            startPrice: Number(start),
            minIncrement: Number(step),
            ...(minutes ? { durationMs: Math.round(Number(minutes) * 60_000) } : {}),
          });
        }}
      >
        <label className="wide">
          Item
          <input value={item} onChange={(e) => setItem(e.target.value)} />
        </label>
        <label>
          Start price
          <input type="number" step="any" value={start} onChange={(e) => setStart(e.target.value)} />
        </label>
        <label>
          Min increment
          <input type="number" step="any" value={step} onChange={(e) => setStep(e.target.value)} />
        </label>
        <label>
          Ends after (min)
          <input type="number" step="any" value={minutes} placeholder="at Close" onChange={(e) => setMinutes(e.target.value)} />
        </label>
        <div className="form-actions">
          <button type="submit" className="primary">
            Open auction
          </button>
        </div>
        <FieldError message={error} />
      </form>
      {a && a.status !== 'idle' ? (
        <div className="auction-live" data-auction-status={a.status}>
          <div className="row-main">
            <span className="row-title">{a.item || 'Auction'}</span>
            <span className={`badge badge-${a.status === 'open' ? 'live' : 'stopped'}`}>{a.status}</span>
          </div>
          <div className="big-number">{a.current ? `${money(a.current.amount, a.currency)} · ${a.current.bidder}` : `starts at ${money(a.startPrice, a.currency)}`}</div>
          <div className="muted small">
            {a.bidCount} bids{a.status === 'open' ? ` · next at least ${money(a.nextMinimum, a.currency)}` : ''}
            {a.winner ? ` · won by ${a.winner.bidder}` : ''}
          </div>
          <ul className="compact-list">
            {a.recentBids
              .slice()
              .reverse()
              .map((b) => (
                <li key={`${b.at}-${b.bidder}-${b.amount}`}>
                  {b.bidder} — {money(b.amount, a.currency)}
                </li>
              ))}
          </ul>
          <div className="row-actions">
            <button type="button" className="small" disabled={a.status !== 'open'} onClick={() => void objectOp('auction', id, 'auction', 'close')}>
              Close
            </button>
            <button type="button" className="small" onClick={() => void objectOp('auction', id, 'auction', 'reset')}>
              Reset
            </button>
            <OnScreenButtons objectId={id} kind="auction" />
          </div>
        </div>
      ) : null}
    </div>
  );
}

// ---- bets ---------------------------------------------------------------------------------------

/** "Home @ 1.8" per line → selections; ids from the names. */
export function parseSelections(text: string): { id: string; name: string; odds: number }[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line, i) => {
      const m = /^(.*?)\s*@\s*([0-9.]+)$/.exec(line);
      const name = (m ? m[1] : line).trim();
      const id = name.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 48) || `s${i + 1}`;
      return { id, name, odds: m ? Number(m[2]) : Number.NaN };
    });
}

function BetsTab() {
  const id = useCutline(() => objectIdFor('bets'));
  const bets = useObject<BetsState>(id);
  const error = useCutline((s) => s.fieldErrors.bets);
  const [market, setMarket] = useState('match');
  const [name, setName] = useState('');
  const [selections, setSelections] = useState('Home @ 1.8\nAway @ 2.2');
  const [winners, setWinners] = useState<Record<string, string>>({});
  const b = bets?.state;
  return (
    <div className="interaction-tab">
      <form
        className="add-form"
        aria-label="Open market"
        onSubmit={(e) => {
          e.preventDefault();
          void objectOp('bets', id, 'bets', 'openMarket', { market, ...(name.trim() ? { name } : {}), selections: parseSelections(selections) });
        }}
      >
        <label>
          Market id
          <input value={market} onChange={(e) => setMarket(e.target.value)} />
        </label>
        <label>
          Name
          <input value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label className="wide">
          Selections (one a line: name @ odds)
          <textarea rows={3} value={selections} onChange={(e) => setSelections(e.target.value)} />
        </label>
        <div className="wide form-actions">
          <button type="submit" className="primary">
            Open market
          </button>
        </div>
        <FieldError message={error} />
      </form>
      {b?.markets.map((m) => (
        <div key={m.id} className="market" data-market={m.id}>
          <div className="row-main">
            <span className="row-title">{m.name || m.id}</span>
            <span className={`badge badge-${m.status === 'open' ? 'live' : 'stopped'}`}>{m.status}</span>
            <span className="muted small">
              {m.bets} bets · {money(m.totalStake, b.currency)}
            </span>
          </div>
          <ul className="compact-list">
            {m.selections.map((s) => (
              <li key={s.id} className={m.winner === s.id ? 'correct' : undefined}>
                {s.name} @ {s.odds} — {money(s.stake, b.currency)} ({s.bets})
              </li>
            ))}
          </ul>
          <div className="row-actions">
            <button type="button" className="small" disabled={m.status !== 'open'} onClick={() => void objectOp('bets', id, 'bets', 'closeMarket', { market: m.id })}>
              Close
            </button>
            <select aria-label={`Winner of ${m.name || m.id}`} value={winners[m.id] ?? ''} disabled={m.status === 'settled'} onChange={(e) => setWinners((w) => ({ ...w, [m.id]: e.target.value }))}>
              <option value="">winner…</option>
              {m.selections.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
            <button type="button" className="small" disabled={m.status === 'settled' || !winners[m.id]} onClick={() => void objectOp('bets', id, 'bets', 'settleMarket', { market: m.id, winner: winners[m.id] })}>
              Settle
            </button>
          </div>
        </div>
      ))}
      {b && b.markets.length > 0 ? (
        <div className="row-actions">
          <OnScreenButtons objectId={id} kind="bets" />
        </div>
      ) : null}
    </div>
  );
}

// ---- score (a kv object shown as a scoreboard) --------------------------------------------------------

function ScoreTab() {
  const id = useCutline(() => objectIdFor('kv'));
  const kv = useObject<KvState>(id);
  const error = useCutline((s) => s.fieldErrors.score);
  const [key, setKey] = useState('');
  const entries = Object.entries(kv?.state.entries ?? {});
  const set = (k: string, value: unknown) => void objectOp('score', id, 'kv', 'set', { key: k, value });
  return (
    <div className="interaction-tab">
      <form
        className="chat-compose"
        aria-label="Add a score"
        onSubmit={(e) => {
          e.preventDefault();
          set(key.trim(), 0);
          setKey('');
        }}
      >
        <input value={key} aria-label="Team or player" placeholder="home, away, …" onChange={(e) => setKey(e.target.value)} />
        <button type="submit" className="small">
          Add
        </button>
      </form>
      <FieldError message={error} />
      <ul className="rows score-rows" aria-label="Scores">
        {entries.map(([k, value]) => (
          <li key={k} className="row" data-score={k}>
            <div className="row-main">
              <span className="row-title">{k}</span>
              <button type="button" className="small" aria-label={`${k} minus one`} onClick={() => set(k, (typeof value === 'number' ? value : 0) - 1)}>
                −1
              </button>
              <span className="big-number score-value">{String(value)}</span>
              <button type="button" className="small" aria-label={`${k} plus one`} onClick={() => set(k, (typeof value === 'number' ? value : 0) + 1)}>
                +1
              </button>
              <button type="button" className="icon" aria-label={`Remove ${k}`} onClick={() => void objectOp('score', id, 'kv', 'delete', { key: k })}>
                ×
              </button>
            </div>
          </li>
        ))}
        {entries.length === 0 ? <li className="muted row">No scores yet: add the teams or players.</li> : null}
      </ul>
      {entries.length > 0 ? (
        <div className="row-actions score-actions">
          <OnScreenButtons objectId={id} kind="scoreboard" />
        </div>
      ) : null}
    </div>
  );
}

// ---- links --------------------------------------------------------------------------------------

function LinksTab() {
  const tokens = useCutline((s) => s.tokens);
  const blocked = useCutline((s) => s.blocked);
  const error = useCutline((s) => s.fieldErrors.tokens);
  const [role, setRole] = useState<'viewer' | 'guest'>('viewer');
  const [label, setLabel] = useState('');
  const [issued, setIssued] = useState<IssuedObjectToken | null>(null);
  const [viewer, setViewer] = useState<{ url: string } | { message: string } | null>(null);
  useEffect(() => {
    void refreshTokens();
    void refreshBlocked();
    void viewerLink(location.origin).then(setViewer);
    // Connection counts change without an event: read them while this tab is open.
    const timer = setInterval(() => void refreshTokens(), 2000);
    return () => clearInterval(timer);
  }, []);
  return (
    <div className="interaction-tab">
      <form
        className="add-form"
        aria-label="Issue a token"
        onSubmit={(e) => {
          e.preventDefault();
          void issueToken(role, label).then((t) => t && setIssued(t));
        }}
      >
        <label>
          Role
          <select value={role} onChange={(e) => setRole(e.target.value as 'viewer' | 'guest')}>
            <option value="viewer">viewer (vote, chat, bid, bet)</option>
            <option value="guest">guest (also draw, GPS)</option>
          </select>
        </label>
        <label>
          Label
          <input value={label} placeholder="e.g. Website audience" onChange={(e) => setLabel(e.target.value)} />
        </label>
        <div className="wide form-actions">
          <button type="submit" className="primary">
            Issue token
          </button>
        </div>
        <FieldError message={error} />
      </form>
      {issued ? (
        <section className="issued" aria-label="Issued link">
          <div className="muted small">Objects socket for {issued.label ?? issued.id} (shown once; copy it now):</div>
          <CopyField value={issued.wsUrl} label="Objects socket URL" />
          <CopyField value={issued.token} label="Objects token" />
          <div className="muted small">Send the token as Authorization: Bearer, or from a browser as the WebSocket subprotocol cutline.token.&lt;base64url&gt; beside cutline.v1; never in the URL.</div>
        </section>
      ) : null}
      <div className="issued">
        <div className="muted small">Viewer page (program + live data):</div>
        {viewer && 'url' in viewer ? <CopyField value={viewer.url} label="Viewer page link" /> : <div className="muted small">{viewer?.message ?? '…'}</div>}
      </div>
      <ul className="rows token-rows" aria-label="Tokens">
        {tokens.map((t) => (
          <li key={t.id} className="row" data-token={t.id}>
            <div className="row-main">
              <span className="row-title">{t.label ?? t.id}</span>
              <span className="badge">{t.role}</span>
              <span className="small" data-connections={t.connections}>
                {t.connections} connected
              </span>
              <button type="button" className="small danger" onClick={() => void revokeToken(t)} aria-label={`Revoke ${t.label ?? t.id}`}>
                Revoke
              </button>
            </div>
          </li>
        ))}
        {tokens.length === 0 ? <li className="muted row">No tokens issued.</li> : null}
      </ul>
      {blocked.length > 0 ? (
        <ul className="rows blocked-rows" aria-label="Blocked">
          {blocked.map((b) => (
            <li key={b.clientId ?? b.tokenId} className="row" data-blocked={b.clientId ?? b.tokenId}>
              <div className="row-main">
                <span className="row-title">{b.clientId ?? `every holder of ${b.tokenId}`}</span>
                <span className="muted small">{b.reason}</span>
                <button type="button" className="small" onClick={() => void unblock(b)}>
                  Unblock
                </button>
              </div>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

function CopyField({ value, label }: { value: string; label: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <span className="copy-row">
      <input readOnly value={value} aria-label={label} onFocus={(e) => e.target.select()} />
      <button
        type="button"
        className="small"
        onClick={() => {
          void navigator.clipboard?.writeText(value).then(
            () => setCopied(true),
            () => setCopied(false),
          );
        }}
      >
        {copied ? 'Copied' : 'Copy'}
      </button>
    </span>
  );
}
