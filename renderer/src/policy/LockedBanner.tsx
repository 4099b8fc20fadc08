import { BreakablePath } from '../app/BreakablePath.js';
import { LockIcon } from '../app/icons.js';

export function LockedBanner(props: { adminFile: string | undefined }) {
  return (
    <section className="locked-banner" aria-labelledby="locked-title">
      <span className="locked-icon">
        <LockIcon size={22} />
      </span>
      <div>
        <h2 id="locked-title">Managed by your administrator</h2>
        <p>
          These settings are locked and can only be changed in the admin settings file
          {props.adminFile ? (
            <>
              {' '}
              <BreakablePath path={props.adminFile} />
            </>
          ) : null}
          . Ask whoever manages this machine to change them.
        </p>
      </div>
    </section>
  );
}
