import { describe, expect, it } from 'vitest';
import {
  DEFAULT_REFRESH_INTERVAL_MINUTES,
  adminSettingsFileSchema,
  eciSettingsSchema,
  formatJsonPath,
  formatJsonSyntaxError,
  formatSettingsError,
  policySchema,
  refreshIntervalMinutes,
  resolvePolicy,
  socketWardenSettingsSchema,
  userSettingsSchema,
  type AdminEci,
  type UserSettings,
} from './settings.js';

const FILE = '/etc/socket-warden/admin-settings.json';

// Spec section 2, verbatim.
const SPEC_EXAMPLE = `{
  "configurationFileVersion": 2,
  "enhancedContainerIsolation": {
    "locked": true,
    "value": true,
    "dockerSocketMount": {
      "imageList": {
        "images": ["docker.io/localstack/localstack:*", "docker.io/testcontainers/ryuk:*", "docker:cli"],
        "allowDerivedImages": true
      },
      "commandList": { "type": "deny", "commands": ["push"] }
    }
  }
}`;

// A Docker Desktop admin-settings.json holds many other settings beside ours.
const DOCKER_DESKTOP_FILE = {
  configurationFileVersion: 2,
  exposeDockerAPIOnTCP2375: { locked: true, value: false },
  proxy: { locked: true, mode: 'system', http: '', https: '', exclude: [] },
  containersProxy: {
    locked: true,
    mode: 'manual',
    http: '',
    https: '',
    exclude: [],
    pac: '',
    transparentPorts: '',
  },
  enhancedContainerIsolation: {
    locked: true,
    value: true,
    dockerSocketMount: {
      imageList: { images: ['docker.io/testcontainers/ryuk:*'] },
      commandList: { type: 'deny', commands: ['push', 'build*'] },
    },
  },
  linuxVM: {
    wslEngineEnabled: { locked: false, value: false },
    dockerDaemonOptions: { locked: false, value: '{}' },
  },
  kubernetes: { locked: false, enabled: false, mode: 'kubeadm', imagesRepository: '' },
  analyticsEnabled: { locked: false, value: true },
  extensionsEnabled: { locked: true, value: false },
  scout: { locked: false, sbomIndexing: true, useBackgroundIndexing: true },
  allowBetaFeatures: { locked: false, value: false },
  blockDockerLoad: { locked: false, value: true },
  filesharingAllowedDirectories: [{ path: '$HOME', sharedByDefault: true }],
  useVirtualizationFrameworkVirtioFS: { locked: true, value: true },
  disableUpdate: { locked: false, value: false },
};

function eci(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { value: true, ...overrides };
}

function parseAdmin(json: unknown) {
  return adminSettingsFileSchema.safeParse(json);
}

