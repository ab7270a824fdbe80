// The CLI surface, declared once: parse.ts parses argv with it, help.ts renders
// --help and shell completion from it, index.ts dispatches on its names.
// Names, flags, defaults and texts follow runc 1.1.5 (main.go and one file per
// command) so tsrun is a drop-in for containerd (go-runc), conmon and scripts.

export type FlagType = 'bool' | 'string' | 'number' | 'stringArray'
export type FlagValue = boolean | string | number | string[]
export type FlagValues = Record<string, FlagValue>

export interface FlagSpec {
  name: string
  /** other names, short ones included ("b" for -b) */
  aliases: string[]
  type: FlagType
  default: FlagValue
  help: string
}

export interface CommandSpec {
  name: string
  aliases: string[]
  /** positionals in yargs syntax: <required> [optional] [rest...]; drives the argument count check */
  args: string
  /** one line, for the command list */
  usage: string
  /** runc's ArgsUsage text after the positionals */
  argsHelp: string
  description: string
  flags: FlagSpec[]
  /** urfave/cli's SkipArgReorder: flags only before the first positional, the
   *  rest passed through as is (ps hands them to ps(1)) */
  flagsFirst?: boolean
}

export const NAME = 'tsrun'
/** runtime-spec version tsrun implements (spec's ociVersion, features' ociVersionMax, --version) */
export const SPEC_VERSION = '1.3.0'

const EMPTY: Record<FlagType, () => FlagValue> = { bool: () => false, string: () => '', number: () => 0, stringArray: () => [] }

function flag(names: string, type: FlagType, help: string, dflt?: FlagValue): FlagSpec {
  const [name, ...aliases] = names.split(',')
  return { name, aliases, type, default: dflt ?? EMPTY[type](), help }
}

/** runc's: a caller without root keeps its state in its own $XDG_RUNTIME_DIR. */
function defaultRoot(): string {
  const xdg = process.env.XDG_RUNTIME_DIR
  return process.geteuid?.() !== 0 && xdg ? `${xdg}/tsrun` : '/run/tsrun'
}

/** urfave/cli adds --help, -h to every command; so does parse.ts. */
export const HELP_FLAG = flag('help,h', 'bool', 'show help')

export const GLOBAL_FLAGS: FlagSpec[] = [
  flag('debug', 'bool', 'enable debug logging'),
  flag('log', 'string', "set the log file to write tsrun logs to (default is '/dev/stderr')"),
  flag('log-format', 'string', "set the log format ('text' (default), or 'json')", 'text'),
  flag('root', 'string', 'root directory for storage of container state (this should be located in tmpfs)', defaultRoot()),
  flag('criu', 'string', 'path to the criu binary used for checkpoint and restore (accepted, unused)', 'criu'),
  flag('systemd-cgroup', 'bool',
    'enable systemd cgroup support, expects cgroupsPath to be of form "slice:prefix:name" for e.g. "system.slice:tsrun:434234"'),
  flag('rootless', 'string', "ignore cgroup permission errors ('true', 'false', or 'auto')", 'auto'),
  HELP_FLAG,
  flag('version,v', 'bool', 'print the version'),
]

const bundle = flag('bundle,b', 'string', 'path to the root of the bundle directory, defaults to the current directory')
const consoleSocket = flag('console-socket', 'string',
  "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal")
const pidfdSocket = flag('pidfd-socket', 'string',
  'path to an AF_UNIX socket which will receive a file descriptor referencing the init process')
const pidFile = flag('pid-file', 'string', 'specify the file to write the process id to')
const noPivot = flag('no-pivot', 'bool',
  'do not use pivot root to jail process inside rootfs.  This should be used whenever the rootfs is on top of a ramdisk')
const noNewKeyring = flag('no-new-keyring', 'bool',
  'do not create a new session keyring for the container.  This will cause the container to inherit the calling processes session key')
const preserveFds = flag('preserve-fds', 'number',
  'Pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total)')

const ID_HELP = `Where "<container-id>" is your name for the instance of the container that you
are starting. The name you provide for the container instance must be unique on
your host.`
const BUNDLE_HELP = (verb: string) => `The ${verb} command creates an instance of a container for a bundle. The bundle
is a directory with a specification file named "config.json" and a root
filesystem.

The specification file includes an args parameter. The args parameter is used
to specify command(s) that get run when the container is started. To change the
command(s) that get executed on start, edit the args parameter of the spec. See
"tsrun spec --help" for more explanation.`

