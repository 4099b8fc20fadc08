// Moves bytes from one socket to another through a pipe with splice(2), so a relayed body never enters
// the process: the kernel hands the pages from one socket to the pipe and on to the other. Node cannot
// do this itself (its streams always read into, and write from, buffers in memory).
//
// A relay works on duplicates of the two sockets' fds, polled on Node's own event loop (libuv watches
// one handle per fd number, so the duplicates get watchers of their own), while the two Node sockets
// neither read nor write. It follows a plan set from JavaScript: skip some input bytes, emit some bytes
// of its own, move some input bytes (or all of them, to the end of the input), then either stop or ask
// for the next plan, showing the input bytes waiting without consuming them (the caller reads framing
// there: chunk sizes). What it does not do, it reports and leaves to Node: the end of the input (Node
// reads the end again when it resumes the socket), and errors.
//
// Backpressure is the pipe's: it holds at most its capacity; while the output cannot take more, the
// input is not read.
//
//   open(fromFd, toFd, onEvent) -> handle      onEvent(kind, value, peeked?)
//   plan(handle, skip, emit | null, move, last, chunks) move < 0: until the end of the input
//
// A plan with `chunks` set ends exactly where a chunk's data ends (chunked framing, RFC 9112 §7.1): the
// relay then goes on by itself over every chunk that follows in the one framing it knows, CRLF, size in
// lowercase hex without leading zeros, CRLF, moving framing and data as they came (the CRLF alone
// where it came alone; `need` then says so). Docker's streams are 32 KiB chunks in that framing; a
// plan per chunk through JavaScript costs more than JS relaying them. Anything else there (the last chunk, an extension, another spelling, a line not all arrived,
// a run of small chunks) is shown to JavaScript as before, whose scanner reads every framing.
//   moved(handle) -> bytes written out so far
//   followed(handle) -> chunks the relay went on over by itself
//   close(handle)
#include <node_api.h>
#include <uv.h>

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <string>

namespace {

// The events JavaScript is told of (zero-copy-relay.ts has the same numbers).
enum Event : int32_t {
  // The plan is done and was not the last: `peeked` holds the input bytes waiting; set the next plan.
  // `value` 1: following chunks, the relay moved the CRLF after the last chunk's data (peeked follows).
  kNeed = 1,
  // The last plan is done and every byte has been written out.
  kDone = 2,
  // The input ended; everything read was written out. `value`: bytes of the plan still to move.
  kEnd = 3,
  // Reading the input failed; `value` is the errno.
  kReadError = 4,
  // Writing the output failed; `value` is the errno.
  kWriteError = 5,
};

// Pipe capacity asked for: what one read of the JS relay takes (read-buffers.ts), fewer wake-ups than
// the default 64 KiB. An unprivileged user may be refused more; the default then stays.
constexpr int kPipeBytes = 1 << 20;
// At most this many waiting input bytes are shown to the planner: enough for the framing between two
// chunks (a size line takes several looks only past this), and small, as one is copied into a new
// Buffer per plan: the engine's 32 KiB chunks made 4 KiB looks 128 MB of garbage per streamed GB.
constexpr size_t kPeekBytes = 256;
// Chunks the relay goes on over by itself count as small below this size; after this many small ones
// in a row, JavaScript decides (a stream of small chunks relays better there, many per read).
constexpr uint64_t kSmallChunkBytes = 4096;
constexpr int kSmallChunksInARow = 8;
// Hex digits of a chunk size, as the JS scanner allows (chunked-scanner.ts).
constexpr size_t kMaxSizeDigits = 15;
// While input keeps coming, the pipe is emptied into the output once it holds this much (or half its
// capacity): one splice out per batch of chunks, not one per chunk.
constexpr size_t kOutBatchBytes = 256 * 1024;

struct Relay;

// What the JavaScript handle points at; outlives the relay so a late call finds it gone.
struct Handle {
  Relay* relay = nullptr;
};

struct Relay {
  napi_env env = nullptr;
  Handle* handle = nullptr;
  napi_ref callback = nullptr;
  napi_async_context async_context = nullptr;

  int from_fd = -1;
  int to_fd = -1;
  int pipe_r = -1;
  int pipe_w = -1;
  size_t pipe_capacity = 0;
  uv_poll_t from_poll;
  uv_poll_t to_poll;
  int from_events = 0;
  int to_events = 0;
  int polls_open = 0;

