// What a pull tells the engine about the registry's credentials: the AuthConfig object dockerd and
// Podman read from `X-Registry-Auth` (dockerode base64url-encodes it). The engine logs in to the
// registry itself with it; without it a private image cannot be pulled.
import { parseImageReference } from '../../../shared/image-reference.js';
import { credentialServerAddress, type RegistryCredential } from '../registry/docker-credentials.js';

/** The fields of the Engine API's AuthConfig a pull uses. */
export type EngineAuthConfig =
  | { username: string; password: string; serveraddress: string }
  | { identitytoken: string; serveraddress: string };

/** The AuthConfig for `credential` at `registry` ('docker.io' or 'host[:port]'). Pure. */
export function engineAuthConfig(credential: RegistryCredential, registry: string): EngineAuthConfig {
  // The docker CLI sends the config.json key as the server address: Docker Hub's is its v1 URL.
  const serveraddress = credentialServerAddress(registry);
  return credential.kind === 'basic'
    ? { username: credential.username, password: credential.password, serveraddress }
    : { identitytoken: credential.token, serveraddress };
}

/** The registry a pull's repository ('registry/path', as repositoryName() spells it) lives in. */
export function registryOfRepository(repository: string): string {
  const parsed = parseImageReference(repository);
  if (!parsed.ok) throw new Error(`"${repository}" is not a repository name: ${parsed.error}`);
  return parsed.value.registry;
}
