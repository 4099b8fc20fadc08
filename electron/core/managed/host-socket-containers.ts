// Containers that bind the host's Docker socket from before managed mode: a running one still holds
// the engine's old socket (dead since docker.socket moved), and any of them, started again, would get
// Socket Warden's main socket without having been judged. Pure over the engine's container list.
import { HOST_SOCKET_NAMES } from './managed-layout.js';

export interface ContainerSummary {
  Id: string;
  Names?: string[];
  Image?: string;
  State?: string;
  Mounts?: { Type?: string; Source?: string; Destination?: string }[];
}

export interface HostSocketContainer {
  id: string;
  name: string;
  image: string;
  running: boolean;
  destination: string;
}

export function containersBindingHostSocket(containers: readonly ContainerSummary[]): HostSocketContainer[] {
  const found: HostSocketContainer[] = [];
  for (const container of containers) {
    const mount = container.Mounts?.find(
      (m) => m.Type === 'bind' && HOST_SOCKET_NAMES.includes(m.Source ?? ''),
    );
    if (!mount) continue;
    found.push({
      id: container.Id.slice(0, 12),
      name: (container.Names?.[0] ?? '').replace(/^\//, ''),
      image: container.Image ?? '',
      running: container.State === 'running',
      destination: mount.Destination ?? '',
    });
  }
  return found;
}

export function describeHostSocketContainer(container: HostSocketContainer): string {
  const what = `${container.name || container.id} (${container.image}) binds the host's socket at ${container.destination}`;
  return container.running
    ? `${what}: it still holds the engine's old socket; recreate it (docker rm -f, then run it again) so Socket Warden judges its socket mount`
    : `${what}: recreate it rather than start it, so Socket Warden judges its socket mount`;
}