describe('adminSettingsFileSchema: valid files', () => {
  it('accepts the spec example verbatim', () => {
    const parsed = parseAdmin(JSON.parse(SPEC_EXAMPLE));
    expect(parsed.success).toBe(true);
    expect(parsed.data?.enhancedContainerIsolation).toEqual({
      locked: true,
      value: true,
      dockerSocketMount: {
        imageList: {
          images: ['docker.io/localstack/localstack:*', 'docker.io/testcontainers/ryuk:*', 'docker:cli'],
          allowDerivedImages: true,
        },
        commandList: { type: 'deny', commands: ['push'] },
      },
    });
  });

  it('accepts a Docker Desktop file with its other settings and keeps them apart from ours', () => {
    const parsed = parseAdmin(DOCKER_DESKTOP_FILE);
    expect(parsed.success).toBe(true);
    expect(parsed.data?.enhancedContainerIsolation?.dockerSocketMount.commandList.commands).toEqual([
      'push',
      'build*',
    ]);
    expect(Object.keys(parsed.data ?? {})).toContain('linuxVM');
  });

  it('accepts a version-2 file with no ECI section (no admin policy)', () => {
    const parsed = parseAdmin({
      configurationFileVersion: 2,
      analyticsEnabled: { locked: true, value: false },
    });
    expect(parsed.success).toBe(true);
    expect(parsed.data?.enhancedContainerIsolation).toBeUndefined();
  });

  it.each([
    [
      'only value',
      { value: true },
      { images: [], allowDerivedImages: false },
      { type: 'deny', commands: [] },
    ],
    [
      'imageList without allowDerivedImages',
      { value: true, dockerSocketMount: { imageList: { images: ['*'] } } },
      { images: ['*'], allowDerivedImages: false },
      { type: 'deny', commands: [] },
    ],
    [
      'commandList without type',
      { value: false, dockerSocketMount: { commandList: { commands: ['push'] } } },
      { images: [], allowDerivedImages: false },
      { type: 'deny', commands: ['push'] },
    ],
    [
      'allow list with digests and wildcards',
      {
        value: true,
        dockerSocketMount: {
          imageList: {
            images: [
              'localhost:5000/team/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
              'ghcr.io/acme/tool:*',
            ],
          },
          commandList: { type: 'allow', commands: ['ps', 'container*', 'image*'] },
        },
      },
      {
        images: [
          'localhost:5000/team/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
          'ghcr.io/acme/tool:*',
        ],
        allowDerivedImages: false,
      },
      { type: 'allow', commands: ['ps', 'container*', 'image*'] },
    ],
  ])('fills the spec defaults: %s', (_name, section, imageList, commandList) => {
    const parsed = eciSettingsSchema.parse(section);
    expect(parsed.dockerSocketMount.imageList).toEqual(imageList);
    expect(parsed.dockerSocketMount.commandList).toEqual(commandList);
  });
});

const ECI = 'enhancedContainerIsolation';
const MOUNT = `${ECI}.dockerSocketMount`;

