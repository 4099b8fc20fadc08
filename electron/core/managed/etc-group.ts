// A group's gid from /etc/group's text (managed mode asks for "docker": who may use the socket). Pure.
export function groupId(etcGroup: string, name: string): number | null {
  for (const line of etcGroup.split('\n')) {
    const [group, , gid] = line.split(':');
    if (group === name && gid !== undefined && /^\d+$/.test(gid)) return Number(gid);
  }
  return null;
}
