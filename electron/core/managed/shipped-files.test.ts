// The files the package ships agree with the paths the code expects, and the default policy is one.
import { describe, expect, it } from 'vitest';
import { adminSettingsFileSchema, resolvePolicy } from '../../../shared/settings.js';
import { MANAGED } from './managed-layout.js';
import { readShippedFiles } from './shipped-files.js';
import { effectiveExecStart, effectiveListen, parseUnitFile } from './unit-file.js';

const { shipped } = await readShippedFiles();

describe('the shipped units', () => {
  it('socket-warden.socket listens on the host socket, for root and the docker group', () => {
    expect(effectiveListen([shipped.socketUnit])).toEqual([MANAGED.hostSocket]);
    const socket = Object.fromEntries(
      parseUnitFile(shipped.socketUnit)
        .filter((e) => e.section === 'Socket')
        .map((e) => [e.key, e.value]),
    );
    expect(socket).toMatchObject({ SocketMode: '0660', SocketUser: 'root', SocketGroup: 'docker' });
  });

  it('the drop-in leaves docker.socket listening on the engine socket only, root only', () => {
    const stock = '[Socket]\nListenStream=/run/docker.sock\nSocketMode=0660\nSocketGroup=docker\n';
    expect(effectiveListen([stock, shipped.dockerSocketDropIn])).toEqual([MANAGED.engineSocket]);
    const socket = Object.fromEntries(parseUnitFile(shipped.dockerSocketDropIn).map((e) => [e.key, e.value]));
    expect(socket).toMatchObject({ SocketMode: '0600', SocketUser: 'root', SocketGroup: 'root' });
  });

  it('socket-warden.service serves the passed socket in front of the engine socket, with the root-owned policy', () => {
    const argv = effectiveExecStart([shipped.serviceUnit]);
    expect(argv?.slice(0, 2)).toEqual([MANAGED.binary, 'serve']);
    const flag = (name: string): string | undefined => argv?.[argv.indexOf(name) + 1];
    expect(flag('--listen')).toBe(MANAGED.hostSocket);
    expect(flag('--upstream')).toBe(MANAGED.engineSocket);
    expect(flag('--data-dir')).toBe(MANAGED.dataDir);
    expect(flag('--admin-settings')).toBe(MANAGED.adminSettings);
    const service = parseUnitFile(shipped.serviceUnit).filter((e) => e.section === 'Service');
    expect(service).toContainEqual({ section: 'Service', key: 'Restart', value: 'always' });
    // A mount namespace of its own would resolve bind sources differently from the engine.
    const sandboxing = service.filter((e) =>
      /^(Private|Protect|ReadOnly|ReadWrite|Inaccessible|Temporary|Bind|RootDirectory|MountAPI)/.test(e.key),
    );
    expect(sandboxing).toEqual([]);
  });
});

describe('the default policy', () => {
  it('enforces, locked, and lets no image mount the socket', () => {
    const file = adminSettingsFileSchema.parse(JSON.parse(shipped.defaultAdminSettings));
    expect(file.enhancedContainerIsolation).toMatchObject({ locked: true, value: true });
    const policy = resolvePolicy(file.enhancedContainerIsolation, undefined);
    expect(policy).toMatchObject({ enforcing: true, locked: true, imageList: { images: [] } });
  });
});
