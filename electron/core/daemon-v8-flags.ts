// The V8 flags the daemon runs with wherever Socket Warden starts its Node itself: the daemon
// package's /usr/bin/socket-warden, the app's main process, the bench. A young generation capped at
// 4 MiB per semi-space: under a request loop V8 otherwise grows it to 16 MiB, about 20 MB of the
// daemon's resident memory (the bench's VmRSS after its request-rate rows: 92 MB without, 73 MB with)
// for garbage that dies young anyway; scavenges of a space this size stay well under a millisecond.
export const DAEMON_V8_FLAGS: readonly string[] = ['--max-semi-space-size=4'];
