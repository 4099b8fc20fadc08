// A tiny leveled logger; the Electron app and the daemon pass their own sinks.
export interface Log {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const consoleLog: Log = {
  info: (message) => console.log(message),
  warn: (message) => console.warn(`WARNING: ${message}`),
  error: (message) => console.error(`ERROR: ${message}`),
};

export const silentLog: Log = { info: () => undefined, warn: () => undefined, error: () => undefined };
