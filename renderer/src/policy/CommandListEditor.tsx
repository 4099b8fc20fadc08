import { useEffect, useId, useState } from 'react';
import type { CommandCatalog, CommandEntryCheck, PolicyDraft } from '../../../shared/ipc-contract.js';
import { useContract } from '../app/contract-context.js';
import { RemoveIcon } from '../app/icons.js';
import { AddEntryRow } from './AddEntryRow.js';
import { appendEntry, removeAt } from './draft.js';

type CommandList = PolicyDraft['commandList'];

export function CommandListEditor(props: {
  value: CommandList;
  checks: CommandEntryCheck[] | undefined;
  readOnly: boolean;
  onChange: (value: CommandList) => void;
}) {
  const { value, checks, readOnly, onChange } = props;
  const { client } = useContract();
  const [catalog, setCatalog] = useState<CommandCatalog>();
  const id = useId();

  useEffect(() => {
    let live = true;
    void client
      .call('getCommandCatalog', undefined)
      .then((answer) => live && answer.ok && setCatalog(answer.value));
    return () => {
      live = false;
    };
  }, [client]);

  const add = async (text: string): Promise<string | undefined> => {
    const result = appendEntry(value.commands, text);
    if (!result.added) return result.reason;
    // Ask the engine's own checker, so a refused name is refused here with the engine's reason.
    const answer = await client.call('validatePolicy', {
      imageList: { images: [], allowDerivedImages: false },
      commandList: { type: value.type, commands: [text.trim()] },
    });
    if (!answer.ok) return answer.error.message;
    const verdict = answer.value.commands[0];
    if (verdict && !verdict.ok) return verdict.error;
    onChange({ ...value, commands: result.list });
    return undefined;
  };

  const setType = (type: CommandList['type']) => onChange({ ...value, type });

  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Commands through a mounted socket</h2>
      <p className="muted">
        A second line of defence for the containers allowed above: one list for all of them.
      </p>
      <div className="segmented" role="radiogroup" aria-label="Command list type">
        {(['deny', 'allow'] as const).map((type) => (
          <label key={type} className={`segment${value.type === type ? ' is-selected' : ''}`}>
            <input
              type="radio"
              name={`${id}-type`}
              value={type}
              checked={value.type === type}
              disabled={readOnly}
              onChange={() => setType(type)}
            />
            {type === 'deny' ? 'Block the listed commands' : 'Allow only the listed commands'}
          </label>
        ))}
      </div>
      {value.commands.length === 0 ? (
        <p className="empty">{value.type === 'deny' ? 'Nothing is blocked.' : 'Every command is blocked.'}</p>
      ) : (
        <ul className="chips" aria-label={value.type === 'deny' ? 'Blocked commands' : 'Allowed commands'}>
          {value.commands.map((command, index) => {
            const check = checks?.[index];
            return (
              <li
                key={`${command}-${index}`}
                className={`chip${check && !check.ok ? ' is-invalid' : ''}`}
                title={check && !check.ok ? check.error : undefined}
              >
                <span className="mono">{command}</span>
                {readOnly ? null : (
                  <button
                    type="button"
                    className="chip-remove"
                    aria-label={`Remove ${command}`}
                    onClick={() => onChange({ ...value, commands: removeAt(value.commands, index) })}
                  >
                    <RemoveIcon size={12} />
                  </button>
                )}
                {check && !check.ok ? <span className="visually-hidden">{check.error}</span> : null}
              </li>
            );
          })}
        </ul>
      )}
      {readOnly ? null : (
        <AddEntryRow
          label="New command name"
          placeholder="e.g. push, build, image*"
          buttonLabel="Add command"
          describedBy={`${id}-hint`}
          suggestions={catalog ? [...catalog.wildcards, ...catalog.commands] : []}
          onAdd={add}
        >
          <p id={`${id}-hint`} className="hint">
            Names as <code>docker --help</code> shows them. Wildcards:{' '}
            {(catalog?.wildcards ?? ['container*', 'image*', 'volume*', 'network*', 'build*', 'system*']).map(
              (name, index) => (
                <span key={name}>
                  {index ? ', ' : ''}
                  <code>{name}</code>
                </span>
              ),
            )}
            .
          </p>
        </AddEntryRow>
      )}
    </section>
  );
}
