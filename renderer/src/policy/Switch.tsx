/** A native checkbox dressed as a switch: keyboard, focus and screen readers work as for any checkbox. */
export function Switch(props: {
  label: string;
  checked: boolean;
  disabled?: boolean;
  describedBy?: string;
  showLabel?: boolean;
  onChange: (checked: boolean) => void;
}) {
  return (
    <label className={`switch${props.disabled ? ' is-disabled' : ''}`}>
      <input
        type="checkbox"
        role="switch"
        checked={props.checked}
        disabled={props.disabled}
        aria-describedby={props.describedBy}
        onChange={(event) => props.onChange(event.target.checked)}
      />
      <span className="switch-track" aria-hidden="true">
        <span className="switch-thumb" />
      </span>
      <span className={props.showLabel ? 'switch-label' : 'visually-hidden'}>{props.label}</span>
    </label>
  );
}
