// What the `local` volume driver will hand to mount(2) for a volume's options, and what that reaches
// on the host. moby volume/local (local_unix.go): `mount(device, <volume>/_data, type, o)` with `o`
// split by moby/sys/mount into MS_* flags and filesystem data, done by the engine on the host, as
// root, in the host's namespaces. The device string goes to the kernel as written, so it is a host
// path whatever its spelling (`//dev/vda`, `/dev/../dev/vda`, a symlink), and for proc, sysfs and
// friends it is ignored altogether: the type decides. See docs/engine-routes.md. Pure.

/** moby/sys/mount's flag words (mountinfo.go / flags.go); every other `o` word is filesystem data. */
const MOUNT_FLAGS = new Set([
  'defaults',
  'ro',
  'rw',
  'suid',
  'nosuid',
  'dev',
  'nodev',
  'exec',
  'noexec',
  'sync',
  'async',
  'dirsync',
  'remount',
  'mand',
  'nomand',
  'atime',
  'noatime',
  'diratime',
  'nodiratime',
  'bind',
  'rbind',
  'unbindable',
  'runbindable',
  'private',
  'rprivate',
  'shared',
  'rshared',
  'slave',
  'rslave',
  'relatime',
  'norelatime',
  'strictatime',
  'nostrictatime',
]);

/** Filesystems with no host data behind them: a fresh, private store. */
const PRIVATE_FILESYSTEMS = new Set(['tmpfs', 'ramfs']);
/** Network filesystems: they reach whatever `addr=` names. */
const NETWORK_FILESYSTEMS = new Set(['nfs', 'nfs4', 'cifs', 'smb3']);
/** The host kernel's own views: the type alone decides what is mounted. */
const HOST_KERNEL_FILESYSTEMS: Record<string, string> = {
  proc: "the host's /proc (its PID namespace: /proc/<pid>/root leads into every process's mounts)",
  sysfs: "the host's /sys",
  cgroup: "the host's cgroups",
  cgroup2: "the host's cgroups",
  devpts: "the host's pseudo-terminals",
  devtmpfs: "the host's devices",
  mqueue: "the host's message queues",
  debugfs: "the host kernel's debugfs",
  tracefs: "the host kernel's tracefs",
  securityfs: "the host's securityfs",
  bpf: "the host's BPF filesystem",
  configfs: "the host's configfs",
  efivarfs: "the host's EFI variables",
  pstore: "the host's pstore",
  fusectl: "the host's FUSE control filesystem",
  hugetlbfs: "the host's huge pages",
  binfmt_misc: "the host's binfmt_misc (programs the host kernel runs)",
  overlay: 'an overlay of host directories',
};

export type LocalVolumeMount =
  /** No options: a plain directory in the data-root, nothing mounted. */
  | { kind: 'plain' }
  /** A private in-memory filesystem. */
  | { kind: 'private-fs'; type: string }
  /** A bind of a host path (o=bind / rbind): judge `device` as a bind source. */
  | { kind: 'bind'; device: string; readOnly: boolean; recursive: boolean }
  /** A network filesystem at `address` (undefined when none was given). */
  | { kind: 'network'; type: string; address: string | undefined }
  /** A view of the host kernel's state, whatever the device says. */
  | { kind: 'host-kernel'; type: string; what: string }
  /** A block-device filesystem: `device` is a host device path the kernel resolves. */
  | { kind: 'device'; type: string; device: string }
  /** Anything that cannot be judged: refused, with why. */
  | { kind: 'unjudgeable'; why: string };

export function splitMountOptions(o: string): { flags: string[]; data: string[] } {
  const flags: string[] = [];
  const data: string[] = [];
  for (const word of o.split(',')) {
    if (word === '') continue;
    if (MOUNT_FLAGS.has(word)) flags.push(word);
    else data.push(word);
  }
  return { flags, data };
}

/** What a local volume with these options mounts (options as the volume holds them, keys exact). */
export function localVolumeMount(options: Readonly<Record<string, string>> | undefined): LocalVolumeMount {
  const opts = options ?? {};
  const type = opts.type ?? '';
  const device = opts.device ?? '';
  const o = opts.o ?? '';
  if (type === '' && device === '' && o === '') return { kind: 'plain' };
  const { flags, data } = splitMountOptions(o);
  if (flags.includes('remount'))
    return { kind: 'unjudgeable', why: 'o=remount changes a mount Socket Warden cannot see' };
  if (flags.includes('bind') || flags.includes('rbind')) {
    if (!device.startsWith('/'))
      return {
        kind: 'unjudgeable',
        why: `a bind of ${JSON.stringify(device)}, which the kernel resolves against the engine's working directory`,
      };
    // The engine does not clean the device: the kernel takes each `..` after the symlinks before it,
    // where a judgement of the cleaned path would not.
    if (device.split('/').includes('..'))
      return {
        kind: 'unjudgeable',
        why: `a bind of ${JSON.stringify(device)}, whose ".." the kernel follows after any symlink before it`,
      };
    return { kind: 'bind', device, readOnly: flags.includes('ro'), recursive: flags.includes('rbind') };
  }
  const lowered = type.toLowerCase();
  const hostKernel = Object.hasOwn(HOST_KERNEL_FILESYSTEMS, type) ? HOST_KERNEL_FILESYSTEMS[type] : undefined;
  if (hostKernel) return { kind: 'host-kernel', type, what: hostKernel };
  if (Object.hasOwn(HOST_KERNEL_FILESYSTEMS, lowered))
    return { kind: 'unjudgeable', why: `filesystem type ${JSON.stringify(type)}` };
  if (PRIVATE_FILESYSTEMS.has(type)) return { kind: 'private-fs', type };
  if (NETWORK_FILESYSTEMS.has(type)) {
    // The kernel takes the last address option (CIFS reads ip= as addr=); moby resolves the first.
    const keys = type === 'cifs' || type === 'smb3' ? ['addr=', 'ip='] : ['addr='];
    const addresses = data.filter((word) => keys.some((key) => word.startsWith(key)));
    if (addresses.length > 1)
      return {
        kind: 'unjudgeable',
        why: `more than one server address (${addresses.join(',')}): the engine resolves the first, the kernel mounts the last`,
      };
    const address = addresses[0];
    return { kind: 'network', type, address: address?.slice(address.indexOf('=') + 1) };
  }
  if (type === '' || type === 'none')
    return {
      kind: 'unjudgeable',
      why: `device ${JSON.stringify(device)} with no filesystem type and no bind`,
    };
  return { kind: 'device', type, device };
}
