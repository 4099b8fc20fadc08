import { describe, expect, it } from 'vitest';
import { localVolumeMount, splitMountOptions, type LocalVolumeMount } from './local-volume.js';

type Options = Record<string, string> | undefined;

describe('localVolumeMount: what mount(2) gets for a local volume', () => {
  it.each<[string, Options, LocalVolumeMount]>([
    ['no options at all', undefined, { kind: 'plain' }],
    ['empty options', {}, { kind: 'plain' }],
    ['empty strings', { type: '', device: '', o: '' }, { kind: 'plain' }],
    ['an option key local ignores', { size: '10G' }, { kind: 'plain' }],

    // Private filesystems: nothing of the host behind them.
    [
      'tmpfs',
      { type: 'tmpfs', device: 'tmpfs', o: 'size=100m,uid=1000' },
      { kind: 'private-fs', type: 'tmpfs' },
    ],
    [
      'tmpfs naming a host path as its device',
      { type: 'tmpfs', device: '/run' },
      { kind: 'private-fs', type: 'tmpfs' },
    ],
    ['ramfs', { type: 'ramfs' }, { kind: 'private-fs', type: 'ramfs' }],

    // o=bind / rbind: the device is a host path, whatever the type says.
    [
      'o=bind with type none',
      { type: 'none', o: 'bind', device: '/run' },
      { kind: 'bind', device: '/run', readOnly: false, recursive: false },
    ],
    [
      'o=rbind,ro without a type',
      { o: 'rbind,ro', device: '/home/u/d' },
      { kind: 'bind', device: '/home/u/d', readOnly: true, recursive: true },
    ],
    [
      'o=bind with a host-kernel type (MS_BIND wins in the kernel)',
      { type: 'proc', o: 'bind', device: '/run' },
      { kind: 'bind', device: '/run', readOnly: false, recursive: false },
    ],
    [
      'o=bind among other flags and data',
      { type: 'none', o: 'nosuid,bind,nodev,x-gvfs', device: '//run//' },
      { kind: 'bind', device: '//run//', readOnly: false, recursive: false },
    ],
    [
      'o=bind of a relative device (the engine resolves it against its working directory)',
      { type: 'none', o: 'bind', device: 'run' },
      { kind: 'unjudgeable', why: expect.stringContaining('working directory') },
    ],
    [
      'o=bind of ./run',
      { o: 'bind', device: './run' },
      { kind: 'unjudgeable', why: expect.stringContaining('"./run"') },
    ],
    ['o=bind with no device', { o: 'bind' }, { kind: 'unjudgeable', why: expect.stringContaining('""') }],
    [
      'o=bind with `..` after a symlink (the kernel resolves it physically, not lexically)',
      { o: 'bind', device: '/home/u/l/../run' },
      { kind: 'unjudgeable', why: expect.stringContaining('..') },
    ],
    [
      'o=rbind of /dev/../run',
      { o: 'rbind', device: '/dev/../run' },
      { kind: 'unjudgeable', why: expect.stringContaining('..') },
    ],
    [
      'a device with `...` in a name is an ordinary path',
      { o: 'bind', device: '/data/...x' },
      { kind: 'bind', device: '/data/...x', readOnly: false, recursive: false },
    ],

    // Remount changes a mount that is already there.
    [
      'o=remount',
      { type: 'tmpfs', o: 'remount,size=1m' },
      { kind: 'unjudgeable', why: expect.stringContaining('remount') },
    ],
    [
      'o=remount,bind',
      { o: 'remount,bind', device: '/data' },
      { kind: 'unjudgeable', why: expect.stringContaining('remount') },
    ],
    [
      'flag words are case-sensitive: BIND is filesystem data',
      { type: 'none', o: 'BIND', device: '/run' },
      { kind: 'unjudgeable', why: expect.stringContaining('no filesystem type') },
    ],

    // Network filesystems reach whatever addr= names.
    [
      'nfs with addr',
      { type: 'nfs', o: 'addr=10.0.0.1,rw,nfsvers=4', device: ':/export' },
      { kind: 'network', type: 'nfs', address: '10.0.0.1' },
    ],
    [
      'nfs4 with a host name',
      { type: 'nfs4', o: 'addr=nas.example', device: ':/' },
      { kind: 'network', type: 'nfs4', address: 'nas.example' },
    ],
    [
      'nfs without addr',
      { type: 'nfs', device: 'nas:/export' },
      { kind: 'network', type: 'nfs', address: undefined },
    ],
    [
      'cifs with addr',
      { type: 'cifs', o: 'addr=10.0.0.2,username=u', device: '//nas/share' },
      { kind: 'network', type: 'cifs', address: '10.0.0.2' },
    ],
    [
      'cifs without addr (the kernel resolves the UNC name)',
      { type: 'cifs', device: '//nas/share' },
      { kind: 'network', type: 'cifs', address: undefined },
    ],
    [
      "cifs with ip=, the kernel's other name for addr=",
      { type: 'cifs', o: 'ip=127.0.0.1', device: '//h/s' },
      { kind: 'network', type: 'cifs', address: '127.0.0.1' },
    ],
    [
      'smb3 with addr',
      { type: 'smb3', o: 'addr=10.0.0.3' },
      { kind: 'network', type: 'smb3', address: '10.0.0.3' },
    ],
    [
      'nfs with two addr= (the engine resolves the first, the kernel uses the last)',
      { type: 'nfs', o: 'addr=10.0.0.1,addr=127.0.0.1', device: ':/' },
      { kind: 'unjudgeable', why: expect.stringContaining('addr=') },
    ],
    [
      'cifs with addr= and ip=',
      { type: 'cifs', o: 'addr=10.0.0.2,ip=127.0.0.1', device: '//h/s' },
      { kind: 'unjudgeable', why: expect.stringContaining('addr=') },
    ],
    [
      'nfs: ip= is no address option of its own',
      { type: 'nfs', o: 'ip=127.0.0.1,addr=10.0.0.1', device: ':/' },
      { kind: 'network', type: 'nfs', address: '10.0.0.1' },
    ],

    // Block devices, in any spelling: the kernel resolves the device path itself.
    [
      'ext4 on /dev/vda',
      { type: 'ext4', device: '/dev/vda' },
      { kind: 'device', type: 'ext4', device: '/dev/vda' },
    ],
    [
      '//dev/vda',
      { type: 'ext4', device: '//dev/vda' },
      { kind: 'device', type: 'ext4', device: '//dev/vda' },
    ],
    [
      '/dev/../dev/vda',
      { type: 'xfs', o: 'nouuid', device: '/dev/../dev/vda' },
      { kind: 'device', type: 'xfs', device: '/dev/../dev/vda' },
    ],
    [
      '/proc/self/root/dev/vda',
      { type: 'btrfs', device: '/proc/self/root/dev/vda' },
      { kind: 'device', type: 'btrfs', device: '/proc/self/root/dev/vda' },
    ],
    [
      'a device by UUID link',
      { type: 'ext4', device: '/dev/disk/by-uuid/0a1b', o: 'ro' },
      { kind: 'device', type: 'ext4', device: '/dev/disk/by-uuid/0a1b' },
    ],
    [
      'a filesystem type the kernel does not know',
      { type: 'TMPFS', device: 'tmpfs' },
      { kind: 'device', type: 'TMPFS', device: 'tmpfs' },
    ],
    [
      'mixed-case NFS is no network filesystem',
      { type: 'NFS', o: 'addr=10.0.0.1' },
      { kind: 'device', type: 'NFS', device: '' },
    ],
    [
      'a type named like an Object property',
      { type: 'constructor', device: '/dev/vda' },
      { kind: 'device', type: 'constructor', device: '/dev/vda' },
    ],
    [
      '__proto__ as a type',
      { type: '__proto__', device: 'x' },
      { kind: 'device', type: '__proto__', device: 'x' },
    ],

    // A type and no bind: nothing to mount.
    [
      "type '' with a device",
      { device: '/dev/vda' },
      { kind: 'unjudgeable', why: expect.stringContaining('no filesystem type') },
    ],
    [
      'type none with a device',
      { type: 'none', device: '/dev/vda' },
      { kind: 'unjudgeable', why: expect.stringContaining('"/dev/vda"') },
    ],
    [
      "type '' with only o",
      { o: 'size=1m' },
      { kind: 'unjudgeable', why: expect.stringContaining('no filesystem type') },
    ],
  ])('%s', (_name, options, expected) => {
    expect(localVolumeMount(options)).toEqual(expected);
  });

  const HOST_KERNEL_TYPES = [
    'proc',
    'sysfs',
    'cgroup',
    'cgroup2',
    'devpts',
    'devtmpfs',
    'mqueue',
    'debugfs',
    'tracefs',
    'securityfs',
    'bpf',
    'configfs',
    'efivarfs',
    'pstore',
    'fusectl',
    'hugetlbfs',
    'binfmt_misc',
    'overlay',
  ];

  it.each(HOST_KERNEL_TYPES)('type=%s is the host kernel’s own, whatever the device says', (type) => {
    for (const device of ['', type, '/dev/null', 'none'])
      expect(localVolumeMount({ type, device, o: 'nosuid' })).toEqual({
        kind: 'host-kernel',
        type,
        what: expect.stringMatching(/^(the host|an overlay)/),
      });
  });

  it.each(['Proc', 'SYSFS', 'Overlay', 'cGroup2', 'BPF'])(
    'mixed-case %s, which the kernel refuses, is refused rather than guessed',
    (type) => {
      expect(localVolumeMount({ type, device: type })).toEqual({
        kind: 'unjudgeable',
        why: `filesystem type ${JSON.stringify(type)}`,
      });
    },
  );

  it('overlay says which host directories it layers', () => {
    expect(
      localVolumeMount({ type: 'overlay', device: 'overlay', o: 'lowerdir=/run,upperdir=/u,workdir=/w' }),
    ).toMatchObject({ kind: 'host-kernel', what: 'an overlay of host directories' });
  });
});

