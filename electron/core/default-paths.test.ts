import { describe, expect, it } from 'vitest';
import {
  defaultListen,
  socketsDirIn,
  userPaths,
  type PathInputs,
  type WardenPaths,
} from './default-paths.js';

const home = '/home/ada';

describe('userPaths', () => {
  const cases: { name: string; inputs: PathInputs; expected: WardenPaths }[] = [
    {
      name: 'a user with no XDG variables',
      inputs: { env: {}, uid: 1000, home },
      expected: {
        settingsDir: '/home/ada/.config/socket-warden',
        stateDir: '/home/ada/.local/state/socket-warden',
        runtimeDir: '/home/ada/.local/share/socket-warden',
        listenDir: '/home/ada/.local/share/socket-warden/run',
        legacyDataDir: '/home/ada/.local/share/socket-warden',
      },
    },
    {
      name: 'a user with every XDG variable',
      inputs: {
        env: {
          XDG_CONFIG_HOME: '/c',
          XDG_STATE_HOME: '/s',
          XDG_RUNTIME_DIR: '/run/user/1000',
          XDG_DATA_HOME: '/d',
        },
        uid: 1000,
        home,
      },
      expected: {
        settingsDir: '/c/socket-warden',
        stateDir: '/s/socket-warden',
        runtimeDir: '/run/user/1000/socket-warden',
        listenDir: '/run/user/1000/socket-warden',
        legacyDataDir: '/d/socket-warden',
      },
    },
    {
      name: 'relative XDG values are ignored (the spec)',
      inputs: { env: { XDG_CONFIG_HOME: 'conf', XDG_STATE_HOME: './s' }, uid: 1000, home },
      expected: {
        settingsDir: '/home/ada/.config/socket-warden',
        stateDir: '/home/ada/.local/state/socket-warden',
        runtimeDir: '/home/ada/.local/share/socket-warden',
        listenDir: '/home/ada/.local/share/socket-warden/run',
        legacyDataDir: '/home/ada/.local/share/socket-warden',
      },
    },
    {
      name: 'root keeps /var/lib',
      inputs: { env: { XDG_CONFIG_HOME: '/root/.config' }, uid: 0, home: '/root' },
      expected: {
        settingsDir: '/var/lib/socket-warden',
        stateDir: '/var/lib/socket-warden',
        runtimeDir: '/var/lib/socket-warden',
        listenDir: '/var/lib/socket-warden/run',
      },
    },
    {
      name: '--data-dir puts everything under it, resolved',
      inputs: { dataDir: '/tmp/x/../data', env: { XDG_CONFIG_HOME: '/c' }, uid: 1000, home },
      expected: {
        settingsDir: '/tmp/data',
        stateDir: '/tmp/data',
        runtimeDir: '/tmp/data',
        listenDir: '/tmp/data/run',
      },
    },
    {
      name: '--data-dir with a runtime dir: the listen socket stays there, as before',
      inputs: { dataDir: '/tmp/data', env: { XDG_RUNTIME_DIR: '/run/user/1' }, uid: 1000, home },
      expected: {
        settingsDir: '/tmp/data',
        stateDir: '/tmp/data',
        runtimeDir: '/tmp/data',
        listenDir: '/run/user/1/socket-warden',
      },
    },
  ];
  it.each(cases)('$name', ({ inputs, expected }) => {
    expect(userPaths(inputs)).toEqual(expected);
  });

  it('names the listen socket and the filtered sockets under them', () => {
    const paths = userPaths({ env: { XDG_RUNTIME_DIR: '/run/user/7' }, uid: 7, home });
    expect(defaultListen(paths)).toBe('/run/user/7/socket-warden/docker.sock');
    expect(socketsDirIn(paths)).toBe('/run/user/7/socket-warden/sockets');
  });
});
