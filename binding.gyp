# Two products in build/Release: the N-API addon (tsrun.node) and the static
# init program it execs from a memfd (tsrun-init).
{
  'targets': [
    {
      'target_name': 'tsrun',
      'sources': [
        'addon/addon.cc',
        'addon/bpf.cc',
        'addon/cgroup-events.cc',
        'addon/fdpass.cc',
        'addon/files.cc',
        'addon/fsops.cc',
        'addon/msg.cc',
        'addon/notify.cc',
        'addon/netdev.cc',
        'addon/pidfd.cc',
        'addon/seccomp-enosys.cc',
        'addon/seccomp.cc',
        'addon/spawn.cc',
        'addon/tty.cc',
      ],
      'include_dirs': ["<!(node -p \"require('node-addon-api').include_dir\")"],
      # N-API pinned (no NODE_MODULE_VERSION rebuilds); C++ exceptions on, so
      # errors.h can throw and RAII closes fds on every error path.
      'defines': ['NAPI_VERSION=8', 'NAPI_CPP_EXCEPTIONS'],
      'cflags!': ['-fno-exceptions'],
      'cflags_cc!': ['-fno-exceptions'],
      'cflags': ['-fvisibility=hidden', '-Wall', '-Wextra', '-Werror'],
      'cflags_cc': ['-std=c++17'],
      # libstdc++ and libseccomp linked in: Bun (dist/tsrun) has no libstdc++
      # loaded, and dlopen of the shared ones cost each `run` ~0.9 ms and 1 MB
      # of RSS (Node loads libstdc++ anyway). Their symbols stay hidden.
      'libraries': ['-l:libseccomp.a'],
      'ldflags': ['-static-libstdc++', '-static-libgcc', '-Wl,--gc-sections', '-Wl,--exclude-libs,ALL'],
    },
    {
      'target_name': 'tsrun-init',
      'type': 'executable',
      # Globbed so the init's owner can add files without touching this one.
      'sources': ["<!@(sh -c 'ls addon/init/*.c 2>/dev/null || true')"],
      'cflags': ['-Wall', '-Wextra'],
      # node's common.gypi sets -O3 for Release; the init wants -O2.
      'configurations': {'Release': {'cflags!': ['-O3'], 'cflags': ['-O2']}},
      'ldflags': ['-static', '-s'],
    },
  ],
}
