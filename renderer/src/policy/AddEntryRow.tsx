// The "add an entry" row both list editors share: the text field, its button, Enter to add, and the
// reason an entry was not added. The editor decides (its list's own rules, or the engine's checker)
// and answers with the reason, or nothing when the entry went in.
import { useId, useState, type ReactNode } from 'react';

export function AddEntryRow(props: {
  /** Accessible name of the text field ("New image list entry"). */
  label: string;
  placeholder: string;
  buttonLabel: string;
  /** Adds the typed text; resolves to why it was not added, or undefined when it was. */
  onAdd: (text: string) => string | undefined | Promise<string | undefined>;
  /** Ids of hints the field is described by, besides its error. */
  describedBy?: string;
  /** A datalist of suggestions (rendered by the row, after the button). */
  suggestions?: readonly string[];
  /** Shown under the row. */
  children?: ReactNode;
}) {
  const { label, placeholder, buttonLabel, onAdd, describedBy, suggestions } = props;
  const [text, setText] = useState('');
  const [error, setError] = useState<string>();
  const id = useId();
  const errorId = `${id}-error`;
  const listId = suggestions ? `${id}-suggestions` : undefined;

  const settle = (reason: string | undefined) => {
    if (reason !== undefined) {
      setError(reason);
      return;
    }
    setText('');
    setError(undefined);
  };
  // A list's own rules answer at once (no render in between); only the engine's checker is awaited.
  const add = () => {
    const outcome = onAdd(text);
    if (outcome instanceof Promise) void outcome.then(settle);
    else settle(outcome);
  };

  const described = [describedBy, error ? errorId : undefined].filter(Boolean).join(' ');
  return (
    <>
      <div className="add-row">
        <input
          className="input mono"
          list={listId}
          value={text}
          placeholder={placeholder}
          aria-label={label}
          aria-describedby={described || undefined}
          spellCheck={false}
          autoCapitalize="off"
          onChange={(event) => {
            setText(event.target.value);
            setError(undefined);
          }}
          onKeyDown={(event) => {
            if (event.key === 'Enter') {
              event.preventDefault();
              add();
            }
          }}
        />
        <button type="button" className="button" onClick={add}>
          {buttonLabel}
        </button>
        {suggestions ? (
          <datalist id={listId}>
            {suggestions.map((name) => (
              <option key={name} value={name} />
            ))}
          </datalist>
        ) : null}
      </div>
      {error ? (
        <p id={errorId} className="field-error" role="alert">
          {error}
        </p>
      ) : null}
      {props.children}
    </>
  );
}
