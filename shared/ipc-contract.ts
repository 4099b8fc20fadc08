// The one IPC contract between the settings pane and the engine. Both transports (Electron IPC and
// HTTP + server-sent events for `socket-warden serve --ui`) carry exactly these messages, and every
// message is validated against these schemas on both sides of the boundary.
import { z } from 'zod';
import { historyEntrySchema, historyIdSchema, historyQuerySchema } from './history-entry.js';
import { commandListTypeSchema, commandNameSchema, imageListEntrySchema, policySchema } from './settings.js';
import { errorMessage } from './error-message.js';

// ---------------------------------------------------------------------------------------------
// Building blocks

const isoTime = z.iso.datetime({ offset: true });

export const engineStatusSchema = z.object({
  /** True when the upstream engine answered its last ping. */
  reachable: z.boolean(),
  /** Path of the real engine's unix socket the proxy forwards to. */
  upstreamSocket: z.string(),
  /** Engine version as /version reports it, when reachable. */
  version: z.string().optional(),
  apiVersion: z.string().optional(),
  /** Why the engine is unreachable, in words. */
  error: z.string().optional(),
});

export const listenStatusSchema = z.object({
  /** Path of the guarded socket clients connect to. */
  socket: z.string(),
  /** The `DOCKER_HOST` value that points a client at the guarded socket (`unix://...`). */
  dockerHost: z.string(),
  /** Name of a docker context that points at it, when one was created. */
  dockerContext: z.string().optional(),
});

export const refresherStatusSchema = z.object({
  running: z.boolean(),
  lastRunAt: isoTime.nullable(),
  nextRunAt: isoTime.nullable(),
  /** Images whose registry digest the last run fetched. */
  imagesChecked: z.number().int().nonnegative(),
  /** The last run's failures, one line per image that could not be checked. */
  errors: z.array(z.string()),
});

/** A container allowed to mount the socket, and the filtered socket it was given instead. */
export const filteredSocketStatusSchema = z.object({
  containerId: z.string(),
  name: z.string(),
  image: z.string(),
  socket: z.string(),
  /** Set when the container still holds a socket from before Socket Warden restarted: why, and what to do. */
  needsRestart: z.string().optional(),
});

export const statusSchema = z.object({
  engine: engineStatusSchema,
  listen: listenStatusSchema,
  refresher: refresherStatusSchema,
  containers: z.array(filteredSocketStatusSchema),
});

export const appStateSchema = z.object({
  policy: policySchema,
  status: statusSchema,
});

export const imageEntryCheckSchema = z.discriminatedUnion('ok', [
  z.object({
    entry: z.string(),
    ok: z.literal(true),
    /** The fully qualified form the engine matches against, e.g. `docker.io/library/docker:cli`. */
    normalized: z.string(),
    /** A word of caution for valid but risky entries (`*`). */
    warning: z.string().optional(),
  }),
  z.object({ entry: z.string(), ok: z.literal(false), error: z.string() }),
]);

export const commandEntryCheckSchema = z.discriminatedUnion('ok', [
  z.object({ entry: z.string(), ok: z.literal(true), warning: z.string().optional() }),
  z.object({ entry: z.string(), ok: z.literal(false), error: z.string() }),
]);

/** A policy being edited: entries may still be wrong (validatePolicy says which and why). */
export const policyDraftSchema = z.object({
  imageList: z.object({ images: z.array(z.string()), allowDerivedImages: z.boolean() }),
  commandList: z.object({ type: commandListTypeSchema, commands: z.array(z.string()) }),
});

/** A policy to save: every entry must pass the same checks the settings files get. */
export const policyUpdateSchema = z.object({
  imageList: z.object({ images: z.array(imageListEntrySchema), allowDerivedImages: z.boolean() }),
  commandList: z.object({ type: commandListTypeSchema, commands: z.array(commandNameSchema) }),
});

export const mismatchedImageSchema = z.object({
  /** The image as the user knows it (normalized name with tag). */
  image: z.string(),
  /** The allow-list entry that admits this name. */
  entry: z.string(),
  /** Repository digest of the local copy, null when it has none for this repository. */
  localDigest: z.string().nullable(),
  /** Digest the registry reports for the tag now. */
  registryDigest: z.string(),
  /** When a container with this image was last denied for the mismatch. */
  lastDeniedAt: isoTime.optional(),
});