describe('adminSettingsFileSchema: every invalid case names the JSON path and what was expected', () => {
  const cases: Array<[name: string, json: unknown, path: string, expected: RegExp]> = [
    ['not an object', null, '(top level)', /expected object/],
    ['an array', [], '(top level)', /expected object/],
    ['version 1', { configurationFileVersion: 1 }, 'configurationFileVersion', /expected 2/],
    ['version missing', { [ECI]: eci() }, 'configurationFileVersion', /expected 2/],
    ['version as a string', { configurationFileVersion: '2' }, 'configurationFileVersion', /expected 2/],
    ['ECI section not an object', { configurationFileVersion: 2, [ECI]: true }, ECI, /expected object/],
    [
      'value missing',
      { configurationFileVersion: 2, [ECI]: { locked: true } },
      `${ECI}.value`,
      /expected a boolean/,
    ],
    [
      'value as a string',
      { configurationFileVersion: 2, [ECI]: eci({ value: 'true' }) },
      `${ECI}.value`,
      /expected a boolean/,
    ],
    [
      'locked as a string',
      { configurationFileVersion: 2, [ECI]: eci({ locked: 'yes' }) },
      `${ECI}.locked`,
      /expected boolean/,
    ],
    [
      'unknown field in the ECI section',
      { configurationFileVersion: 2, [ECI]: eci({ dockerSocketMounts: {} }) },
      `${ECI}.dockerSocketMounts`,
      /unknown field \(expected only: locked, value, dockerSocketMount\)/,
    ],
    [
      'misspelt imageList',
      { configurationFileVersion: 2, [ECI]: eci({ dockerSocketMount: { imagelist: { images: [] } } }) },
      `${MOUNT}.imagelist`,
      /unknown field \(expected only: imageList, commandList\)/,
    ],
    [
      'misspelt allowDerivedImages',
      {
        configurationFileVersion: 2,
        [ECI]: eci({ dockerSocketMount: { imageList: { allowDerivedImage: true } } }),
      },
      `${MOUNT}.imageList.allowDerivedImage`,
      /unknown field \(expected only: images, allowDerivedImages\)/,
    ],
    [
      'images not an array',
      {
        configurationFileVersion: 2,
        [ECI]: eci({ dockerSocketMount: { imageList: { images: 'docker:cli' } } }),
      },
      `${MOUNT}.imageList.images`,
      /expected array/,
    ],
    [
      'an image entry that is not a string',
      {
        configurationFileVersion: 2,
        [ECI]: eci({ dockerSocketMount: { imageList: { images: ['docker:cli', 42] } } }),
      },
      `${MOUNT}.imageList.images[1]`,
      /expected string/,
    ],
    [
      'an empty image entry',
      {
        configurationFileVersion: 2,
        [ECI]: eci({ dockerSocketMount: { imageList: { images: ['a', 'b', ''] } } }),
      },
      `${MOUNT}.imageList.images[2]`,
      /"" is not a valid image list entry: .*empty/,
    ],
    [
      'a wildcard inside a name',
      {
        configurationFileVersion: 2,
        [ECI]: eci({ dockerSocketMount: { imageList: { images: ['docker.io/acme/*'] } } }),
      },
      `${MOUNT}.imageList.images[0]`,
      /"docker.io\/acme\/\*" is not a valid image list entry: .*wildcard.*\(expected name\[:tag\], name:\*, name@digest or \*\)/,
    ],
    [
      'an uppercase repository name',
      {
        configurationFileVersion: 2,
        [ECI]: eci({ dockerSocketMount: { imageList: { images: ['Docker:cli'] } } }),
      },
      `${MOUNT}.imageList.images[0]`,
      /"Docker:cli" is not a valid image list entry/,
    ],
    [
      'a malformed digest',
      {
        configurationFileVersion: 2,
        [ECI]: eci({ dockerSocketMount: { imageList: { images: ['busybox@sha256:abc'] } } }),
      },
      `${MOUNT}.imageList.images[0]`,
      /"busybox@sha256:abc" is not a valid image list entry/,
    ],
    [
      'allowDerivedImages as a string',
      {
        configurationFileVersion: 2,
        [ECI]: eci({ dockerSocketMount: { imageList: { allowDerivedImages: 'true' } } }),
      },
      `${MOUNT}.imageList.allowDerivedImages`,
      /expected boolean/,
    ],
    [
      'an unknown commandList type',
      {
        configurationFileVersion: 2,
        [ECI]: eci({ dockerSocketMount: { commandList: { type: 'block', commands: [] } } }),
      },
      `${MOUNT}.commandList.type`,
      /expected one of "deny"\|"allow"/,
    ],
    [
      'an unsupported command (compose)',
      {
        configurationFileVersion: 2,
        [ECI]: eci({ dockerSocketMount: { commandList: { commands: ['push', 'compose'] } } }),
      },
      `${MOUNT}.commandList.commands[1]`,
      /"compose" cannot be enforced: it has no Docker Engine API of its own/,
    ],
    [
      'an unknown command',
      {
        configurationFileVersion: 2,
        [ECI]: eci({ dockerSocketMount: { commandList: { commands: ['frobnicate'] } } }),
      },
      `${MOUNT}.commandList.commands[0]`,
      /unknown command "frobnicate"/,
    ],
    [
      'commands not an array',
      {
        configurationFileVersion: 2,
        [ECI]: eci({ dockerSocketMount: { commandList: { commands: 'push' } } }),
      },
      `${MOUNT}.commandList.commands`,
      /expected array/,
    ],
  ];

  it.each(cases)('%s', (_name, json, path, expected) => {
    const parsed = parseAdmin(json);
    expect(parsed.success).toBe(false);
    const message = formatSettingsError(FILE, parsed.error!);
    expect(message).toContain(FILE);
    const line = message.split('\n').find((l) => l.trim().startsWith(`${path}:`));
    expect(line, message).toBeDefined();
    expect(line).toMatch(expected);
  });

  it.each([
    'compose',
    'dev',
    'extension',
    'feedback',
    'init',
    'manifest',
    'plugin',
    'sbom',
    'scout',
    'trust',
  ])('refuses the unsupported command name %s', (name) => {
    const parsed = eciSettingsSchema.safeParse(
      eci({ dockerSocketMount: { commandList: { commands: [name] } } }),
    );
    expect(parsed.success).toBe(false);
  });

  it('reports every problem of a file at once, each on its own line', () => {
    const parsed = parseAdmin({
      configurationFileVersion: 2,
      [ECI]: {
        value: 'on',
        dockerSocketMount: { imageList: { images: ['ok:1', 'bad tag:1'] }, commandList: { type: 'x' } },
      },
    });
    const message = formatSettingsError(FILE, parsed.error!);
    expect(message.split('\n')[0]).toBe(`invalid settings in ${FILE} (3 problems):`);
    expect(message).toContain(`${ECI}.value:`);
    expect(message).toContain(`${MOUNT}.imageList.images[1]:`);
    expect(message).toContain(`${MOUNT}.commandList.type:`);
  });
});