function cmd(name: string, args: string, usage: string, flags: FlagSpec[] = [], argsHelp = '', description = ''): CommandSpec {
  return { name, aliases: [], args, usage, argsHelp, description, flags }
}

const byId = (what: string) => `Where "<container-id>" is the name for the instance of the container${what}.`

/** In runc's order (its `--help` lists them so). */
export const COMMANDS: CommandSpec[] = [
  cmd('checkpoint', '<container-id>', 'checkpoint a running container', [], byId(' to be\ncheckpointed')),
  cmd('create', '<container-id>', 'create a container',
    [bundle, consoleSocket, pidfdSocket, pidFile, noPivot, noNewKeyring, preserveFds], ID_HELP, BUNDLE_HELP('create')),
  cmd('delete', '<container-id>', 'delete any resources held by the container often used with detached container',
    [flag('force,f', 'bool', 'Forcibly deletes the container if it is still running (uses SIGKILL)')],
    `${byId('')}

EXAMPLE:
For example, if the container id is "ubuntu01" and tsrun list currently shows the
status of "ubuntu01" as "stopped" the following will delete resources held for
"ubuntu01" removing "ubuntu01" from the tsrun list of containers:

       # tsrun delete ubuntu01`),
  cmd('events', '<container-id>', 'display container events such as OOM notifications, cpu, memory, and IO usage statistics',
    [flag('interval', 'string', 'set the stats collection interval', '5s'), flag('stats', 'bool', 'display the container\'s stats then exit')],
    byId('')),
  { ...cmd('exec', '<container-id> [command...]', 'execute new process inside the container', [
    consoleSocket,
    flag('pidfd-socket', 'string', 'path to an AF_UNIX socket which will receive a file descriptor referencing the exec process'),
    flag('cwd', 'string', 'current working directory in the container'),
    flag('env,e', 'stringArray', 'set environment variables'),
    flag('tty,t', 'bool', 'allocate a pseudo-TTY'),
    flag('user,u', 'string', 'UID (format: <uid>[:<gid>])'),
    flag('additional-gids,g', 'stringArray', 'additional gids'),
    flag('process,p', 'string', 'path to the process.json'),
    flag('detach,d', 'bool', "detach from the container's process"),
    pidFile,
    flag('process-label', 'string', 'set the asm process label for the process commonly used with selinux'),
    flag('apparmor', 'string', 'set the apparmor profile for the process'),
    flag('no-new-privs', 'bool', 'set the no new privileges value for the process'),
    flag('cap,c', 'stringArray', 'add a capability to the bounding set for the process'),
    preserveFds,
    flag('cgroup', 'stringArray', 'run the process in an (existing) sub-cgroup(s). Format is [<controller>:]<cgroup>.'),
    flag('ignore-paused', 'bool', 'allow exec in a paused container'),
  ], `${byId(' and\n"<command>" is the command to be executed in the container')}
"<command>" can't be empty unless a "-p" flag provided.

EXAMPLE:
For example, if the container is configured to run the linux ps command the
following will output a list of processes running in the container:

       # tsrun exec <container-id> ps`),
  // runc's StopOnNthArg: flags after the command are the command's own (exec ID sh -c ...).
  flagsFirst: true },
  cmd('kill', '<container-id> [signal]', "kill sends the specified signal (default: SIGTERM) to the container's init process",
    [flag('all,a', 'bool', 'send the specified signal to all processes inside the container')],
    `Where "<container-id>" is the name for the instance of the container and
"[signal]" is the signal to be sent to the init process.

EXAMPLE:
For example, if the container id is "ubuntu01" the following will send a "KILL"
signal to the init process of the "ubuntu01" container:

       # tsrun kill ubuntu01 KILL`),
  cmd('list', '', 'lists containers started by tsrun with the given root',
    [flag('format,f', 'string', 'select one of: table or json', 'table'), flag('quiet,q', 'bool', 'display only container IDs')],
    `Where the given root is specified via the global option "--root"
(default: "/run/tsrun").`),
  cmd('pause', '<container-id>', 'pause suspends all processes inside the container', [], byId(' to be\npaused')),
  { ...cmd('ps', '<container-id> [ps-options...]', 'ps displays the processes running inside a container',
    [flag('format,f', 'string', 'select one of: table or json', 'table')], byId(' and\n"[ps-options]" are passed to ps(1) (default -ef)')),
  flagsFirst: true },
  cmd('restore', '<container-id>', 'restore a container from a previous checkpoint', [], byId(' to be\nrestored')),
  cmd('resume', '<container-id>', 'resumes all processes that have been previously paused', [], byId(' to be\nresumed')),
  cmd('run', '<container-id>', 'create and run a container',
    [bundle, consoleSocket, pidfdSocket, flag('detach,d', 'bool', "detach from the container's process"),
      flag('keep', 'bool', 'do not delete the container after it exits'), pidFile,
      flag('no-subreaper', 'bool', 'disable the use of the subreaper used to reap reparented processes (accepted, unused)'),
      noPivot, noNewKeyring, preserveFds], ID_HELP, BUNDLE_HELP('run')),
  cmd('spec', '', 'create a new specification file',
    [flag('bundle,b', 'string', 'path to the root of the bundle directory'),
      flag('rootless', 'bool', 'generate a configuration for a rootless container')], '',
    `The spec command creates the new specification file named "config.json" for
the bundle. The spec generated is just a starter file (runc's example: args "sh",
a read-only "rootfs", the default mounts and namespaces); edit it to suit.
With --rootless the file is adjusted for a container run without root.`),
  cmd('start', '<container-id>', 'executes the user defined process in a created container', [], ID_HELP,
    'The start command executes the user defined process in a created container.'),
  cmd('state', '<container-id>', 'output the state of a container', [], byId(''),
    'The state command outputs current state information for the\ninstance of a container.'),
  cmd('update', '<container-id>', 'update container resource constraints', [
    flag('resources,r', 'string', "path to the file containing the resources to update or '-' to read from the standard input"),
    flag('blkio-weight', 'number', 'Specifies per cgroup weight, range is from 10 to 1000'),
    flag('cpu-period', 'string', 'CPU CFS period to be used for hardcapping (in usecs). 0 to use system default'),
    flag('cpu-quota', 'string', 'CPU CFS hardcap limit (in usecs). Allowed cpu time in a given period'),
    flag('cpu-burst', 'string', 'CPU CFS hardcap burst limit (in usecs). Allowed accumulated cpu time additionally for burst a given period'),
    flag('cpu-share,cpu-shares', 'string', 'CPU shares (relative weight vs. other containers)'),
    flag('cpu-rt-period', 'string', 'CPU realtime period to be used for hardcapping (in usecs). 0 to use system default'),
    flag('cpu-rt-runtime', 'string', 'CPU realtime hardcap limit (in usecs). Allowed cpu time in a given period'),
    flag('cpuset-cpus', 'string', 'CPU(s) to use'),
    flag('cpuset-mems', 'string', 'Memory node(s) to use'),
    flag('kernel-memory', 'string', '(obsoleted; do not use)'),
    flag('kernel-memory-tcp', 'string', '(obsoleted; do not use)'),
    flag('memory', 'string', 'Memory limit (in bytes)'),
    flag('cpu-idle', 'string', 'set cgroup SCHED_IDLE or not, 0: default behavior, 1: SCHED_IDLE'),
    flag('memory-reservation', 'string', 'Memory reservation or soft_limit (in bytes)'),
    flag('memory-swap', 'string', "Total memory usage (memory + swap); set '-1' to enable unlimited swap"),
    flag('pids-limit', 'number', 'Maximum number of pids allowed in the container'),
    flag('l3-cache-schema', 'string', 'The string of Intel RDT/CAT L3 cache schema'),
    flag('mem-bw-schema', 'string', 'The string of Intel RDT/MBA memory bandwidth schema'),
  ], `${byId('')}

The accepted format of --resources is the linux.resources object of
config.json; only memory, cpu, pids, blockIO.weight and unified are used.
Note: if data is to be read from a file or the standard input, all
other options are ignored.`),
  cmd('features', '', 'show the enabled features', [], '',
    'Show the enabled features.\nThe result is parsable as a JSON (the runtime-spec features.md format).'),
  cmd('completion', '', 'print a bash completion script (add it to ~/.bashrc)'),
]

export function findCommand(name: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === name || c.aliases.includes(name))
}

export const APP_USAGE = `Open Container Initiative runtime

tsrun is a command line client for running applications packaged according to
the Open Container Initiative (OCI) format and is a compliant implementation of the
Open Container Initiative specification. Its command line is runc's.

Containers are configured using bundles. A bundle for a container is a directory
that includes a specification file named "config.json" and a root filesystem.

To start a new instance of a container:

    # tsrun run [ -b bundle ] <container-id>`
