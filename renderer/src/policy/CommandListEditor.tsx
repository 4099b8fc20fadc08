import { useEffect, useId, useState } from 'react';
import type { CommandCatalog, CommandEntryCheck, PolicyDraft } from '../../../shared/ipc-contract.js';
import { useContract } from '../app/contract-context.js';
import { RemoveIcon } from '../app/icons.js';
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
  const [adding, setAdding] = useState('');
  const [addError, setAddError] = useState<string>();
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

  const add = async () => {
    const result = appendEntry(value.commands, adding);
    if (!result.added) {
      setAddError(result.reason);
      return;
    }
    // Ask the engine's own checker, so a refused name is refused here with the engine's reason.
    const name = adding.trim();
    const answer = await client.call('validatePolicy', {
      imageList: { images: [], allowDerivedImages: false },
      commandList: { type: value.type, commands: [name] },
    });
    const verdict = answer.ok ? answer.value.commands[0] : undefined;
    if (!answer.ok) {
      setAddError(answer.error.message);
      return;
    }
    if (verdict && !verdict.ok) {
      setAddError(verdict.error);
      return;
    }
    onChange({ ...value, commands: result.list });
    setAdding('');
    setAddError(undefined);
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
        <>
          <div className="add-row">
            <input
              className="input mono"
              list={`${id}-known`}
              value={adding}
              placeholder="e.g. push, build, image*"
              aria-label="New command name"
              aria-describedby={`${id}-hint${addError ? ` ${id}-add-error` : ''}`}
              spellCheck={false}
              autoCapitalize="off"
              onChange={(event) => {
                setAdding(event.target.value);
                setAddError(undefined);
              }}
              onKeyDown={(event) => {
                if (event.key === 'Enter') {
                  event.preventDefault();
                  void add();
                }
              }}
            />
            <button type="button" className="button" onClick={() => void add()}>
              Add command
            </button>
            <datalist id={`${id}-known`}>
              {catalog
                ? [...catalog.wildcards, ...catalog.commands].map((name) => (
                    <option key={name} value={name} />
                  ))
                : null}
            </datalist>
          </div>
          {addError ? (
            <p id={`${id}-add-error`} className="field-error" role="alert">
              {addError}
            </p>
          ) : null}
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
        </>
      )}
    </section>
  );
}
