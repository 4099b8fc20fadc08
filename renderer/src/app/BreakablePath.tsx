// A file path that may wrap after any "/", never inside a name: a narrow window breaks
// /etc/socket-warden/admin-settings.json between its parts, not as "admin-setti" + "ngs.json" nor at
// its hyphens ("admin-" + "settings.json"), where a browser would otherwise break it.
import { Fragment } from 'react';

export function BreakablePath(props: { path: string }) {
  const parts = props.path.split('/');
  return (
    <code className="path">
      {parts.map((part, index) => (
        <Fragment key={index}>
          <span className="path-part">{part}</span>
          {index < parts.length - 1 ? (
            <>
              /<wbr />
            </>
          ) : null}
        </Fragment>
      ))}
    </code>
  );
}