export const repullProgressSchema = z.object({
  image: z.string(),
  phase: z.enum(['removing', 'pulling', 'verifying', 'done', 'failed']),
  /** Fraction 0..1 of the bytes pulled so far, null while unknown. */
  fraction: z.number().min(0).max(1).nullable(),
  /** The engine's latest progress line, e.g. "Downloading". */
  detail: z.string().optional(),
  /** The new repository digest, once done. */
  digest: z.string().optional(),
  error: z.string().optional(),
});

export const refresherProgressSchema = z.object({
  phase: z.enum(['started', 'image', 'finished']),
  checked: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  /** The image just checked (phase `image`). */
  image: z.string().optional(),
  error: z.string().optional(),
  refresher: refresherStatusSchema,
});

export const commandCatalogSchema = z.object({
  /** Every command name the command list understands, as `docker --help` names them. */
  commands: z.array(z.string()),
  /** The group wildcards (`container*`, `image*`, ...). */
  wildcards: z.array(z.string()),
  /** Names `docker --help` shows that cannot be listed, each with the reason. */
  unsupported: z.array(z.object({ name: z.string(), reason: z.string() })),
});

export const historyExportSchema = z.object({
  filename: z.string(),
  mimeType: z.enum(['application/json', 'text/csv']),
  content: z.string(),
});

/** Personal mode as the default for the docker CLI and Testcontainers (`socket-warden default`). */
export const defaultStatusSchema = z.object({
  /** The guarded socket's `unix://` address. */
  dockerHost: z.string(),
  /** The `socket-warden` context exists, points at the guarded socket and is current. */
  dockerContext: z.boolean(),
  /** `docker.host` in ~/.testcontainers.properties is the guarded socket. */
  testcontainers: z.boolean(),
  /** What still reaches the engine around Socket Warden, in words to show as they are. */
  goesAround: z.array(z.string()),
});

// ---------------------------------------------------------------------------------------------
// Requests: name → input and output schema

const none = z.void();

export const contractRequests = {
  /** Policy and status in one answer: what the pane and the tray show first. */
  getState: { input: none, output: appStateSchema },
  /** Turns enforcement on or off. Fails with `locked` when the admin file locks the settings. */
  setEnforcement: { input: z.object({ enforcing: z.boolean() }), output: policySchema },
  /** Replaces the user's image list and command list. Fails with `locked`, or `invalid-input` naming the bad entry. */
  updatePolicy: { input: policyUpdateSchema, output: policySchema },
  /** Checks each entry of a draft without saving it, for inline errors and the normalized names. */
  validatePolicy: {
    input: policyDraftSchema,
    output: z.object({
      images: z.array(imageEntryCheckSchema),
      commands: z.array(commandEntryCheckSchema),
      ok: z.boolean(),
    }),
  },
  /** Known command names and wildcards for completion, and the refused names with their reason. */
  getCommandCatalog: { input: none, output: commandCatalogSchema },
  listHistory: { input: historyQuerySchema, output: z.array(historyEntrySchema) },
  /** Deletes the whole history. Fails with `locked` when the settings are locked. */
  clearHistory: { input: none, output: z.object({ cleared: z.number().int().nonnegative() }) },
  exportHistory: {
    input: z.object({ format: z.enum(['json', 'csv']), query: historyQuerySchema.optional() }),
    output: historyExportSchema,
  },
  listMismatchedImages: { input: none, output: z.array(mismatchedImageSchema) },
  /** Removes the local image and pulls it again; progress arrives as `repullProgress` events. */
  repullImage: {
    input: z.object({ image: z.string().min(1) }),
    output: z.object({ image: z.string(), digest: z.string() }),
  },
  getStatus: { input: none, output: statusSchema },
  /** Personal mode: whether it is the default, and what goes around it. `unavailable` in managed mode. */
  getDefaultStatus: { input: none, output: defaultStatusSchema },
  /** Personal mode: becomes the default (`on`) or puts back what that changed. `unavailable` in managed mode. */
  setDefault: {
    input: z.object({ on: z.boolean() }),
    output: z.object({ done: z.array(z.string()), status: defaultStatusSchema }),
  },
} as const;

