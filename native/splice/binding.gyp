# The splice relay (splice-relay.cc), built by scripts/build-native.mjs with node-gyp. Linux only:
# splice(2) is Linux's; elsewhere the proxy's JS relay is the only one.
{
  "targets": [
    {
      "target_name": "splice_relay",
      "sources": ["splice-relay.cc"],
      "cflags_cc": ["-std=c++17", "-O2", "-Wall", "-Wextra", "-fno-exceptions"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
