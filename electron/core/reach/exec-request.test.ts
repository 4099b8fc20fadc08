import { describe, expect, it } from 'vitest';
import { decodeExecRequest } from './exec-request.js';

function decode(body: string) {
  const r = decodeExecRequest(Buffer.from(body, 'utf8'));
  if (!r.ok) throw new Error(r.message);
  return r.value;
}

describe('decodeExecRequest: Privileged as the engine reads it', () => {
  it.each<[string, string, boolean]>([
    ['Privileged true', '{"Cmd":["sh"],"Privileged":true}', true],
    ['Privileged false', '{"Cmd":["sh"],"Privileged":false}', false],
    ['absent', '{"Cmd":["sh"]}', false],
    ['an empty body object', '{}', false],
    ['privileged in lower case', '{"privileged":true}', true],
    ['PRIVILEGED in upper case', '{"PRIVILEGED":true}', true],
    ['a key that only looks like it (no fold makes ſ a d)', '{"Privileged":true,"Privilegeſ":false}', true],
    ['an escaped key', '{"\\u0050rivileged":true}', true],
    ['duplicates: the last wins (true last)', '{"Privileged":false,"privileged":true}', true],
    ['duplicates: the last wins (false last)', '{"Privileged":true,"privileged":false}', false],
    ['null after true keeps true, as Go does', '{"Privileged":true,"Privileged":null}', true],
    ['null', '{"Privileged":null}', false],
  ])('%s', (_name, body, privileged) => {
    expect(decode(body).privileged).toBe(privileged);
  });

  it.each([
    ['an array', '[]'],
    ['null', 'null'],
    ['a string', '"x"'],
    ['a number', '1'],
    ['invalid JSON', '{"Privileged":'],
    ['Privileged as a string', '{"Privileged":"true"}'],
    ['Privileged as a number', '{"Privileged":1}'],
    ['trailing data', '{"Privileged":false} {"Privileged":true}'],
  ])('refuses %s', (_name, body) => {
    expect(decodeExecRequest(Buffer.from(body)).ok).toBe(false);
  });
});

describe('decodeExecRequest: serialize emits what was judged', () => {
  it.each([
    [
      'canonical names in field order',
      '{"privileged":true,"cmd":["sh"],"attachstdin":true}',
      '{"Privileged":true,"AttachStdin":true,"Cmd":["sh"]}',
    ],
    [
      'the last of duplicate Privileged, once',
      '{"Privileged":true,"PRIVILEGED":false,"Tty":true}',
      '{"Privileged":false,"Tty":true}',
    ],
    ['opaque fields keep every occurrence', '{"Env":["A=1"],"env":["B=2"]}', '{"Env":["A=1"],"Env":["B=2"]}'],
    ['unknown keys pass through', '{"Cmd":["id"],"Future":1}', '{"Cmd":["id"],"Future":1}'],
    ['an empty object', '{}', '{}'],
  ])('%s', (_name, body, canonical) => {
    expect(decode(body).serialize().toString('utf8')).toBe(canonical);
  });

  it('a canonical body decodes to the same request', () => {
    const first = decode(
      '{"user":"root","privileged":true,"cmd":["sh","-c","id"],"env":["A=1"],"workingdir":"/"}',
    );
    const again = decode(first.serialize().toString('utf8'));
    expect(again.privileged).toBe(true);
    expect(again.serialize().toString('utf8')).toBe(first.serialize().toString('utf8'));
  });
});
