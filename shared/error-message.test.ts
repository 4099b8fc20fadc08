import { describe, expect, it } from 'vitest';
import { errorMessage } from './error-message.js';

describe('errorMessage', () => {
  it.each<[string, unknown, string]>([
    ['an Error', new Error('boom'), 'boom'],
    ['an Error subclass', new TypeError('bad type'), 'bad type'],
    ['a string', 'plain words', 'plain words'],
    ['a number', 42, '42'],
    ['undefined', undefined, 'undefined'],
    ['an object', { code: 'E' }, '[object Object]'],
  ])('%s', (_what, error, expected) => expect(errorMessage(error)).toBe(expected));
});
