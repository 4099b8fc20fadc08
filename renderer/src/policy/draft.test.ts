import { describe, expect, it } from 'vitest';
import type { Policy } from '../../../shared/settings.js';
import { appendEntry, draftFromPolicy, removeAt, replaceAt, sameDraft } from './draft.js';

const policy: Policy = {
  enforcing: true,
  locked: false,
  source: 'user',
  imageList: { images: ['docker:cli'], allowDerivedImages: false },
  commandList: { type: 'deny', commands: ['push'] },
};

describe('policy draft', () => {
  it('starts equal to the saved policy and differs once an entry changes', () => {
    const draft = draftFromPolicy(policy);
    expect(sameDraft(draft, draftFromPolicy(policy))).toBe(true);
    const edited = {
      ...draft,
      imageList: { ...draft.imageList, images: replaceAt(draft.imageList.images, 0, 'docker:cli ') },
    };
    expect(sameDraft(draft, edited)).toBe(false);
    // Editing the draft never touches the saved policy.
    expect(policy.imageList.images).toEqual(['docker:cli']);
  });

  it('notices a changed list type or derived-images switch', () => {
    const draft = draftFromPolicy(policy);
    expect(sameDraft(draft, { ...draft, commandList: { ...draft.commandList, type: 'allow' } })).toBe(false);
    expect(sameDraft(draft, { ...draft, imageList: { ...draft.imageList, allowDerivedImages: true } })).toBe(
      false,
    );
  });

  it('adds a trimmed entry once, and says why it did not', () => {
    expect(appendEntry(['push'], '  build ')).toEqual({ list: ['push', 'build'], added: true });
    expect(appendEntry(['push'], 'push')).toMatchObject({
      added: false,
      reason: 'push is already in the list.',
    });
    expect(appendEntry(['push'], '   ')).toMatchObject({ added: false, list: ['push'] });
  });

  it('removes by position', () => {
    expect(removeAt(['a', 'b', 'c'], 1)).toEqual(['a', 'c']);
  });
});
