// The daemon's own engine calls have no deadline of their own; an engine that accepts connections and
// never answers must not hold a start, a status check or a shutdown for ever.

/** `promise`'s value, or undefined once `ms` has passed (a late rejection is dropped). */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve(undefined), ms);
    timer.unref();
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
