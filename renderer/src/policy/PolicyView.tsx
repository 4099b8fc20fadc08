import { useEffect, useMemo, useState } from 'react';
import type { AppState, PolicyCheck, PolicyDraft } from '../../../shared/ipc-contract.js';
import { useContract } from '../app/contract-context.js';
import { CommandListEditor } from './CommandListEditor.js';
import { draftFromPolicy, sameDraft } from './draft.js';
import { EnforcementCard } from './EnforcementCard.js';
import { ImageListEditor } from './ImageListEditor.js';
import { LockedBanner } from './LockedBanner.js';

export function PolicyView(props: { state: AppState }) {
  const { client } = useContract();
  const { policy } = props.state;
  const saved = useMemo(() => draftFromPolicy(policy), [policy]);
  const [draft, setDraft] = useState<PolicyDraft>(saved);
  const [check, setCheck] = useState<PolicyCheck>();
  const [saving, setSaving] = useState(false);
  const [message, setMessage] = useState<{ kind: 'error' | 'success'; text: string }>();
  const dirty = !sameDraft(draft, saved);
  const readOnly = policy.locked;

  // A change from elsewhere (the tray, the admin file) replaces the draft unless the user is mid-edit;
  // locking always wins, since nothing typed here could be saved any more.
  const [lastSaved, setLastSaved] = useState(saved);
  if (lastSaved !== saved) {
    setLastSaved(saved);
    if (!dirty || policy.locked) setDraft(saved);
  }

  useEffect(() => {
    let live = true;
    const timer = setTimeout(() => {
      void client.call('validatePolicy', draft).then((answer) => {
        if (live && answer.ok) setCheck(answer.value);
      });
    }, 150);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [client, draft]);

  const save = async () => {
    setSaving(true);
    setMessage(undefined);
    const answer = await client.call('updatePolicy', draft);
    setSaving(false);
    if (answer.ok) {
      setDraft(draftFromPolicy(answer.value));
      setMessage({ kind: 'success', text: 'Saved. New containers are checked against this policy.' });
    } else {
      setMessage({ kind: 'error', text: answer.error.message });
    }
  };

  const checkMatches =
    check &&
    check.images.length === draft.imageList.images.length &&
    check.commands.length === draft.commandList.commands.length;
  const invalid = checkMatches ? !check.ok : false;

  return (
    <div className="stack">
      {readOnly ? <LockedBanner adminFile={policy.adminFile} /> : null}
      <EnforcementCard policy={policy} />
      <ImageListEditor
        value={draft.imageList}
        checks={checkMatches ? check.images : undefined}
        readOnly={readOnly}
        onChange={(imageList) => setDraft({ ...draft, imageList })}
      />
      <CommandListEditor
        value={draft.commandList}
        checks={checkMatches ? check.commands : undefined}
        readOnly={readOnly}
        onChange={(commandList) => setDraft({ ...draft, commandList })}
      />
      {message && !dirty ? (
        <div className={`banner banner-${message.kind}`} role={message.kind === 'error' ? 'alert' : 'status'}>
          {message.text}
        </div>
      ) : null}
      {dirty && !readOnly ? (
        <div className="save-bar" role="region" aria-label="Unsaved changes">
          <span>{invalid ? 'Fix the marked entries to save.' : 'You have unsaved changes.'}</span>
          {message?.kind === 'error' ? (
            <span className="field-error" role="alert">
              {message.text}
            </span>
          ) : null}
          <div className="save-actions">
            <button type="button" className="button" onClick={() => setDraft(saved)} disabled={saving}>
              Revert
            </button>
            <button
              type="button"
              className="button button-primary"
              onClick={() => void save()}
              disabled={saving || invalid}
            >
              {saving ? 'Saving…' : 'Save changes'}
            </button>
          </div>
        </div>
      ) : null}
    </div>
  );
}
