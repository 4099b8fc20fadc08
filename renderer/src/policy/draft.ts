// The policy being edited in the pane, kept apart from the saved one until the user saves. Pure.
import type { PolicyDraft } from '../../../shared/ipc-contract.js';
import type { Policy } from '../../../shared/settings.js';

export function draftFromPolicy(policy: Policy): PolicyDraft {
  return {
    imageList: {
      images: [...policy.imageList.images],
      allowDerivedImages: policy.imageList.allowDerivedImages,
    },
    commandList: { type: policy.commandList.type, commands: [...policy.commandList.commands] },
  };
}

export function sameDraft(a: PolicyDraft, b: PolicyDraft): boolean {
  return (
    a.imageList.allowDerivedImages === b.imageList.allowDerivedImages &&
    a.commandList.type === b.commandList.type &&
    sameList(a.imageList.images, b.imageList.images) &&
    sameList(a.commandList.commands, b.commandList.commands)
  );
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item, index) => item === b[index]);
}

export function replaceAt<T>(list: readonly T[], index: number, value: T): T[] {
  return list.map((item, i) => (i === index ? value : item));
}

export function removeAt<T>(list: readonly T[], index: number): T[] {
  return list.filter((_, i) => i !== index);
}

/** Adds trimmed text unless it is empty or already listed; says which happened. */
export function appendEntry(
  list: readonly string[],
  text: string,
): { list: string[]; added: boolean; reason?: string } {
  const entry = text.trim();
  if (entry === '') return { list: [...list], added: false, reason: 'Type a name first.' };
  if (list.includes(entry))
    return { list: [...list], added: false, reason: `${entry} is already in the list.` };
  return { list: [...list, entry], added: true };
}