describe('splitMountOptions: moby/sys/mount flag words apart from filesystem data', () => {
  it.each<[string, string[], string[]]>([
    ['', [], []],
    ['bind', ['bind'], []],
    ['bind,ro', ['bind', 'ro'], []],
    [
      'rbind,rprivate,nosuid,nodev,noexec,relatime',
      ['rbind', 'rprivate', 'nosuid', 'nodev', 'noexec', 'relatime'],
      [],
    ],
    ['addr=10.0.0.1,rw,nfsvers=4', ['rw'], ['addr=10.0.0.1', 'nfsvers=4']],
    ['size=64m,mode=1777,uid=0', [], ['size=64m', 'mode=1777', 'uid=0']],
    [',,ro,,', ['ro'], []],
    ['BIND,Ro,RBIND', [], ['BIND', 'Ro', 'RBIND']],
    ['remount,sync,dirsync,mand,strictatime', ['remount', 'sync', 'dirsync', 'mand', 'strictatime'], []],
    [
      'shared,rshared,slave,rslave,private,unbindable,runbindable',
      ['shared', 'rshared', 'slave', 'rslave', 'private', 'unbindable', 'runbindable'],
      [],
    ],
    ['move,x-systemd.automount', [], ['move', 'x-systemd.automount']],
    ['bind=1', [], ['bind=1']],
  ])('%j', (o, flags, data) => {
    expect(splitMountOptions(o)).toEqual({ flags, data });
  });
});