  // The plan.
  bool planned = false;
  uint64_t skip = 0;
  std::string emit;
  size_t emitted = 0;
  bool move_all = false;
  uint64_t move = 0;
  bool last = false;
  // Go on over canonical chunks after this plan (see the top of this file).
  bool chunks = false;
  int small_chunks = 0;
  // Following chunks, the relay moved the CRLF after a chunk's data: its size line comes next.
  bool at_size = false;

  size_t in_pipe = 0;
  uint64_t moved_out = 0;
  // Chunks the relay went on over by itself (for tests and the bench).
  uint64_t followed = 0;
  bool input_ended = false;
  bool stopped = false;
  bool closing = false;
  bool in_callback = false;
};

void CloseFd(int& fd) {
  if (fd >= 0) close(fd);
  fd = -1;
}

// Frees a relay whose watchers are closed (or were never made).
void Free(Relay* relay) {
  CloseFd(relay->from_fd);
  CloseFd(relay->to_fd);
  CloseFd(relay->pipe_r);
  CloseFd(relay->pipe_w);
  if (relay->callback) napi_delete_reference(relay->env, relay->callback);
  if (relay->async_context) napi_async_destroy(relay->env, relay->async_context);
  if (relay->handle) relay->handle->relay = nullptr;
  delete relay;
}

void OnPollClosed(uv_handle_t* poll) {
  Relay* relay = static_cast<Relay*>(poll->data);
  if (--relay->polls_open == 0) Free(relay);
}

// The fds are closed once libuv has let go of the watchers (it needs them open until then).
void Close(Relay* relay) {
  if (relay->closing) return;
  relay->closing = true;
  relay->stopped = true;
  if (relay->handle) relay->handle->relay = nullptr;
  relay->handle = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(&relay->from_poll), OnPollClosed);
  uv_close(reinterpret_cast<uv_handle_t*>(&relay->to_poll), OnPollClosed);
}

void Pump(Relay* relay);

// Calls onEvent in its own callback scope, so promises and nextTicks it queues run after it.
void Report(Relay* relay, Event kind, double value, const char* peeked = nullptr, size_t peeked_bytes = 0) {
  napi_env env = relay->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value callback, receiver, argv[3];
  size_t argc = 2;
  napi_get_reference_value(env, relay->callback, &callback);
  napi_get_global(env, &receiver);
  napi_create_int32(env, kind, &argv[0]);
  napi_create_double(env, value, &argv[1]);
  if (peeked) {
    void* data;
    napi_create_buffer_copy(env, peeked_bytes, peeked, &data, &argv[2]);
    argc = 3;
  }
  relay->in_callback = true;
  napi_value result;
  napi_status status = napi_make_callback(env, relay->async_context, receiver, callback, argc, argv, &result);
  relay->in_callback = false;
  if (status == napi_pending_exception) {
    napi_value error;
    napi_get_and_clear_last_exception(env, &error);
    napi_fatal_exception(env, error);
  }
  napi_close_handle_scope(env, scope);
}

// Stops moving and tells JavaScript why; the relay stays open (with its fds) until close(). onEvent
// may set a new plan, which the pump then goes on with.
void Stop(Relay* relay, Event kind, double value) {
  relay->stopped = true;
  relay->planned = false;
  Report(relay, kind, value);
}

void Watch(Relay* relay, int from_events, int to_events);

void OnPoll(uv_poll_t* poll, int status, int /*events*/) {
  Relay* relay = static_cast<Relay*>(poll->data);
  if (relay->closing) return;
  // A poll error (the fd went bad) is found again, with its errno, by the syscall Pump makes next.
  (void)status;
  Pump(relay);
}

void Watch(Relay* relay, int from_events, int to_events) {
  if (relay->closing) return;
  if (from_events != relay->from_events) {
    if (from_events) uv_poll_start(&relay->from_poll, from_events, OnPoll);
    else uv_poll_stop(&relay->from_poll);
    relay->from_events = from_events;
  }
  if (to_events != relay->to_events) {
    if (to_events) uv_poll_start(&relay->to_poll, to_events, OnPoll);
    else uv_poll_stop(&relay->to_poll);
    relay->to_events = to_events;
  }
}

constexpr unsigned kSpliceFlags = SPLICE_F_MOVE | SPLICE_F_NONBLOCK;

