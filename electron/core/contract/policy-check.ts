// The checks behind `validatePolicy`: each entry of a policy being edited, judged by the same parsers
// the engine matches with, so the pane can show inline errors and the normalized name as the user
// types. Pure.
import { validateCommandName } from '../../../shared/command-map.js';
import { parseImageListEntry, type ImageListEntry } from '../../../shared/image-reference.js';
import type {
  CommandEntryCheck,
  ImageEntryCheck,
  PolicyCheck,
  PolicyDraft,
} from '../../../shared/ipc-contract.js';

export const anyImageWarning =
  'Every image may mount the Docker socket, so any container can take control of the engine. ' +
  'List the images that need the socket instead, e.g. docker.io/testcontainers/ryuk:*.';

export function checkPolicyDraft(draft: PolicyDraft): PolicyCheck {
  const images = markDuplicates(draft.imageList.images.map(checkImageEntry), (check) =>
    check.ok ? check.normalized : undefined,
  );
  const commands = markDuplicates(draft.commandList.commands.map(checkCommandEntry), (check) =>
    check.ok ? check.entry.trim() : undefined,
  );
  return { images, commands, ok: images.every((check) => check.ok) && commands.every((check) => check.ok) };
}

export function checkImageEntry(entry: string): ImageEntryCheck {
  const parsed = parseImageListEntry(entry);
  if (!parsed.ok) return { entry, ok: false, error: parsed.error };
  const normalized = normalizedEntry(parsed.value);
  return parsed.value.kind === 'any'
    ? { entry, ok: true, normalized, warning: anyImageWarning }
    : { entry, ok: true, normalized };
}

export function checkCommandEntry(entry: string): CommandEntryCheck {
  const checked = validateCommandName(entry);
  return checked.ok ? { entry, ok: true } : { entry, ok: false, error: checked.error };
}

/** The fully qualified form of an entry, as the engine compares it. */
export function normalizedEntry(entry: ImageListEntry): string {
  switch (entry.kind) {
    case 'any':
      return '*';
    case 'tag':
      return `${entry.registry}/${entry.repository}:${entry.tag}`;
    case 'anyTag':
      return `${entry.registry}/${entry.repository}:*`;
    case 'digest':
      return `${entry.registry}/${entry.repository}@${entry.digest}`;
  }
}

// A second copy of an entry is harmless to the engine but usually a typo of something else: say so.
function markDuplicates<T extends ImageEntryCheck | CommandEntryCheck>(
  checks: T[],
  key: (check: T) => string | undefined,
): T[] {
  const seen = new Map<string, number>();
  return checks.map((check, index) => {
    const k = key(check);
    if (k === undefined) return check;
    const first = seen.get(k);
    if (first === undefined) {
      seen.set(k, index);
      return check;
    }
    return check.ok && !('warning' in check && check.warning)
      ? { ...check, warning: `same as entry ${first + 1}` }
      : check;
  });
}