// ---------------------------------------------------------------------------------------------
// Events the engine pushes to every open pane

export const contractEvents = {
  /** A denied socket mount or blocked command, as recorded in the history. */
  denial: historyEntrySchema,
  refresherProgress: refresherProgressSchema,
  repullProgress: repullProgressSchema,
  /** Policy or status changed (settings edited, admin file changed, engine came or went). */
  stateChanged: appStateSchema,
  /** Asks the pane to show a view, e.g. after a notification was clicked (Electron only). */
  focus: z.object({
    view: z.enum(['policy', 'history', 'images', 'status']),
    historyEntryId: historyIdSchema.optional(),
  }),
} as const;

// ---------------------------------------------------------------------------------------------
// Types inferred from the schemas

export type RequestName = keyof typeof contractRequests;
export type EventName = keyof typeof contractEvents;
/** What a caller passes (before defaults apply). */
export type RequestInput<N extends RequestName> = z.input<(typeof contractRequests)[N]['input']>;
/** What a handler receives (after validation and defaults). */
export type HandlerInput<N extends RequestName> = z.output<(typeof contractRequests)[N]['input']>;
/** What a caller receives. */
export type RequestOutput<N extends RequestName> = z.output<(typeof contractRequests)[N]['output']>;
export type EventPayload<E extends EventName> = z.output<(typeof contractEvents)[E]>;

export type AppState = z.output<typeof appStateSchema>;
export type Status = z.output<typeof statusSchema>;
export type PolicyDraft = z.output<typeof policyDraftSchema>;
export type PolicyUpdate = z.output<typeof policyUpdateSchema>;
export type ImageEntryCheck = z.output<typeof imageEntryCheckSchema>;
export type CommandEntryCheck = z.output<typeof commandEntryCheckSchema>;
export type PolicyCheck = RequestOutput<'validatePolicy'>;
export type CommandCatalog = z.output<typeof commandCatalogSchema>;
export type MismatchedImage = z.output<typeof mismatchedImageSchema>;
export type RepullProgress = z.output<typeof repullProgressSchema>;
export type RefresherProgress = z.output<typeof refresherProgressSchema>;
export type HistoryExport = z.output<typeof historyExportSchema>;
export type DefaultStatus = z.output<typeof defaultStatusSchema>;

/** What the engine implements: one async function per request. */
export type ContractHandlers = {
  [N in RequestName]: (input: HandlerInput<N>) => Promise<z.input<(typeof contractRequests)[N]['output']>>;
};

// ---------------------------------------------------------------------------------------------
// The envelope every answer travels in

export const contractErrorCodes = [
  'invalid-input',
  'locked',
  'not-found',
  'unavailable',
  'internal',
] as const;
export type ContractErrorCode = (typeof contractErrorCodes)[number];