describe('formatJsonPath', () => {
  it.each<[PropertyKey[], string]>([
    [[], '(top level)'],
    [['configurationFileVersion'], 'configurationFileVersion'],
    [
      ['enhancedContainerIsolation', 'dockerSocketMount', 'imageList', 'images', 2],
      `${MOUNT}.imageList.images[2]`,
    ],
    [['a key', 0], '["a key"][0]'],
  ])('%j → %s', (path, expected) => {
    expect(formatJsonPath(path)).toBe(expected);
  });
});

describe('formatJsonSyntaxError', () => {
  it('names the file, line and column of a JSON syntax error', () => {
    const text = '{\n  "configurationFileVersion": 2,\n}';
    let error: unknown;
    try {
      JSON.parse(text);
    } catch (caught) {
      error = caught;
    }
    const message = formatJsonSyntaxError(FILE, text, error);
    expect(message).toMatch(new RegExp(`^invalid JSON in ${FILE} at line 3, column 1: `));
  });
});

const ADMIN_LOCKED: AdminEci = eciSettingsSchema.parse(JSON.parse(SPEC_EXAMPLE).enhancedContainerIsolation);
const ADMIN_UNLOCKED: AdminEci = { ...ADMIN_LOCKED, locked: false };
const ADMIN_NO_LOCKED_FIELD: AdminEci = eciSettingsSchema.parse({
  value: true,
  dockerSocketMount: { imageList: { images: ['docker:cli'] } },
});
const USER_FULL: UserSettings = {
  enforcing: false,
  imageList: { images: ['busybox:*'], allowDerivedImages: false },
  commandList: { type: 'allow', commands: ['ps'] },
};

