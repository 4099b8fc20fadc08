// The policy settings: the admin file (`admin-settings.json`, version 2, the
// shape of spec section 2), the user's own settings, and the one resolved
// Policy the engine enforces. Pure: no I/O here, so the app, the daemon and the
// tests share one definition and one set of messages.
import { z } from 'zod';
import { parseImageListEntry } from './image-reference.js';
import { validateCommandName } from './command-map.js';
import { errorMessage } from './error-message.js';

/** How often the digests of allowed images are fetched again, when the user has not chosen. */
export const DEFAULT_REFRESH_INTERVAL_MINUTES = 15;

const IMAGE_ENTRY_FORMATS = 'name[:tag], name:*, name@digest or *';

/** One `imageList.images` entry, checked by the same parser the engine matches with. */
export const imageListEntrySchema = z.string().superRefine((text, ctx) => {
  const parsed = parseImageListEntry(text);
  if (!parsed.ok) {
    ctx.addIssue({
      code: 'custom',
      message: `${JSON.stringify(text)} is not a valid image list entry: ${parsed.error} (expected ${IMAGE_ENTRY_FORMATS})`,
    });
  }
});

/** One `commandList.commands` entry, as `docker --help` names it (or a `container*`-style wildcard). */
export const commandNameSchema = z.string().superRefine((name, ctx) => {
  const checked = validateCommandName(name);
  if (!checked.ok) {
    // The command map's message already quotes the name and says why (unsupported, unknown, a near miss).
    ctx.addIssue({ code: 'custom', message: checked.error });
  }
});

export const commandListTypeSchema = z.enum(['deny', 'allow']);

// Inside the policy section every field name is the spec's: a misspelt key
// (`allowDerivedImage`) would otherwise be dropped and silently change the policy.
function strict<Shape extends z.ZodRawShape>(shape: Shape) {
  const fields = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys' ? `unknown field (expected only: ${fields})` : undefined,
  });
}

const imageListSchema = strict({
  images: z.array(imageListEntrySchema).default([]),
  allowDerivedImages: z.boolean().default(false),
});

const commandListSchema = strict({
  type: commandListTypeSchema.default('deny'),
  commands: z.array(commandNameSchema).default([]),
});

/** The `enhancedContainerIsolation` section of `admin-settings.json`, with the spec's defaults filled in. */
export const eciSettingsSchema = strict({
  // Absent `locked` means unlocked: the admin values are then defaults the user may edit.
  locked: z.boolean().optional(),
  value: z.boolean({ error: 'expected a boolean: true turns enforcement on, false turns it off' }),
  dockerSocketMount: strict({
    imageList: imageListSchema.prefault({}),
    commandList: commandListSchema.prefault({}),
  }).prefault({}),
});

const absolutePathSchema = z
  .string()
  .refine((p) => p.startsWith('/'), { error: 'expected an absolute host path (starting with /)' });

export const enforcementModeSchema = z.enum(['enforce', 'report-only']);

/**
 * Socket Warden's own section of admin-settings.json, beyond Docker Desktop's fields: how a roll-out
 * enforces, what the host's users may hand a container (managed mode), and more paths to guard.
 */
export const socketWardenSettingsSchema = strict({
  /** `report-only` forwards what would be denied and records it as "would deny". */
  enforcement: enforcementModeSchema.default('enforce'),
  hostProtection: strict({
    /** Hold the host's users to Docker's default powers and the bindable paths; on by default in managed mode. */
    enabled: z.boolean().optional(),
    /** Host directories the host's users may bind into containers (and everything below them). */
    bindablePaths: z.array(absolutePathSchema).default([]),
    /** Images exempt from host protection, verified by digest like the socket image list. */
    exemptImages: z.array(imageListEntrySchema).default([]),
  }).prefault({}),
  /** More host paths to guard like the engine's socket (another engine's socket, a state directory). */
  guardedPaths: z.array(absolutePathSchema).default([]),
});

/**
 * The whole admin file. Docker Desktop keeps its other settings in the same
 * file, so keys other than ours pass through untouched (and are ignored).
 */
