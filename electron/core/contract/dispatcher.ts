// The transport-independent half of the IPC contract: checks a request's name and input, runs the
// engine's handler, checks its answer, and wraps everything in the `{ ok, value | error }` envelope.
// Both transports (Electron IPC and HTTP) hand raw, untrusted messages to one of these.
import { z } from 'zod';
import {
  ContractError,
  contractRequests,
  isRequestName,
  issuesOf,
  type ContractHandlers,
  type Envelope,
  type RequestName,
} from '../../../shared/ipc-contract.js';

export interface Dispatcher {
  /** Never throws: every failure comes back as `{ ok: false, error }`. */
  dispatch(name: string, input: unknown): Promise<Envelope<unknown>>;
}

export interface DispatcherOptions {
  /** Told about failures the caller only sees as `internal` (a handler bug, an answer outside the contract). */
  onInternalError?: (request: RequestName, error: unknown) => void;
}

export function createDispatcher(handlers: ContractHandlers, options: DispatcherOptions = {}): Dispatcher {
  return {
    async dispatch(name, input) {
      if (!isRequestName(name)) {
        return { ok: false, error: { code: 'not-found', message: `unknown request "${name}"` } };
      }
      const schema = contractRequests[name];
      const parsedInput = schema.input.safeParse(input);
      if (!parsedInput.success) {
        const issues = issuesOf(parsedInput.error);
        return {
          ok: false,
          error: { code: 'invalid-input', message: `invalid input for ${name}: ${describe(issues)}`, issues },
        };
      }
      let result: unknown;
      try {
        // The cast is the one place the name-indexed handler table meets its runtime-checked input.
        const handler = handlers[name] as (input: unknown) => Promise<unknown>;
        result = await handler(parsedInput.data);
      } catch (error) {
        return { ok: false, error: errorBody(name, error, options) };
      }
      const parsedOutput = (schema.output as z.ZodType).safeParse(result);
      if (!parsedOutput.success) {
        options.onInternalError?.(name, parsedOutput.error);
        return {
          ok: false,
          error: { code: 'internal', message: `the engine's answer to ${name} broke the contract` },
        };
      }
      return { ok: true, value: parsedOutput.data };
    },
  };
}

function errorBody(
  name: RequestName,
  error: unknown,
  options: DispatcherOptions,
): Extract<Envelope<never>, { ok: false }>['error'] {
  if (error instanceof ContractError) {
    return error.issues
      ? { code: error.code, message: error.message, issues: error.issues }
      : { code: error.code, message: error.message };
  }
  if (error instanceof z.ZodError) {
    // A handler validating deeper (e.g. a settings file) reports the user's mistake, not a crash.
    const issues = issuesOf(error);
    return { code: 'invalid-input', message: describe(issues), issues };
  }
  options.onInternalError?.(name, error);
  // The message of an ordinary Error is meant for people (e.g. "registry unreachable"): pass it on.
  const message = error instanceof Error && error.message ? error.message : `${name} failed`;
  return { code: 'internal', message };
}

function describe(issues: { path: string; message: string }[]): string {
  return issues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message)).join('; ');
}