// A chunk-size line in the one form the relay follows by itself, when `bytes` start with all of it:
// lowercase hex digits not starting with 0 (so never the last chunk), CRLF. Sets the line's length
// with its CRLF, and the size.
bool CanonicalSizeLine(const char* bytes, size_t length, size_t* line, uint64_t* size) {
  if (length < 3 || bytes[0] == '0') return false;
  uint64_t value = 0;
  size_t i = 0;
  for (; i < length && i < kMaxSizeDigits + 1; i++) {
    char c = bytes[i];
    int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (digit < 0) break;
    value = value * 16 + static_cast<uint64_t>(digit);
  }
  if (i == 0 || i > kMaxSizeDigits || i + 1 >= length || bytes[i] != '\r' || bytes[i + 1] != '\n') return false;
  *line = i + 2;
  *size = value;
  return true;
}

// Does everything that can be done without waiting, then watches what it waits for.
void Pump(Relay* relay) {
  bool want_read = false;
  bool want_write = false;
  // Input went into the pipe last time round: more may follow at once (the next of Docker's 32 KiB
  // chunks), and the pipe is emptied once it holds a batch, or nothing more came, not per chunk.
  bool filling = false;
  const size_t batch = relay->pipe_capacity / 2 < kOutBatchBytes ? relay->pipe_capacity / 2 : kOutBatchBytes;
  while (!relay->stopped && !relay->closing && !relay->in_callback) {
    want_read = false;
    want_write = false;
    bool progressed = false;
    const bool held = filling && relay->in_pipe > 0 && relay->in_pipe < batch;
    filling = false;

    // Out: whatever the pipe holds, first, so the input side always has room to fill.
    if (relay->in_pipe > 0 && !held) {
      ssize_t n = splice(relay->pipe_r, nullptr, relay->to_fd, nullptr, relay->in_pipe, kSpliceFlags);
      if (n > 0) {
        relay->in_pipe -= static_cast<size_t>(n);
        relay->moved_out += static_cast<uint64_t>(n);
        progressed = true;
      } else if (n < 0 && errno == EAGAIN) {
        want_write = true;
      } else if (n < 0 && errno != EINTR) {
        Stop(relay, kWriteError, errno);
        continue;
      }
    }

    if (relay->input_ended) {
      if (relay->in_pipe == 0) {
        Stop(relay, kEnd, relay->move_all ? -1.0 : static_cast<double>(relay->move));
        continue;
      }
    } else if (relay->planned && relay->skip > 0) {
      char scratch[16384];
      size_t want = relay->skip < sizeof scratch ? static_cast<size_t>(relay->skip) : sizeof scratch;
      ssize_t n = recv(relay->from_fd, scratch, want, MSG_DONTWAIT);
      if (n > 0) {
        relay->skip -= static_cast<uint64_t>(n);
        progressed = true;
      } else if (n == 0) {
        relay->input_ended = true;
        progressed = true;
      } else if (errno == EAGAIN) {
        want_read = true;
      } else if (errno != EINTR) {
        Stop(relay, kReadError, errno);
        continue;
      }
    } else if (relay->planned && relay->emitted < relay->emit.size()) {
      ssize_t n = write(relay->pipe_w, relay->emit.data() + relay->emitted, relay->emit.size() - relay->emitted);
      if (n > 0) {
        relay->emitted += static_cast<size_t>(n);
        relay->in_pipe += static_cast<size_t>(n);
        progressed = true;
      } else if (n < 0 && errno == EAGAIN) {
        want_write = true;
      } else if (n < 0 && errno != EINTR) {
        Stop(relay, kWriteError, errno);
        continue;
      }
    } else if (relay->planned && (relay->move_all || relay->move > 0)) {
      size_t room = relay->pipe_capacity;
      size_t want = relay->move_all || relay->move > room ? room : static_cast<size_t>(relay->move);
      ssize_t n = splice(relay->from_fd, nullptr, relay->pipe_w, nullptr, want, kSpliceFlags);
      if (n > 0) {
        relay->in_pipe += static_cast<size_t>(n);
        if (!relay->move_all) relay->move -= static_cast<uint64_t>(n);
        progressed = true;
        filling = true;
      } else if (n == 0) {
        relay->input_ended = true;
        progressed = true;
      } else if (errno == EAGAIN) {
        // Either no input waits or the pipe is full (it fills by pages, not bytes): while it holds
        // anything, wait for the output to take it; once empty, EAGAIN can only mean no input.
        if (relay->in_pipe > 0) want_write = true;
        else want_read = true;
      } else if (errno != EINTR) {
        Stop(relay, kReadError, errno);
        continue;
      }
    } else if (relay->planned && relay->last) {
      if (relay->in_pipe == 0) {
        Stop(relay, kDone, static_cast<double>(relay->moved_out));
        continue;
      }
    } else if (relay->planned) {
      // The plan's input is done: the next one is decided on the bytes that follow.
      char peeked[kPeekBytes];
      ssize_t n = recv(relay->from_fd, peeked, sizeof peeked, MSG_PEEK | MSG_DONTWAIT);
      size_t line = 0;
      uint64_t size = 0;
      const bool follow = n > 0 && relay->chunks && relay->small_chunks < kSmallChunksInARow;
      const bool crlf = n >= 2 && peeked[0] == '\r' && peeked[1] == '\n';
      // Where the size line starts: after the CRLF that ends the data, unless that was moved already.
      const size_t at = relay->at_size ? 0 : 2;
      if (follow && (relay->at_size || crlf) &&
          CanonicalSizeLine(peeked + at, static_cast<size_t>(n) - at, &line, &size)) {
        // The next chunk, framing and data, as it came; the plan ends again where its data ends.
        relay->small_chunks = size < kSmallChunkBytes ? relay->small_chunks + 1 : 0;
        relay->move = at + line + size;
        relay->at_size = false;
        relay->followed++;
        progressed = true;
        filling = true;
      } else if (follow && !relay->at_size && crlf) {
        // Docker flushes each chunk's CRLF on its own, the next size line comes with the next chunk:
        // the CRLF goes on now (nothing else may follow data), and the size line is looked at alone.
        relay->move = 2;
        relay->at_size = true;
        progressed = true;
        filling = true;
      } else if (n > 0 && relay->in_pipe > 0) {
        // JavaScript may end the relay on what it sees (a small chunk goes back to its own relay),
        // which drops what the pipe holds: it is asked once every byte moved has been written out.
        want_write = true;
      } else if (n > 0) {
        relay->planned = false;
        Report(relay, kNeed, relay->at_size ? 1 : 0, peeked, static_cast<size_t>(n));
        // No plan set: the caller stopped the relay (it will close it).
        if (!relay->planned) relay->stopped = true;
        progressed = true;
      } else if (n == 0) {
        relay->input_ended = true;
        progressed = true;
      } else if (errno == EAGAIN) {
        want_read = true;
      } else if (errno != EINTR) {
        Stop(relay, kReadError, errno);
        continue;
      }
    }
    // The pipe was held and nothing else could be done: it is emptied next time round.
    if (held && !progressed) continue;
    if (!progressed && !want_read && !want_write) break;
    if (!progressed) {
      Watch(relay, want_read ? UV_READABLE : 0, want_write ? UV_WRITABLE : 0);
      return;
    }
  }
  // Stopped, closing, inside onEvent (whose pump goes on), or waiting for a plan: nothing to watch.
  if (!relay->in_callback) Watch(relay, 0, 0);
}