describe('resolvePolicy', () => {
  it.each<[string, AdminEci | undefined, UserSettings | undefined, Record<string, unknown>]>([
    [
      'no admin file, no user settings: enforcement on, empty image list, empty deny list',
      undefined,
      undefined,
      {
        enforcing: true,
        locked: false,
        source: 'default',
        imageList: { images: [], allowDerivedImages: false },
        commandList: { type: 'deny', commands: [] },
      },
    ],
    [
      'locked admin file: the admin values, whatever the user stored',
      ADMIN_LOCKED,
      USER_FULL,
      {
        enforcing: true,
        locked: true,
        source: 'admin',
        adminFile: FILE,
        imageList: ADMIN_LOCKED.dockerSocketMount.imageList,
        commandList: { type: 'deny', commands: ['push'] },
      },
    ],
    [
      'locked admin file with value false: enforcement off, locked',
      { ...ADMIN_LOCKED, value: false },
      { enforcing: true },
      { enforcing: false, locked: true, source: 'admin' },
    ],
    [
      'unlocked admin file, no user settings: the admin values as defaults',
      ADMIN_UNLOCKED,
      undefined,
      {
        enforcing: true,
        locked: false,
        source: 'admin',
        adminFile: FILE,
        imageList: ADMIN_LOCKED.dockerSocketMount.imageList,
      },
    ],
    [
      'admin file without `locked` is unlocked',
      ADMIN_NO_LOCKED_FIELD,
      { enforcing: false },
      {
        enforcing: false,
        locked: false,
        source: 'user',
        imageList: { images: ['docker:cli'], allowDerivedImages: false },
      },
    ],
    [
      'unlocked admin file: each field the user set wins, the rest stay the admin defaults',
      ADMIN_UNLOCKED,
      { imageList: { images: ['busybox:*'] } },
      {
        enforcing: true,
        locked: false,
        source: 'user',
        adminFile: FILE,
        imageList: { images: ['busybox:*'], allowDerivedImages: true },
        commandList: { type: 'deny', commands: ['push'] },
      },
    ],
    [
      'unlocked admin file: the user may turn enforcement off',
      ADMIN_UNLOCKED,
      { enforcing: false },
      { enforcing: false, locked: false, source: 'user' },
    ],
    [
      'unlocked admin file: a user command list replaces type and commands together',
      ADMIN_UNLOCKED,
      { commandList: { type: 'allow', commands: ['ps'] } },
      { commandList: { type: 'allow', commands: ['ps'] }, source: 'user' },
    ],
    [
      'no admin file: the user settings apply',
      undefined,
      USER_FULL,
      {
        enforcing: false,
        locked: false,
        source: 'user',
        imageList: { images: ['busybox:*'], allowDerivedImages: false },
        commandList: { type: 'allow', commands: ['ps'] },
      },
    ],
    [
      'a refresher preference alone is not a policy setting',
      undefined,
      { refresher: { intervalMinutes: 5 } },
      { enforcing: true, source: 'default' },
    ],
  ])('%s', (_name, admin, user, expected) => {
    const policy = resolvePolicy(admin, user, admin ? { adminFile: FILE } : {});
    expect(policy).toMatchObject(expected);
    expect(policySchema.parse(policy)).toEqual(policy);
    if (!admin) expect(policy.adminFile).toBeUndefined();
  });

  it('does not share arrays with its inputs (a later edit cannot change the enforced policy)', () => {
    const admin = eciSettingsSchema.parse({
      value: true,
      dockerSocketMount: { imageList: { images: ['docker:cli'] } },
    });
    const user: UserSettings = { commandList: { type: 'deny', commands: ['push'] } };
    const policy = resolvePolicy(admin, user);
    admin.dockerSocketMount.imageList.images.push('*');
    user.commandList!.commands.push('build');
    expect(policy.imageList.images).toEqual(['docker:cli']);
    expect(policy.commandList.commands).toEqual(['push']);
  });
});

describe('userSettingsSchema', () => {
  it.each<[string, unknown, string]>([
    ['a bad image entry', { imageList: { images: ['docker:cli', 'doc*ker'] } }, 'imageList.images[1]'],
    [
      'an unsupported command',
      { commandList: { type: 'deny', commands: ['trust'] } },
      'commandList.commands[0]',
    ],
    ['commands missing', { commandList: { type: 'allow' } }, 'commandList.commands'],
    ['enforcing as a string', { enforcing: 'no' }, 'enforcing'],
    ['a zero refresh interval', { refresher: { intervalMinutes: 0 } }, 'refresher.intervalMinutes'],
    ['a fractional refresh interval', { refresher: { intervalMinutes: 1.5 } }, 'refresher.intervalMinutes'],
  ])('rejects %s at %s', (_name, input, path) => {
    const parsed = userSettingsSchema.safeParse(input);
    expect(parsed.success).toBe(false);
    expect(formatSettingsError('user settings', parsed.error!)).toContain(`  ${path}:`);
  });

  it('accepts an empty object and defaults the command list type to deny', () => {
    expect(userSettingsSchema.parse({})).toEqual({});
    expect(userSettingsSchema.parse({ commandList: { commands: ['push'] } })).toEqual({
      commandList: { type: 'deny', commands: ['push'] },
    });
  });

  it('gives the refresh interval the user chose, or the default', () => {
    expect(refreshIntervalMinutes(undefined)).toBe(DEFAULT_REFRESH_INTERVAL_MINUTES);
    expect(refreshIntervalMinutes({ refresher: { intervalMinutes: 5 } })).toBe(5);
  });
});

