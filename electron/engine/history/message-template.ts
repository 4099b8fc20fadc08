// Denial messages quote the entry's own image or request ("…mount denied for container with image
// "X"; …"), so no two are alike although they share a few shapes. Put in marker characters for
// those values and the shapes repeat, and can be interned; the entry's fields fill them back in.

/** Control characters no message we write contains; one per value, in `values` order. */
const MARKERS = ['\u0001', '\u0002', '\u0003', '\u0004', '\u0005'] as const;
// Control characters are the point here: they never occur in the text around them.
// eslint-disable-next-line no-control-regex
const MARKER_PATTERN = /[\u0001-\u0005]/g;
// eslint-disable-next-line no-control-regex
const HAS_MARKER = /[\u0001-\u0005]/;
/** Shorter values would cut messages up on common words without making their shapes repeat. */
const MIN_VALUE_LENGTH = 4;

/**
 * `message` with each of `values` that occurs in it replaced by its marker; undefined when the
 * message or a value already holds a marker character, so it cannot be told apart (keep it as is).
 */
export function messageTemplate(message: string, values: readonly string[]): string | undefined {
  if (values.length > MARKERS.length) throw new RangeError('too many template values');
  if (HAS_MARKER.test(message)) return undefined;
  let template = message;
  values.forEach((value, i) => {
    if (value.length < MIN_VALUE_LENGTH || !template.includes(value)) return;
    if (HAS_MARKER.test(value)) return;
    template = template.split(value).join(MARKERS[i]);
  });
  return template;
}

/** The message `messageTemplate` was given back, from the template and the same values. */
export function fillMessageTemplate(template: string, values: readonly string[]): string {
  if (!HAS_MARKER.test(template)) return template;
  return template.replace(MARKER_PATTERN, (marker) => values[marker.charCodeAt(0) - 1] ?? '');
}
