import { describe, expect, it } from 'vitest';
import { fillMessageTemplate, messageTemplate } from './message-template.js';

describe('message templates', () => {
  const values = ['/v1.41/images/app/push?tag=1', 'docker.io/library/app:1', 'app:1'];

  it('give the message back, however often and wherever the values occur', () => {
    for (const message of [
      'socket-warden: docker command "/v1.41/images/app/push?tag=1" is blocked; /v1.41/images/app/push?tag=1',
      'image "docker.io/library/app:1" (app:1) denied',
      'nothing to replace',
      '',
      'ünïcode ✓ docker.io/library/app:1',
    ]) {
      const template = messageTemplate(message, values);
      expect(template).toBeDefined();
      expect(fillMessageTemplate(template ?? '', values)).toBe(message);
    }
  });

  it('make the same template of messages that differ only in those values', () => {
    const one = messageTemplate('denied "docker.io/library/a:1"', ['/x', 'docker.io/library/a:1', '']);
    const two = messageTemplate('denied "ghcr.io/acme/b:2"', ['/y', 'ghcr.io/acme/b:2', '']);
    expect(one).toBe(two);
  });

  it('leave a message that already holds a marker character alone', () => {
    expect(messageTemplate('odd \u0001 text app:1', values)).toBeUndefined();
  });
});
