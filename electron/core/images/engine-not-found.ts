// The engine client rejects with `statusCode: 404` (EngineApiError) when the engine has no such
// object; for an engine question that is an answer ("absent"), not a failure.

export function isNotFound(error: unknown): boolean {
  return (error as { statusCode?: number } | null)?.statusCode === 404;
}

/** Asks the engine; `undefined` when it has no such object, other errors pass through. */
export async function unlessNotFound<T>(ask: () => Promise<T>): Promise<T | undefined> {
  try {
    return await ask();
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}
