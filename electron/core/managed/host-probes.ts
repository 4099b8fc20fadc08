// The outcome probes status and install's verification run on a real host (none under --root): who
// answers /run/docker.sock, whether a docker-group user gets into the engine's socket, and which
// containers bind the host's socket.
import { engineGet } from './engine-query.js';
import type { HostFacts } from './host-facts.js';
import {
  containersBindingHostSocket,
  type ContainerSummary,
  type HostSocketContainer,
} from './host-socket-containers.js';
import { MANAGED } from './managed-layout.js';
import type { Probes } from './managed-status.js';
import { connectAs, identifySocket } from './socket-probe.js';
import { errorMessage } from '../../../shared/error-message.js';

/** uid of "nobody": a user who is nothing but a member of the group it is given. */
const NOBODY = 65534;

export async function probeHost(facts: HostFacts): Promise<Probes> {
  if (facts.root !== '/') return { hostSocket: null, dockerGroupToEngine: null };
  const hostSocket = facts.files[MANAGED.hostSocket]?.exists
    ? await identifySocket(MANAGED.hostSocket)
    : ({ kind: 'unreachable', error: 'no socket file' } as const);
  let dockerGroupToEngine: Probes['dockerGroupToEngine'] = null;
  if (facts.dockerGid === null) {
    dockerGroupToEngine = { kind: 'probe-failed', error: 'there is no docker group' };
  } else if (process.getuid?.() !== 0) {
    dockerGroupToEngine = { kind: 'probe-failed', error: 'only root can try as another user' };
  } else if (facts.files[MANAGED.engineSocket]?.exists) {
    dockerGroupToEngine = await connectAs(MANAGED.engineSocket, NOBODY, facts.dockerGid);
  }
  return { hostSocket, dockerGroupToEngine };
}

/** Containers binding /run/docker.sock or /var/run/docker.sock, asked of the engine on its own socket. */
export async function hostSocketContainers(
  facts: HostFacts,
): Promise<HostSocketContainer[] | { error: string }> {
  const socket = facts.files[MANAGED.engineSocket]?.isSocket ? MANAGED.engineSocket : MANAGED.hostSocket;
  try {
    return containersBindingHostSocket(
      (await engineGet(socket, '/containers/json?all=1')) as ContainerSummary[],
    );
  } catch (error) {
    return { error: errorMessage(error) };
  }
}
