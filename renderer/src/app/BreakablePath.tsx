// A file path that may wrap after any "/", never inside a name: a narrow window breaks
// /etc/socket-warden/admin-settings.json between its parts, not as "admin-setti" + "ngs.json".
import { Fragment } from 'react';

export function BreakablePath(props: { path: string }) {
  const parts = props.path.split('/');
  return (
    <code className="path">
      {parts.map((part, index) => (
        <Fragment key={index}>
          {part}
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