describe("the socketWarden section: Socket Warden's own settings beyond Docker Desktop's", () => {
  const file = (socketWarden: unknown) => ({ configurationFileVersion: 2, socketWarden });

  it.each<[string, unknown, Record<string, unknown>]>([
    [
      'empty: enforce, host protection unset, nothing more guarded',
      {},
      { enforcement: 'enforce', guardedPaths: [] },
    ],
    ['report-only', { enforcement: 'report-only' }, { enforcement: 'report-only' }],
    [
      'host protection with bindable paths and exempt images',
      {
        hostProtection: {
          enabled: true,
          bindablePaths: ['/home', '/tmp'],
          exemptImages: ['docker:dind@sha256:' + 'a'.repeat(64)],
        },
      },
      {
        hostProtection: {
          enabled: true,
          bindablePaths: ['/home', '/tmp'],
          exemptImages: ['docker:dind@sha256:' + 'a'.repeat(64)],
        },
      },
    ],
    [
      'guarded paths',
      { guardedPaths: ['/srv/other-engine.sock'] },
      { guardedPaths: ['/srv/other-engine.sock'] },
    ],
  ])('%s', (_name, section, expected) => {
    const parsed = adminSettingsFileSchema.parse(file(section));
    expect(parsed.socketWarden).toMatchObject(expected);
  });

  it.each<[string, unknown, string, RegExp]>([
    ['an unknown enforcement', { enforcement: 'audit' }, 'socketWarden.enforcement', /report-only/],
    [
      'a relative bindable path',
      { hostProtection: { bindablePaths: ['home'] } },
      'socketWarden.hostProtection.bindablePaths[0]',
      /absolute/,
    ],
    ['a misspelt field', { guardedPath: [] }, 'socketWarden.guardedPath', /unknown field/],
    [
      'an invalid exempt image',
      { hostProtection: { exemptImages: ['Bad Name'] } },
      'socketWarden.hostProtection.exemptImages[0]',
      /not a valid image list entry/,
    ],
  ])('refuses %s, naming the path', (_name, section, where, expected) => {
    const result = adminSettingsFileSchema.safeParse(file(section));
    expect(result.success).toBe(false);
    if (result.success) return;
    const text = formatSettingsError('admin.json', result.error);
    expect(text).toContain(where);
    expect(text).toMatch(expected);
  });

  it.each<[string, boolean | undefined, boolean, boolean]>([
    ['managed mode turns host protection on by default', undefined, true, true],
    ['personal mode leaves it off by default', undefined, false, false],
    ['the admin can turn it off in managed mode', false, true, false],
    ['the admin can turn it on in personal mode', true, false, true],
  ])('%s', (_name, enabled, managed, expected) => {
    const socketWarden = socketWardenSettingsSchema.parse({
      hostProtection: enabled === undefined ? {} : { enabled },
    });
    expect(
      resolvePolicy(undefined, undefined, { socketWarden, managed }).socketWarden?.hostProtection.enabled,
    ).toBe(expected);
  });

  it('a user cannot loosen it: the admin section applies unlocked too', () => {
    const socketWarden = socketWardenSettingsSchema.parse({
      enforcement: 'report-only',
      guardedPaths: ['/x'],
    });
    const policy = resolvePolicy(
      eciSettingsSchema.parse({ value: true }),
      { enforcing: false },
      { socketWarden },
    );
    expect(policy.socketWarden).toMatchObject({ enforcement: 'report-only', guardedPaths: ['/x'] });
  });
});
