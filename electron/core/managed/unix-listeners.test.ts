import { describe, expect, it } from 'vitest';
import { listeningUnixSockets, otherEngineSockets } from './unix-listeners.js';

const PROC_NET_UNIX = `Num       RefCount Protocol Flags    Type St Inode Path
0000000058261442: 00000003 00000000 00000000 0001 03 140380 /run/dbus/system_bus_socket
000000006b047cd1: 00000002 00000000 00010000 0001 01 139008 /run/systemd/private
000000009ec3547c: 00000003 00000000 00000000 0002 03 139006
00000000aaaaaaaa: 00000002 00000000 00010000 0001 01 150001 /run/user/1000/docker.sock
00000000bbbbbbbb: 00000002 00000000 00010000 0001 01 150002 /run/podman/podman.sock
00000000cccccccc: 00000002 00000000 00010000 0001 01 150003 @/containerd-shim/abstract.sock
00000000dddddddd: 00000003 00000000 00000000 0001 03 150004 /run/user/1001/podman/podman.sock
`;

describe('listeningUnixSockets', () => {
  it('lists the listening sockets with a path (not the connected ones, not abstract ones)', () => {
    expect(listeningUnixSockets(PROC_NET_UNIX)).toEqual([
      '/run/systemd/private',
      '/run/user/1000/docker.sock',
      '/run/podman/podman.sock',
    ]);
  });
});

describe('otherEngineSockets', () => {
  it.each([
    ['/run/user/1000/docker.sock', 'rootless Docker'],
    ['/var/run/user/1000/docker.sock', 'rootless Docker'],
    ['/run/podman/podman.sock', 'Podman (root)'],
    ['/run/user/1001/podman/podman.sock', 'rootless Podman'],
  ])('%s is %s', (socketPath, what) => {
    expect(otherEngineSockets([socketPath])).toEqual([{ path: socketPath, what }]);
  });

  it.each([['/run/docker.sock'], ['/run/user/1000/other.sock'], ['/run/user/x/docker.sock']])(
    '%s is none',
    (socketPath) => {
      expect(otherEngineSockets([socketPath])).toEqual([]);
    },
  );

  it('lists each once', () => {
    expect(otherEngineSockets(['/run/podman/podman.sock', '/run/podman/podman.sock'])).toHaveLength(1);
  });
});