export const adminSettingsFileSchema = z.looseObject({
  configurationFileVersion: z.literal(2, {
    error: 'expected 2 (the admin-settings.json version this format belongs to)',
  }),
  enhancedContainerIsolation: eciSettingsSchema.optional(),
  socketWarden: socketWardenSettingsSchema.optional(),
});

/** The top-level keys of the admin file that are ours; every other key belongs to someone else. */
export const ADMIN_FILE_KEYS: readonly string[] = Object.keys(adminSettingsFileSchema.shape);

/** The user settings file's `version` this build writes (migrations: user-settings-migrations.ts). */
export const USER_SETTINGS_VERSION = 1;

/**
 * The user's own settings. Every policy field is optional on purpose: a field
 * the user never set falls back to the (unlocked) admin value, then to the
 * built-in default, so an admin can still move defaults for users who never
 * touched that setting. Keys it does not know are not part of the parsed value,
 * but the store keeps them in the file and reports them (user-settings-store.ts);
 * `version` is the file's, handled by the store.
 */
export const userSettingsSchema = z.object({
  enforcing: z.boolean().optional(),
  imageList: z
    .object({
      images: z.array(imageListEntrySchema).optional(),
      allowDerivedImages: z.boolean().optional(),
    })
    .optional(),
  // Type and commands are one setting: the commands mean nothing without the type.
  commandList: z
    .object({
      type: commandListTypeSchema.default('deny'),
      commands: z.array(commandNameSchema),
    })
    .optional(),
  refresher: z
    .object({
      intervalMinutes: z
        .number()
        .int()
        .min(1)
        .max(24 * 60),
    })
    .optional(),
});

/** The policy the engine enforces, after admin file, user settings and defaults are combined. */
export const policySchema = z.object({
  enforcing: z.boolean(),
  locked: z.boolean(),
  source: z.enum(['admin', 'user', 'default']),
  adminFile: z.string().optional(),
  imageList: z.object({ images: z.array(z.string()), allowDerivedImages: z.boolean() }),
  commandList: z.object({ type: commandListTypeSchema, commands: z.array(z.string()) }),
  /** From the admin's socketWarden section only (a user cannot loosen it); absent: its defaults. */
  socketWarden: z
    .object({
      enforcement: enforcementModeSchema,
      hostProtection: z.object({
        enabled: z.boolean(),
        bindablePaths: z.array(z.string()),
        exemptImages: z.array(z.string()),
      }),
      guardedPaths: z.array(z.string()),
    })
    .optional(),
});

export type AdminEci = z.infer<typeof eciSettingsSchema>;
export type SocketWardenSettings = z.infer<typeof socketWardenSettingsSchema>;
export type AdminSettingsFile = z.infer<typeof adminSettingsFileSchema>;
export type UserSettings = z.infer<typeof userSettingsSchema>;
export type Policy = z.infer<typeof policySchema>;
export type WardenPolicy = NonNullable<Policy['socketWarden']>;

/** The socketWarden part of a policy, with its defaults where the policy has none. */
export function wardenPolicy(policy: Policy): WardenPolicy {
  return (
    policy.socketWarden ?? {
      enforcement: 'enforce',
      hostProtection: { enabled: false, bindablePaths: [], exemptImages: [] },
      guardedPaths: [],
    }
  );
}
export type CommandListType = z.infer<typeof commandListTypeSchema>;

/** With no admin file and no user settings: enforcement on, nothing may mount the socket, nothing denied. */
export const DEFAULT_ECI: AdminEci = eciSettingsSchema.parse({ value: true });

/** True when the user has set any of the policy fields (not just preferences such as the refresher). */
export function userHasPolicySettings(user: UserSettings | undefined): boolean {
  if (!user) return false;
  return (
    user.enforcing !== undefined ||
    user.imageList?.images !== undefined ||
    user.imageList?.allowDerivedImages !== undefined ||
    user.commandList !== undefined
  );
}