// --- N-API glue ---------------------------------------------------------------------------------------

napi_value Throw(napi_env env, const char* message) {
  napi_throw_error(env, nullptr, message);
  return nullptr;
}

napi_value ThrowErrno(napi_env env, const char* what, int error) {
  std::string message = std::string(what) + ": " + strerror(error);
  napi_value code, text, value;
  napi_create_string_utf8(env, message.c_str(), message.size(), &text);
  napi_create_error(env, nullptr, text, &value);
  napi_create_int32(env, error, &code);
  napi_set_named_property(env, value, "errno", code);
  napi_throw(env, value);
  return nullptr;
}

Relay* RelayOf(napi_env env, napi_value value) {
  void* data = nullptr;
  if (napi_get_value_external(env, value, &data) != napi_ok || data == nullptr) return nullptr;
  return static_cast<Handle*>(data)->relay;
}

void FinalizeHandle(napi_env /*env*/, void* data, void* /*hint*/) {
  Handle* handle = static_cast<Handle*>(data);
  if (handle->relay) Close(handle->relay);
  delete handle;
}

napi_value Open(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  int32_t from = -1, to = -1;
  napi_valuetype type;
  if (argc < 3 || napi_get_value_int32(env, argv[0], &from) != napi_ok ||
      napi_get_value_int32(env, argv[1], &to) != napi_ok || napi_typeof(env, argv[2], &type) != napi_ok ||
      type != napi_function || from < 0 || to < 0)
    return Throw(env, "open(fromFd, toFd, onEvent)");
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) return Throw(env, "no event loop");

  Relay* relay = new Relay();
  relay->env = env;
  relay->from_fd = fcntl(from, F_DUPFD_CLOEXEC, 0);
  relay->to_fd = fcntl(to, F_DUPFD_CLOEXEC, 0);
  int fds[2] = {-1, -1};
  if (relay->from_fd < 0 || relay->to_fd < 0 || pipe2(fds, O_NONBLOCK | O_CLOEXEC) < 0) {
    int error = errno;
    Free(relay);
    return ThrowErrno(env, "cannot open a splice relay", error);
  }
  relay->pipe_r = fds[0];
  relay->pipe_w = fds[1];
  fcntl(relay->pipe_w, F_SETPIPE_SZ, kPipeBytes);
  int capacity = fcntl(relay->pipe_w, F_GETPIPE_SZ);
  relay->pipe_capacity = capacity > 0 ? static_cast<size_t>(capacity) : 65536;
  if (uv_poll_init(loop, &relay->from_poll, relay->from_fd) != 0) {
    Free(relay);
    return Throw(env, "cannot watch the input of a splice relay");
  }
  relay->from_poll.data = relay;
  if (uv_poll_init(loop, &relay->to_poll, relay->to_fd) != 0) {
    relay->polls_open = 1;
    uv_close(reinterpret_cast<uv_handle_t*>(&relay->from_poll), OnPollClosed);
    return Throw(env, "cannot watch the output of a splice relay");
  }
  relay->to_poll.data = relay;
  relay->polls_open = 2;

  napi_value name;
  napi_create_string_utf8(env, "socket-warden:splice-relay", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, nullptr, name, &relay->async_context);
  napi_create_reference(env, argv[2], 1, &relay->callback);

  Handle* handle = new Handle();
  handle->relay = relay;
  relay->handle = handle;
  napi_value external;
  napi_create_external(env, handle, FinalizeHandle, nullptr, &external);
  return external;
}

