// The engine's bulk downloads: `docker save` (an image's layers), `docker export` and `docker cp` out
// (a container's files), each a tar of up to many gigabytes that the engine streams in 32 KiB chunks.
//
// The proxy asks the engine to close the connection after answering one (`Connection: close`; Go's
// server then still frames the body chunked, and closes after the last chunk). The body then runs to
// that close, so the kernel relays it to the client as it came, in one move, without a look at each
// chunk's framing (two syscalls per chunk: most of what a relayed save cost over a bare relay). The
// framing reaches the client intact, so a stream the engine cut short still looks cut short to the
// client; the client's connection closes after it, as the proxy no longer knows where it ended.
//
// A hint, not a judgement: a request it misses streams as before, and one it wrongly takes only costs
// a new connection each side.

// `/v1.41`-style prefix, the Docker routes and Podman's libpod ones, then the query or the end.
const BULK_DOWNLOAD =
  /^(?:\/v[0-9.]+)?(?:\/libpod)?\/(?:images\/get|images\/export|images\/[^?]+\/get|containers\/[^/?]+\/(?:archive|export))(?:\?|$)/;

/** Whether `method target` (as forwarded to the engine) is one of the engine's bulk downloads. */
export function isBulkDownload(method: string, target: string): boolean {
  return method === 'GET' && BULK_DOWNLOAD.test(target);
}