/**
 * Locked admin section: it alone decides. Otherwise the admin section (or the
 * built-in defaults) gives the starting values and each field the user set wins.
 */
export const DEFAULT_SOCKET_WARDEN: SocketWardenSettings = socketWardenSettingsSchema.parse({});

export function resolvePolicy(
  admin: AdminEci | undefined,
  user: UserSettings | undefined,
  options: { adminFile?: string; socketWarden?: SocketWardenSettings; managed?: boolean } = {},
): Policy {
  const warden = options.socketWarden ?? DEFAULT_SOCKET_WARDEN;
  const ours = {
    socketWarden: {
      enforcement: warden.enforcement,
      hostProtection: {
        // Managed mode exists to hold the host's users: on unless the admin turns it off.
        enabled: warden.hostProtection.enabled ?? options.managed === true,
        bindablePaths: [...warden.hostProtection.bindablePaths],
        exemptImages: [...warden.hostProtection.exemptImages],
      },
      guardedPaths: [...warden.guardedPaths],
    },
  };
  const base = admin ?? DEFAULT_ECI;
  const fromAdmin =
    admin !== undefined && options.adminFile !== undefined ? { adminFile: options.adminFile } : {};
  const adminValues = {
    enforcing: base.value,
    imageList: { ...base.dockerSocketMount.imageList, images: [...base.dockerSocketMount.imageList.images] },
    commandList: {
      ...base.dockerSocketMount.commandList,
      commands: [...base.dockerSocketMount.commandList.commands],
    },
  };
  if (admin?.locked === true) {
    return { ...adminValues, ...ours, locked: true, source: 'admin', ...fromAdmin };
  }
  const userSet = userHasPolicySettings(user);
  return {
    enforcing: user?.enforcing ?? adminValues.enforcing,
    imageList: {
      images: user?.imageList?.images ? [...user.imageList.images] : adminValues.imageList.images,
      allowDerivedImages: user?.imageList?.allowDerivedImages ?? adminValues.imageList.allowDerivedImages,
    },
    commandList: user?.commandList
      ? { type: user.commandList.type, commands: [...user.commandList.commands] }
      : adminValues.commandList,
    ...ours,
    locked: false,
    source: userSet ? 'user' : admin ? 'admin' : 'default',
    ...fromAdmin,
  };
}

/** The refresh interval the user chose, or the default. */
export function refreshIntervalMinutes(user: UserSettings | undefined): number {
  return user?.refresher?.intervalMinutes ?? DEFAULT_REFRESH_INTERVAL_MINUTES;
}

/** `enhancedContainerIsolation.dockerSocketMount.imageList.images[2]`; `(top level)` for the root. */
export function formatJsonPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$]*$/.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out === '' ? '(top level)' : out;
}

/**
 * One line per problem: the file, the JSON path of the bad field and what was
 * expected there, e.g.
 * `/etc/socket-warden/admin-settings.json: enhancedContainerIsolation.value: expected a boolean ...`.
 */
export function formatSettingsError(file: string, error: z.ZodError): string {
  const lines: string[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      // Name each unknown key at its own path, so the admin can find it.
      for (const key of issue.keys) lines.push(`  ${formatJsonPath([...issue.path, key])}: ${issue.message}`);
    } else {
      lines.push(`  ${formatJsonPath(issue.path)}: ${issue.message}`);
    }
  }
  const count = lines.length === 1 ? '1 problem' : `${lines.length} problems`;
  return `invalid settings in ${file} (${count}):\n${lines.join('\n')}`;
}

/** A JSON syntax error with its line and column (Node 20 reports only a character position). */
export function formatJsonSyntaxError(file: string, text: string, error: unknown): string {
  const message = errorMessage(error);
  const position = /at position (\d+)/.exec(message);
  let where = '';
  if (position?.[1] !== undefined) {
    const before = text.slice(0, Number(position[1]));
    const line = before.split('\n').length;
    const column = before.length - before.lastIndexOf('\n');
    where = ` at line ${line}, column ${column}`;
  }
  return `invalid JSON in ${file}${where}: ${message}`;
}
