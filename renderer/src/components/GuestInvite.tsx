/**
 * Guest invites: `guest.invite` adds a guest source (or returns an existing guest's link again)
 * and answers with the link a guest opens in their browser, plus the WHIP URL and token for a guest
 * who sends from OBS. The link carries the token, so it is shown for copying, not logged. "Revoke
 * link" (`guest.revoke`) withdraws it.
 */
import { useEffect, useState } from 'react';
import type { CommandResult } from '../../../shared/protocol.ts';
import { revokeGuest, runCommand } from '../store/actions.ts';
import { Modal } from './common.tsx';

export type GuestInviteResult = CommandResult<'guest.invite'>;

async function copy(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

function CopyField({ label, value, secret }: { label: string; value: string; secret?: boolean }) {
  const [shown, setShown] = useState(!secret);
  const [copied, setCopied] = useState<boolean | null>(null);
  return (
    <label className="copy-field">
      {label}
      <span className="inline">
        <input readOnly type={shown ? 'text' : 'password'} value={value} onFocus={(e) => e.target.select()} aria-label={label} spellCheck={false} />
        {secret ? (
          <button type="button" className="small" onClick={() => setShown((s) => !s)} aria-pressed={shown}>
            {shown ? 'Hide' : 'Show'}
          </button>
        ) : null}
        <button type="button" className="small" onClick={async () => setCopied(await copy(value))}>
          {copied === true ? 'Copied' : 'Copy'}
        </button>
      </span>
      {copied === false ? <span className="row-message">Copying is not allowed here: select the text and copy it.</span> : null}
    </label>
  );
}

/** `existingId` set: show that guest's link again; else ask for a name and invite a new guest. */
export function GuestInviteDialog({ existingId, onClose }: { existingId?: string; onClose: () => void }) {
  const [label, setLabel] = useState('');
  const [result, setResult] = useState<GuestInviteResult | null>(null);
  const [busy, setBusy] = useState(false);

  const invite = async (params: { id?: string; label?: string }) => {
    setBusy(true);
    const outcome = await runCommand('guest.invite', params, params.id ? { sourceId: params.id } : {});
    setBusy(false);
    if (outcome.ok) setResult(outcome.result);
  };
  // An existing guest: ask for its link once (inviting an existing id returns the same link).
  useEffect(() => {
    if (!existingId) return;
    let alive = true;
    void runCommand('guest.invite', { id: existingId }, { sourceId: existingId }).then((outcome) => {
      if (alive && outcome.ok) setResult(outcome.result);
    });
    return () => {
      alive = false;
    };
  }, [existingId]);

  return (
    <Modal title={existingId ? 'Guest link' : 'Invite a guest'} onClose={onClose}>
      {result ? (
        <div className="dialog-section guest-invite">
          <p className="muted small">Send this link to the guest; it opens a page that sends their camera and microphone and plays the program back to them (without their own voice).</p>
          <CopyField label="Guest link" value={result.guestPageUrl} />
          <h3>Sending from OBS instead (WHIP)</h3>
          <CopyField label="WHIP URL" value={result.whipUrl} />
          <CopyField label="Bearer token" value={result.token} secret />
          <div className="modal-actions">
            <button
              type="button"
              className="danger"
              onClick={async () => {
                if ((await revokeGuest(result.id))?.ok) onClose();
              }}
            >
              Revoke link
            </button>
          </div>
        </div>
      ) : existingId ? (
        <p className="muted">Getting the link…</p>
      ) : (
        <form
          className="dialog-section"
          onSubmit={(e) => {
            e.preventDefault();
            void invite(label.trim() ? { label: label.trim() } : {});
          }}
        >
          <label className="copy-field">
            Guest name
            <input value={label} maxLength={80} placeholder="Guest 1" onChange={(e) => setLabel(e.target.value)} />
          </label>
          <div className="modal-actions">
            <button type="submit" className="primary" disabled={busy}>
              Create link
            </button>
          </div>
        </form>
      )}
    </Modal>
  );
}
