// Group names to gids, from /etc/group (Node has no getgrnam). Groups only an NSS module knows (LDAP,
// sssd) are not found here: name such a group by its number instead.
import { readFile } from 'node:fs/promises';

/** The gid of `group` (a name, or a decimal gid as is) in /etc/group's text; undefined when absent. */
export function gidInGroupFile(text: string, group: string): number | undefined {
  if (/^[0-9]+$/.test(group)) return Number(group);
  for (const line of text.split('\n')) {
    const [name, , gid] = line.split(':');
    if (name === group && gid !== undefined && /^[0-9]+$/.test(gid)) return Number(gid);
  }
  return undefined;
}

/** The name of `gid` in /etc/group's text, or the number when it has none. */
export function groupNameInGroupFile(text: string, gid: number): string {
  for (const line of text.split('\n')) {
    const [name, , id] = line.split(':');
    if (name && id === String(gid)) return name;
  }
  return String(gid);
}

export async function readGroupFile(file = '/etc/group'): Promise<string> {
  return readFile(file, 'utf8').catch(() => '');
}
