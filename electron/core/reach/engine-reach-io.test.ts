import { describe, expect, it } from 'vitest';
import { podmanDefaults, powersBeyondDefaults } from './default-powers.js';
import { emptyGrant } from './container-grant.js';
import { defaultRuntimeOf, effectiveRuntime, PODMAN_RUNTIME_PLACEHOLDER } from './engine-reach-io.js';

describe('effectiveRuntime: the runtime an existing container runs', () => {
  it("takes Docker's answer as it is", () => {
    expect(effectiveRuntime('runc', undefined, 'runc')).toBe('runc');
    expect(effectiveRuntime('nvidia', undefined, 'runc')).toBe('nvidia');
    expect(effectiveRuntime('', undefined, undefined)).toBe('');
  });

  it("reads Podman's placeholder as the runtime its own API names, '' for the engine's default", () => {
    expect(effectiveRuntime(PODMAN_RUNTIME_PLACEHOLDER, '/usr/sbin/runc', '/usr/sbin/runc')).toBe('');
    expect(effectiveRuntime(PODMAN_RUNTIME_PLACEHOLDER, 'crun', 'crun')).toBe('');
    expect(effectiveRuntime(PODMAN_RUNTIME_PLACEHOLDER, 'kata', 'crun')).toBe('kata');
    expect(effectiveRuntime(PODMAN_RUNTIME_PLACEHOLDER, '/opt/other-runc', '/usr/sbin/runc')).toBe(
      '/opt/other-runc',
    );
    // The engine's default unknown: the runtime is named, and judged by name.
    expect(effectiveRuntime(PODMAN_RUNTIME_PLACEHOLDER, 'runsc', undefined)).toBe('runsc');
  });

  it('keeps the placeholder where the engine has no Podman API (a Docker runtime named oci)', () => {
    expect(effectiveRuntime(PODMAN_RUNTIME_PLACEHOLDER, undefined, 'runc')).toBe('oci');
  });

  it('a container on another runtime than the default holds more than a default one', () => {
    const judged = (runtime: string) =>
      powersBeyondDefaults(
        { grant: { ...emptyGrant(), runtime }, mounts: [], joins: [], devices: [], networks: [] },
        podmanDefaults,
      ).map((p) => p.what);
    expect(judged(effectiveRuntime(PODMAN_RUNTIME_PLACEHOLDER, '/usr/sbin/runc', '/usr/sbin/runc'))).toEqual(
      [],
    );
    expect(judged(effectiveRuntime(PODMAN_RUNTIME_PLACEHOLDER, 'kata', 'crun'))).toEqual(['runtime kata']);
    expect(judged(effectiveRuntime(PODMAN_RUNTIME_PLACEHOLDER, undefined, 'crun'))).toEqual(['runtime oci']);
  });
});

describe("defaultRuntimeOf: the default runtime Podman's /version names", () => {
  it('reads the "OCI Runtime (…)" component', () => {
    expect(
      defaultRuntimeOf([
        { Name: 'Podman Engine' },
        { Name: 'Conmon' },
        { Name: 'OCI Runtime (/usr/sbin/runc)' },
      ]),
    ).toBe('/usr/sbin/runc');
    expect(defaultRuntimeOf([{ Name: 'OCI Runtime (crun)' }])).toBe('crun');
  });

  it("names none for Docker's components, or none at all", () => {
    expect(defaultRuntimeOf([{ Name: 'Engine' }, { Name: 'containerd' }, { Name: 'runc' }])).toBeUndefined();
    expect(defaultRuntimeOf(undefined)).toBeUndefined();
    expect(defaultRuntimeOf([{ Name: 'OCI Runtime ()' }])).toBeUndefined();
  });
});
