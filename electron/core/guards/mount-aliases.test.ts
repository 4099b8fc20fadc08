import { describe, expect, it } from 'vitest';
import { mountAliases, parseMountInfo, type MountInfoEntry } from './mount-aliases.js';

describe('parseMountInfo: proc(5) mountinfo lines', () => {
  it.each<[string, string, MountInfoEntry[]]>([
    [
      'a line with optional fields',
      '26 1 0:25 / /run rw,nosuid,nodev,noexec,relatime shared:5 - tmpfs tmpfs rw,size=812340k,mode=755',
      [{ device: '0:25', root: '/', mountPoint: '/run' }],
    ],
    [
      'a line without optional fields (ten fields)',
      '40 26 0:25 / /mnt/run rw - tmpfs tmpfs rw',
      [{ device: '0:25', root: '/', mountPoint: '/mnt/run' }],
    ],
    [
      'several optional fields',
      '41 1 8:1 /var/lib/docker /data/docker rw,relatime shared:1 master:2 propagate_from:3 - ext4 /dev/vda1 rw',
      [{ device: '8:1', root: '/var/lib/docker', mountPoint: '/data/docker' }],
    ],
    [
      'octal escapes for space, tab, newline and backslash',
      '42 1 8:1 /with\\040space /mnt/a\\011b\\012c\\134d rw - ext4 /dev/vda1 rw',
      [{ device: '8:1', root: '/with space', mountPoint: '/mnt/a\tb\nc\\d' }],
    ],
    [
      'a backslash that is no escape stays',
      '43 1 8:1 / /mnt/x\\9 rw - ext4 /dev/vda1 rw',
      [{ device: '8:1', root: '/', mountPoint: '/mnt/x\\9' }],
    ],
    ['a short line', '44 1 8:1 / /mnt rw - ext4', []],
    ['blank lines', '\n\n', []],
    [
      'several lines, blank and truncated ones skipped',
      '1 0 8:1 / / rw - ext4 /dev/vda1 rw\n\n2 1 0:25 / /run rw\n3 1 0:26 / /tmp rw - tmpfs tmpfs rw\n',
      [
        { device: '8:1', root: '/', mountPoint: '/' },
        { device: '0:26', root: '/', mountPoint: '/tmp' },
      ],
    ],
  ])('%s', (_name, text, entries) => {
    expect(parseMountInfo(text)).toEqual(entries);
  });
});

const TABLE = parseMountInfo(
  [
    '1 0 8:1 / / rw - ext4 /dev/vda1 rw',
    '2 1 0:25 / /run rw shared:5 - tmpfs tmpfs rw',
    '3 1 0:26 / /tmp rw - tmpfs tmpfs rw',
    // mount --bind /run /mnt/run
    '4 1 0:25 / /mnt/run rw - tmpfs tmpfs rw',
    // mount --bind /run/user /srv/user
    '5 1 0:25 /user /srv/user rw - tmpfs tmpfs rw',
    // mount --bind /var/lib/docker /data/docker
    '6 1 8:1 /var/lib/docker /data/docker rw - ext4 /dev/vda1 rw',
    // mount --bind /run "/mnt/a b"
    '7 1 0:25 / /mnt/a\\040b rw - tmpfs tmpfs rw',
  ].join('\n'),
);

describe('mountAliases: the other names a path has through the mounts', () => {
  it.each<[string, string, readonly MountInfoEntry[], string[]]>([
    [
      'a bind of /run at /mnt/run (and at a path with a space)',
      '/run/docker.sock',
      TABLE,
      ['/mnt/run/docker.sock', '/mnt/a b/docker.sock'],
    ],
    ['/run itself', '/run', TABLE, ['/mnt/run', '/mnt/a b']],
    [
      'a bind of a subdirectory shows only what lies below it',
      '/run/user/1000/docker.sock',
      TABLE,
      ['/mnt/run/user/1000/docker.sock', '/srv/user/1000/docker.sock', '/mnt/a b/user/1000/docker.sock'],
    ],
    ['the subdirectory itself', '/run/user', TABLE, ['/mnt/run/user', '/srv/user', '/mnt/a b/user']],
    ['a bind of a directory of the root filesystem', '/var/lib/docker', TABLE, ['/data/docker']],
    ['below it', '/var/lib/docker/volumes/x', TABLE, ['/data/docker/volumes/x']],
    ['no alias: another tmpfs with the same root', '/tmp/docker.sock', TABLE, []],
    ['no alias: an ordinary path', '/etc/docker', TABLE, []],
    [
      'a path given by its alias leads back to the original',
      '/mnt/run/docker.sock',
      TABLE,
      ['/run/docker.sock', '/mnt/a b/docker.sock'],
    ],
    [
      'an overmount hides the filesystem below: its other mounts are no aliases',
      '/run/docker.sock',
      parseMountInfo(
        [
          '1 0 8:1 / / rw - ext4 /dev/vda1 rw',
          '2 1 0:25 / /run rw - tmpfs tmpfs rw',
          '4 1 0:25 / /mnt/run rw - tmpfs tmpfs rw',
          '9 2 0:30 / /run rw - tmpfs tmpfs rw',
          '10 1 0:30 / /mnt/new rw - tmpfs tmpfs rw',
        ].join('\n'),
      ),
      ['/mnt/new/docker.sock'],
    ],
    [
      'a mount deeper than the path does not capture it',
      '/run/docker.sock',
      parseMountInfo(
        [
          '1 0 8:1 / / rw - ext4 /dev/vda1 rw',
          '2 1 0:25 / /run rw - tmpfs tmpfs rw',
          '3 2 0:40 / /run/docker rw - tmpfs tmpfs rw',
          '4 1 0:25 / /mnt/run rw - tmpfs tmpfs rw',
        ].join('\n'),
      ),
      ['/mnt/run/docker.sock'],
    ],
    ['an empty table', '/run/docker.sock', [], []],
  ])('%s', (_name, path, table, aliases) => {
    expect(mountAliases(path, table)).toEqual(aliases);
  });
});
