import { describe, expect, it } from 'vitest';
import { parseExecStart, parseSystemctlShow } from './systemctl-show.js';

// `systemctl show docker.socket docker.service -p …` on the systemd host (bookworm, systemd 252), managed.
const SHOWN = `Id=docker.socket
LoadState=loaded
ActiveState=active
UnitFileState=enabled
Listen=/run/socket-warden/engine.sock (Stream)
ExecStart=
MainPID=0
NeedDaemonReload=no
FragmentPath=/lib/systemd/system/docker.socket
DropInPaths=/etc/systemd/system/docker.socket.d/socket-warden.conf

Id=docker.service
LoadState=loaded
ActiveState=active
UnitFileState=enabled
ExecStart={ path=/usr/sbin/dockerd ; argv[]=/usr/sbin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock $DOCKER_OPTS ; ignore_errors=no ; start_time=[Tue 2026-12-01 20:15:23 UTC] ; stop_time=[n/a] ; pid=79 ; code=(null) ; status=0/0 }
MainPID=79
NeedDaemonReload=yes
FragmentPath=/lib/systemd/system/docker.service
DropInPaths=

Id=socket-warden.socket
LoadState=not-found
ActiveState=inactive
UnitFileState=
MainPID=0
NeedDaemonReload=no
FragmentPath=
DropInPaths=
`;

describe('parseSystemctlShow', () => {
  it('reads one unit per block', () => {
    const [socket, service, missing] = parseSystemctlShow(SHOWN);
    expect(socket).toMatchObject({
      id: 'docker.socket',
      listen: ['/run/socket-warden/engine.sock'],
      execStart: null,
      dropInPaths: ['/etc/systemd/system/docker.socket.d/socket-warden.conf'],
      needDaemonReload: false,
    });
    expect(service).toMatchObject({
      id: 'docker.service',
      execStart: [
        '/usr/sbin/dockerd',
        '-H',
        'fd://',
        '--containerd=/run/containerd/containerd.sock',
        '$DOCKER_OPTS',
      ],
      mainPid: 79,
      needDaemonReload: true,
      listen: [],
    });
    expect(missing).toMatchObject({ id: 'socket-warden.socket', loadState: 'not-found', unitFileState: '' });
  });

  it('keeps every Listen= line', () => {
    const [unit] = parseSystemctlShow('Id=x.socket\nListen=/a.sock (Stream)\nListen=/b.sock (Datagram)\n');
    expect(unit?.listen).toEqual(['/a.sock', '/b.sock']);
  });
});

describe('parseExecStart', () => {
  it.each([
    ['{ path=/a ; argv[]=/a -b "c d" ; ignore_errors=no ; pid=0 }', ['/a', '-b', 'c d']],
    ['', null],
    ['{ nonsense }', null],
  ])('%s', (value, argv) => {
    expect(parseExecStart(value)).toEqual(argv);
  });
});