napi_value Plan(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < 6) return Throw(env, "plan(handle, skip, emit, move, last, chunks)");
  Relay* relay = RelayOf(env, argv[0]);
  if (relay == nullptr) return Throw(env, "the splice relay is closed");
  double skip = 0, move = 0;
  bool last = false;
  napi_get_value_double(env, argv[1], &skip);
  napi_get_value_double(env, argv[3], &move);
  napi_get_value_bool(env, argv[4], &last);
  bool chunks = false;
  napi_get_value_bool(env, argv[5], &chunks);
  bool is_buffer = false;
  napi_is_buffer(env, argv[2], &is_buffer);
  relay->emit.clear();
  relay->emitted = 0;
  if (is_buffer) {
    void* data;
    size_t length;
    napi_get_buffer_info(env, argv[2], &data, &length);
    relay->emit.assign(static_cast<const char*>(data), length);
  }
  relay->skip = skip > 0 ? static_cast<uint64_t>(skip) : 0;
  relay->move_all = move < 0;
  relay->move = move > 0 ? static_cast<uint64_t>(move) : 0;
  relay->last = last;
  relay->chunks = chunks && !last && !relay->move_all;
  relay->small_chunks = 0;
  relay->at_size = false;
  relay->planned = true;
  relay->stopped = false;
  // Inside onEvent the pump that called it goes on by itself.
  if (!relay->in_callback) Pump(relay);
  return nullptr;
}

// One of the relay's counters, for the handle given (0 once the relay is closed).
napi_value Counter(napi_env env, napi_callback_info info, uint64_t Relay::*counter) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  Relay* relay = argc > 0 ? RelayOf(env, argv[0]) : nullptr;
  napi_value result;
  napi_create_double(env, relay ? static_cast<double>(relay->*counter) : 0, &result);
  return result;
}

napi_value Moved(napi_env env, napi_callback_info info) { return Counter(env, info, &Relay::moved_out); }

napi_value Followed(napi_env env, napi_callback_info info) { return Counter(env, info, &Relay::followed); }

napi_value CloseRelay(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  Relay* relay = argc > 0 ? RelayOf(env, argv[0]) : nullptr;
  if (relay) Close(relay);
  return nullptr;
}

napi_value Init(napi_env env, napi_value exports) {
  const napi_property_descriptor functions[] = {
      {"open", nullptr, Open, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"plan", nullptr, Plan, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"moved", nullptr, Moved, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"followed", nullptr, Followed, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"close", nullptr, CloseRelay, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof functions / sizeof functions[0], functions);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