export const contractErrorSchema = z.object({
  code: z.enum(contractErrorCodes),
  message: z.string(),
  /** For `invalid-input`: which field was wrong and why. */
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type ContractErrorBody = z.output<typeof contractErrorSchema>;

export type Envelope<T> = { ok: true; value: T } | { ok: false; error: ContractErrorBody };

export function envelopeSchema<T extends z.ZodType>(value: T) {
  return z.discriminatedUnion('ok', [
    z.object({ ok: z.literal(true), value }),
    z.object({ ok: z.literal(false), error: contractErrorSchema }),
  ]);
}

/** Thrown by a handler to answer with a specific error code instead of `internal`. */
export class ContractError extends Error {
  constructor(
    readonly code: ContractErrorCode,
    message: string,
    readonly issues?: ContractErrorBody['issues'],
  ) {
    super(message);
    this.name = 'ContractError';
  }
}

export function isRequestName(name: string): name is RequestName {
  return Object.hasOwn(contractRequests, name);
}

export function isEventName(name: string): name is EventName {
  return Object.hasOwn(contractEvents, name);
}

/** Turns zod issues into the short `path: message` list the pane shows next to fields. */
export function issuesOf(error: z.ZodError): NonNullable<ContractErrorBody['issues']> {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
}

// ---------------------------------------------------------------------------------------------
// What the renderer codes against; each transport provides one

export interface ContractClient {
  call<N extends RequestName>(name: N, input: RequestInput<N>): Promise<Envelope<RequestOutput<N>>>;
  /** Listens for one event kind; returns the function that stops listening. */
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
}

// ---------------------------------------------------------------------------------------------
// The emitter the engine pushes events into; transports subscribe to it

export type ContractEventListener = <E extends EventName>(event: E, payload: EventPayload<E>) => void;

export interface ContractEventEmitter {
  /** Validates the payload and hands it to every subscriber. Throws on a payload the contract refuses. */
  emit<E extends EventName>(event: E, payload: z.input<(typeof contractEvents)[E]>): void;
  /** Subscribes to every event; returns the unsubscribe function. */
  subscribe(listener: ContractEventListener): () => void;
  /** Whether anyone subscribes: an event nobody receives need not be built. */
  listening(): boolean;
}

export function createContractEventEmitter(): ContractEventEmitter {
  const listeners = new Set<ContractEventListener>();
  return {
    emit(event, payload) {
      const parsed = contractEvents[event].parse(payload) as EventPayload<typeof event>;
      for (const listener of [...listeners]) {
        try {
          listener(event, parsed);
        } catch {
          // One broken subscriber (a closed window, a dropped stream) must not starve the others.
        }
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    listening: () => listeners.size > 0,
  };
}

// ---------------------------------------------------------------------------------------------
// The raw channel each transport provides (the preload's contextBridge API, or fetch + EventSource),
// and the client that checks every message crossing it against the contract

export interface ContractBridge {
  /** Sends one request; resolves with the raw envelope. Rejects only when the channel itself fails. */
  invoke(name: string, input: unknown): Promise<unknown>;
  /** Receives every pushed event, raw; returns the function that stops receiving. */
  subscribe(listener: (event: string, payload: unknown) => void): () => void;
}

export interface ContractClientOptions {
  /** Told about messages dropped for breaking the contract. */
  onViolation?: (what: string, error: z.ZodError) => void;
}

export function createContractClient(
  bridge: ContractBridge,
  options: ContractClientOptions = {},
): ContractClient {
  type AnyListener = (payload: unknown) => void;
  const listeners = new Map<EventName, Set<AnyListener>>();
  let stopBridge: (() => void) | undefined;

  const deliver = (event: string, payload: unknown) => {
    if (!isEventName(event)) return;
    const subscribers = listeners.get(event);
    if (!subscribers?.size) return;
    const parsed = contractEvents[event].safeParse(payload);
    if (!parsed.success) {
      options.onViolation?.(`event ${event}`, parsed.error);
      return;
    }
    for (const listener of [...subscribers]) listener(parsed.data);
  };

  return {
    async call(name, input) {
      let raw: unknown;
      try {
        raw = await bridge.invoke(name, input);
      } catch (error) {
        const message = errorMessage(error);
        return {
          ok: false,
          error: { code: 'unavailable', message: `cannot reach Socket Warden: ${message}` },
        };
      }
      const parsed = envelopeSchema(contractRequests[name].output).safeParse(raw);
      if (!parsed.success) {
        options.onViolation?.(`answer to ${name}`, parsed.error);
        return {
          ok: false,
          error: { code: 'internal', message: `the answer to ${name} broke the contract` },
        };
      }
      return parsed.data as Envelope<RequestOutput<typeof name>>;
    },
    on(event, listener) {
      let subscribers = listeners.get(event);
      if (!subscribers) listeners.set(event, (subscribers = new Set()));
      const wrapped = listener as AnyListener;
      subscribers.add(wrapped);
      stopBridge ??= bridge.subscribe(deliver);
      return () => {
        subscribers.delete(wrapped);
        if ([...listeners.values()].every((set) => set.size === 0)) {
          stopBridge?.();
          stopBridge = undefined;
        }
      };
    },
  };
}
