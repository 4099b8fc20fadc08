import { describe, expect, it } from 'vitest';
import { containersBindingHostSocket, describeHostSocketContainer } from './host-socket-containers.js';

describe('containersBindingHostSocket', () => {
  it.each([
    ['/var/run/docker.sock', 'bind', 1],
    ['/run/docker.sock', 'bind', 1],
    ['/run/socket-warden/engine.sock', 'bind', 0],
    ['/home/dev/project', 'bind', 0],
    ['/var/run/docker.sock', 'volume', 0],
  ])('%s (%s)', (source, type, count) => {
    const list = [
      {
        Id: 'f'.repeat(64),
        Names: ['/ci'],
        Image: 'docker:cli',
        State: 'running',
        Mounts: [{ Type: type, Source: source, Destination: '/var/run/docker.sock' }],
      },
    ];
    expect(containersBindingHostSocket(list)).toHaveLength(count);
  });

  it('says what to do, running or not', () => {
    const [running, stopped] = containersBindingHostSocket([
      {
        Id: 'a'.repeat(64),
        Names: ['/ci'],
        Image: 'docker:cli',
        State: 'running',
        Mounts: [{ Type: 'bind', Source: '/var/run/docker.sock', Destination: '/s' }],
      },
      {
        Id: 'b'.repeat(64),
        Names: ['/old'],
        Image: 'x',
        State: 'exited',
        Mounts: [{ Type: 'bind', Source: '/run/docker.sock', Destination: '/s' }],
      },
    ]);
    expect(running).toEqual({
      id: 'aaaaaaaaaaaa',
      name: 'ci',
      image: 'docker:cli',
      running: true,
      destination: '/s',
    });
    expect(describeHostSocketContainer(running!)).toContain("still holds the engine's old socket");
    expect(describeHostSocketContainer(stopped!)).toContain('recreate it rather than start it');
  });
});
