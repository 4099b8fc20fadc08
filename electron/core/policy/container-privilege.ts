// What a new container would be given that lets it take over the host, and through the host the real
// Docker socket: privileged mode, escape-grade capabilities, host devices, the host's PID/IPC/user
// namespaces, unconfined seccomp/AppArmor or system paths. Docker Desktop's ECI contains such
// containers with user namespaces; a plain engine does not, so a container acting through its
// filtered socket is refused them outright. Pure.
import type { CreateRequest } from './container-create.js';

/** Capabilities with a known path from a container to host root. */
const ESCAPE_CAPABILITIES = new Set([
  'ALL',
  'SYS_ADMIN',
  'SYS_MODULE',
  'SYS_PTRACE',
  'SYS_RAWIO',
  'SYS_BOOT',
  'DAC_READ_SEARCH',
  'BPF',
]);

function capabilityName(raw: string): string {
  const upper = raw.trim().toUpperCase();
  return upper.startsWith('CAP_') ? upper.slice(4) : upper;
}

/** Docker accepts `seccomp=unconfined` and the older `seccomp:unconfined`, any case of the key. */
function unconfinedOption(option: string): string | undefined {
  const match = /^\s*([a-z]+)\s*[=:]\s*(.*?)\s*$/i.exec(option);
  if (!match) return undefined;
  const key = (match[1] ?? '').toLowerCase();
  const value = (match[2] ?? '').toLowerCase();
  if ((key === 'seccomp' || key === 'apparmor' || key === 'systempaths') && value === 'unconfined')
    return `${key}=unconfined`;
  if (key === 'label' && value === 'disable') return 'label=disable';
  return undefined;
}

/** Each way `request` would reach beyond a normal container, in words; empty when there is none. */
export function hostEscalations(request: CreateRequest): string[] {
  const found: string[] = [];
  if (request.privileged) found.push('privileged mode');
  const caps = [...new Set(request.capAdd.map(capabilityName).filter((cap) => ESCAPE_CAPABILITIES.has(cap)))];
  if (caps.length > 0) found.push(`capabilities ${caps.join(', ')}`);
  if (request.devices > 0) found.push('host devices');
  if (request.deviceCgroupRules.length > 0) found.push('device cgroup rules');
  if (request.pidMode === 'host') found.push("the host's PID namespace");
  if (request.ipcMode === 'host') found.push("the host's IPC namespace");
  if (request.usernsMode === 'host') found.push("the host's user namespace");
  for (const option of request.securityOpt) {
    const unconfined = unconfinedOption(option);
    if (unconfined) found.push(`security option ${unconfined}`);
  }
  return found;
}
