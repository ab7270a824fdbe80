// Attacks on the runtime from inside the container, one test each, and what
// must stop them: the sealed init binary (CVE-2019-5736), no runtime fd and
// no cwd outside the root (CVE-2024-21626), paths resolved inside the rootfs
// whatever the image's symlinks say (the CVE-2025-31133 / 52565 / 52881
// family), and masks the container cannot lift.
import t, { type Test } from 'tap'
import { spawn, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { type MountInfo, REPO, type Result, Sandbox, cliArgv, cliEnv, createOnPipes, fails, parseMountinfo, results, skipReason, statePid, waitFor } from './harness'

const skip = skipReason()
if (skip) t.plan(0, skip)

const sha = (file: string): string => createHash('sha256').update(fs.readFileSync(file)).digest('hex')

/** The host binaries a CVE-2019-5736 attack would overwrite. */
const HOST_BINARIES = [process.execPath, path.join(REPO, 'build', 'Release', 'tsrun-init'), path.join(REPO, 'dist', 'tsrun.js')]

/** "res <name> <how a write to p failed, or ok>" (": >" opens for writing and writes nothing). */
const tryWrite = (name: string, p: string): string =>
  `(sh -c 'echo pwned > ${p}' 2>&1 && echo ok) | tail -n 1 | sed "s/^/res ${name} /"`

/** A create that fails: one `tsrun:` line; the harness then checks that nothing is left. */
function refused(t: Test, r: Result, why: RegExp): void {
  t.equal(r.status, 1, 'refused')
  t.match(r.stderr, new RegExp(`^tsrun: create [^\\n]*${why.source}[^\\n]*\\n$`), `one line: ${why.source}`)
}

t.test('CVE-2019-5736 during create: a root process in the container cannot write the init\'s /proc/PID/exe', async (t) => {
  const s = new Sandbox(t, 'hard-exe-create')
  const before = HOST_BINARIES.map(sha)
  const out = path.join(s.dir, 'hook.out')
  const exe = path.join(s.bundle, 'rootfs', 'proc', '1', 'exe')
  // A createContainer hook runs in the container's namespaces with all of
  // the init's privileges (before the caps are dropped): the worst case.
  // The container's procfs is mounted at <rootfs>/proc by then.
  s.config((c) => {
    c.hooks = {
      createContainer: [{
        path: '/bin/sh',
        args: ['sh', '-c', `{\n${[
          `echo "res link $(readlink ${exe})"`,
          tryWrite('write', exe),
          `(sh -c ': >> ${exe}' 2>&1 && echo ok) | tail -n 1 | sed "s/^/res append /"`,
        ].join('\n')}\n} > ${out}`],
      }],
    }
    c.process.args = ['true']
  })
  const id = s.id()
  const c = await createOnPipes(s, id)
  t.equal(c.status, 0, c.stderr)
  const res = results({ status: 0, signal: null, stderr: '', stdout: fs.readFileSync(out, 'utf8') })
  t.equal(res.get('link'), '/memfd:tsrun-init (deleted)', 'pid 1 runs from a memfd, not a host file')
  t.match(res.get('write'), /Text file busy|Operation not permitted/, 'opening it for writing fails')
  t.match(res.get('append'), /Text file busy|Operation not permitted/, 'so does appending')
  const pid = statePid(s, id)
  t.equal(sha(`/proc/${pid}/exe`), before[1], 'the memfd still holds tsrun-init, unchanged')
  t.same(HOST_BINARIES.map(sha), before, 'node, tsrun-init and tsrun.js on the host are unchanged')
  t.equal(s.tsrun(['start', id]).status, 0, 'start')
  await c.running.done
})

t.test('CVE-2019-5736 during start: a process with the container\'s privileges cannot even reach pid 1\'s exe', async (t) => {
  const s = new Sandbox(t, 'hard-exe-start')
  const before = HOST_BINARIES.map(sha)
  // startContainer hooks run in the container, after the fifo opened and
  // the caps were dropped, while pid 1 is still tsrun-init.
  s.config((c) => {
    c.root.readonly = false
    c.hooks = {
      startContainer: [{
        path: '/bin/sh',
        args: ['sh', '-c', `{\n${[
          'echo "res link $(ls -l /proc/1/exe 2>&1)"',
          'echo "res comm $(cat /proc/1/comm)"',
          tryWrite('write', '/proc/1/exe'),
          '(cat /proc/1/exe > /dev/null) 2>&1 | sed "s/^/res read /"',
        ].join('\n')}\n} > /hook.out`],
      }],
    }
    c.process.args = ['true']
  })
  const r = s.run(s.id())
  t.equal(r.status, 0, r.stderr)
  const res = results({ status: 0, signal: null, stderr: '', stdout: fs.readFileSync(path.join(s.bundle, 'rootfs', 'hook.out'), 'utf8') })
  t.equal(res.get('comm'), 'tsrun:[INIT]', 'the hook ran while pid 1 was still the init')
  t.match(res.get('link'), /Permission denied/, 'the init is not dumpable: its exe link is out of reach')
  t.match(res.get('write'), /Permission denied/, 'writing fails')
  t.match(res.get('read'), /Permission denied/, 'reading fails')
  t.same(HOST_BINARIES.map(sha), before, 'the host binaries are unchanged')
})

/** The host pid of a process whose comm is `comm`, in the pid namespace of `nsOf`'s process. */
function findInPidns(comm: string, nsOf: number): number | undefined {
  const ns = fs.readlinkSync(`/proc/${nsOf}/ns/pid`)
  for (const p of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (fs.readFileSync(`/proc/${p}/comm`, 'utf8') === `${comm}\n` && fs.readlinkSync(`/proc/${p}/ns/pid`) === ns) return Number(p)
    } catch { continue }
  }
  return undefined
}

t.test('CVE-2019-5736 during exec: a root process with CAP_SYS_PTRACE cannot write the exec init\'s /proc/PID/exe', async (t) => {
  const s = new Sandbox(t, 'hard-exe-exec')
  const before = HOST_BINARIES.map(sha)
  // CAP_SYS_PTRACE is what lets a container process open a non-dumpable
  // process's exe at all: the worst case, as the attack needs exactly that.
  s.config((c) => {
    for (const set of Object.values(c.process.capabilities) as string[][]) set.push('CAP_SYS_PTRACE')
    c.process.args = ['sleep', '1000']
  })
  const id = s.id()
  t.equal(s.tsrunDetached(['run', '-d', '-b', s.bundle, id], 'run').status, 0)
  const initPid = statePid(s, id)
  // The hold: exec writes --pid-file as a temp file `.<name>.<its pid>` and
  // renames it (create.ts writePidFile), after the init's child in the
  // container's pid ns reported READY and before it is let go. That temp
  // file is a fifo here, made by the shell that then execs tsrun (same
  // pid): tsrun blocks opening it until we read, with the child waiting.
  const pidFile = path.join(s.dir, 'exec.pid')
  const [cmd, args] = cliArgv(['--root', s.root, 'exec', '-d', '--pid-file', pidFile, id, 'sleep', '1000'])
  const held = spawn('/bin/sh', ['-c', `mkfifo ${path.join(s.dir, '.exec.pid')}.$$ && exec "$@"`, 'sh', cmd, ...args],
    { env: cliEnv(), stdio: 'ignore' })
  const heldExit = new Promise<number | null>((resolve) => held.on('exit', (code) => resolve(code)))
  t.teardown(() => { if (held.exitCode === null) held.kill('SIGKILL') })
  let child: number | undefined
  t.ok(await waitFor(() => (child = findInPidns('tsrun:[INIT]', initPid)) !== undefined), 'the exec\'s init is held in the container\'s pid ns')
  if (child === undefined) return
  const innerPid = /^NSpid:\s+\d+\s+(\d+)$/m.exec(fs.readFileSync(`/proc/${child}/status`, 'utf8'))?.[1]

  // The attacker: another process in the container, which finds the init
  // by its name, tries to write its exe, then keeps an fd of it open for
  // the classic second step, writing through the fd once the runtime is gone.
  const obsPidFile = path.join(s.dir, 'observer.pid')
  const observer = s.tsrunDetached(['exec', '-d', '--pid-file', obsPidFile, id, 'sh', '-c', [
    'for p in /proc/[0-9]*; do [ "$(cat $p/comm 2>/dev/null)" = "tsrun:[INIT]" ] && pid=${p#/proc/}; done',
    'export pid',  // for tryWrite's sh
    'echo "res pid $pid"',
    'echo "res link $(readlink /proc/$pid/exe 2>&1)"',
    tryWrite('write', '/proc/$pid/exe'),
    '(sh -c ": >> /proc/$pid/exe" 2>&1 && echo ok) | tail -n 1 | sed "s/^/res append /"',
    'exec 3< /proc/$pid/exe && echo "res fd open"',
    'echo ready',
    'while [ ! -e /go ]; do sleep 0.05; done',
    tryWrite('fd-write', '/proc/self/fd/3'),
    'echo "res done"',
    'sleep 1000',
  ].join('\n')], 'observer')
  t.equal(observer.status, 0, observer.stderr)
  t.ok(await waitFor(() => fs.readFileSync(observer.outFile, 'utf8').includes('ready')), 'the observer ran')
  t.equal(findInPidns('tsrun:[INIT]', initPid), child, 'the init was held all along')
  let res = results({ status: 0, signal: null, stderr: '', stdout: fs.readFileSync(observer.outFile, 'utf8') })
  t.equal(res.get('pid'), innerPid, 'the observer found the held init (its comm names it) under its pid in the container')
  t.equal(res.get('link'), '/memfd:tsrun-init (deleted)', 'it runs from a memfd, not node nor any host file')
  t.match(res.get('write'), /Text file busy|Operation not permitted/, 'opening it for writing fails')
  t.match(res.get('append'), /Text file busy|Operation not permitted/, 'so does appending')
  t.equal(res.get('fd'), 'open', 'reading it is what CAP_SYS_PTRACE allows')

  // Let the exec finish: the pid read from the fifo is the held process.
  t.equal(Number(await fs.promises.readFile(path.join(s.dir, `.exec.pid.${held.pid}`), 'utf8')), child, 'the held process is the exec\'s')
  t.equal(await heldExit, 0, 'exec went on')
  t.ok(await waitFor(() => fs.readFileSync(`/proc/${child}/comm`, 'utf8') === 'sleep\n'), 'the init has become the exec\'d process')
  fs.writeFileSync(path.join(s.bundle, 'rootfs', 'go'), '')
  t.ok(await waitFor(() => fs.readFileSync(observer.outFile, 'utf8').includes('res done')), 'the observer tried its fd')
  res = results({ status: 0, signal: null, stderr: '', stdout: fs.readFileSync(observer.outFile, 'utf8') })
  t.match(res.get('fd-write'), /Operation not permitted/, 'the sealed memfd refuses the write through the kept fd')
  t.equal(sha(`/proc/${fs.readFileSync(obsPidFile, 'utf8')}/fd/3`), before[1], 'the memfd still holds tsrun-init, unchanged')
  t.same(HOST_BINARIES.map(sha), before, 'node, tsrun-init and tsrun.js on the host are unchanged')
})

t.test('CVE-2024-21626: a process.cwd through /proc/self/fd/N is refused or stays inside the root', async (t) => {
  const s = new Sandbox(t, 'hard-cwd')
  const marker = path.join(s.dir, 'host-marker')
  fs.writeFileSync(marker, 'host secret\n')
  const up = '../'.repeat(20)
  for (let fd = 3; fd <= 9; fd++) {
    s.config((c) => {
      c.process.cwd = `/proc/self/fd/${fd}`
      c.process.args = ['sh', '-c', `cat ${up}${marker.slice(1)} 2>/dev/null && echo ESCAPED; echo "res cwd $(pwd)"; true`]
    })
    const r = s.run(s.id(`-${fd}`))
    t.notMatch(r.stdout, /ESCAPED|host secret/, `fd ${fd}: the host is not reachable from the cwd`)
    if (r.status === 0) {
      t.equal(r.stderr, '', `fd ${fd}: ran without a word`)
      t.match(results(r).get('cwd'), /^\//, `fd ${fd}: the cwd is a path inside the container`)
    } else {
      t.match(r.stderr, /^tsrun: create [^\n]*chdir[^\n]*\n$/, `fd ${fd}: refused at chdir, in one line`)
    }
  }
})

/** Replaces the image's /<name> with an absolute symlink to a new, empty host directory; returns that directory. */
function linkToHost(s: Sandbox, name: string): string {
  const hostDir = path.join(s.dir, `host-${name}`)
  fs.mkdirSync(hostDir)
  const inImage = path.join(s.bundle, 'rootfs', name)
  fs.rmSync(inImage, { recursive: true, force: true })
  fs.symlinkSync(hostDir, inImage)
  return hostDir
}

t.test('a rootfs whose /proc is a symlink to the host is refused, and nothing is mounted there', async (t) => {
  const s = new Sandbox(t, 'hard-proc-link')
  const hostDir = linkToHost(s, 'proc')
  const rootfs = path.join(s.bundle, 'rootfs')
  fs.mkdirSync(path.join(rootfs, hostDir), { recursive: true })
  s.config()
  refused(t, s.run(s.id()), /\/proc/)
  t.same(fs.readdirSync(hostDir), [], 'the host directory is untouched')
  t.same(fs.readdirSync(path.join(rootfs, hostDir)), [], 'no procfs was mounted at the link\'s target either')
})

t.test('a rootfs whose /dev is a symlink to the host: devices and /dev links are made inside the rootfs', async (t) => {
  const s = new Sandbox(t, 'hard-dev-link')
  const hostDev = linkToHost(s, 'dev')
  const rootfs = path.join(s.bundle, 'rootfs')
  s.config((c) => {
    c.root.readonly = false
    // No tmpfs on /dev: the devices go straight into the image's /dev.
    c.mounts = c.mounts.filter((m: { destination: string }) => !m.destination.startsWith('/dev'))
    c.process.args = ['sh', '-c', 'echo "res null $(stat -c "%F %t:%T" /dev/null)"; echo "res fd $(readlink /dev/fd)"']
  })
  const r = s.run(s.id())
  t.equal(r.status, 0, r.stderr)
  t.equal(results(r).get('null'), 'character special file 1:3', 'the container has its /dev/null')
  t.equal(results(r).get('fd'), '/proc/self/fd')
  t.same(fs.readdirSync(hostDev), [], 'nothing was made in the host directory')
  t.ok(fs.lstatSync(path.join(rootfs, hostDev, 'null')).isCharacterDevice(), 'the node sits at the link\'s target inside the rootfs')
})

t.test('an image /dev/null that leads to a sensitive file is never bound over a masked path (CVE-2025-31133)', async (t) => {
  const s = new Sandbox(t, 'hard-devnull')
  const rootfs = path.join(s.bundle, 'rootfs')
  const corePattern = fs.readFileSync('/proc/sys/kernel/core_pattern', 'utf8')
  fs.rmSync(path.join(rootfs, 'dev'), { recursive: true, force: true })
  fs.mkdirSync(path.join(rootfs, 'dev'))
  fs.symlinkSync('/proc/sys/kernel/core_pattern', path.join(rootfs, 'dev', 'null'))
  s.config((c) => {
    c.mounts = c.mounts.filter((m: { destination: string }) => !m.destination.startsWith('/dev'))
    c.linux.readonlyPaths = []
    c.process.args = ['sh', '-c', 'echo "|/tmp/pwned" > /proc/keys; cat /proc/keys']
  })
  refused(t, s.run(s.id()), /mask path \/dev\/null is not the null device/)
  t.equal(fs.readFileSync('/proc/sys/kernel/core_pattern', 'utf8'), corePattern, 'the host\'s core_pattern is unchanged')
})

t.test('maskedPaths and readonlyPaths through symlinks to the host stay inside the rootfs', async (t) => {
  const s = new Sandbox(t, 'hard-mask-link')
  const rootfs = path.join(s.bundle, 'rootfs')
  const hostSecret = path.join(s.dir, 'host-secret')
  const hostRo = path.join(s.dir, 'host-ro')
  for (const d of [hostSecret, hostRo]) {
    fs.mkdirSync(d)
    fs.writeFileSync(path.join(d, 'host-only'), 'host\n')
    // The same paths inside the rootfs, with the image's own content.
    fs.mkdirSync(path.join(rootfs, d), { recursive: true })
    fs.writeFileSync(path.join(rootfs, d, 'image-file'), 'image\n')
  }
  fs.symlinkSync(hostSecret, path.join(rootfs, 'evil-mask'))
  fs.symlinkSync(`../../../../../../..${hostRo}`, path.join(rootfs, 'etc', 'evil-ro'))
  s.config((c) => {
    c.root.readonly = false
    c.linux.maskedPaths.push('/evil-mask')
    c.linux.readonlyPaths.push('/etc/evil-ro')
    c.process.args = ['sh', '-c', [
      'echo "res masked $(ls -A /evil-mask | wc -l)"',
      'echo "res ro $(ls /etc/evil-ro)"',
      tryWrite('ro-write', '/etc/evil-ro/new'),
      'sed "s/^/mi /" /proc/self/mountinfo',
    ].join('\n')]
  })
  const r = s.run(s.id())
  t.equal(r.status, 0, r.stderr)
  const res = results(r)
  t.equal(res.get('masked'), '0', 'the mask covers the link\'s target inside the rootfs')
  t.equal(res.get('ro'), 'image-file', 'the readonly path is the image\'s directory, not the host\'s')
  t.match(res.get('ro-write'), /Read-only file system/)
  const mounts = parseMountinfo(r.stdout.split('\n').filter((l) => l.startsWith('mi ')).map((l) => l.slice(3)).join('\n'))
  const at = (p: string): MountInfo | undefined => mounts.filter((m) => m.mountPoint === p).pop()
  t.equal(at(hostSecret)?.fstype, 'tmpfs', 'the mask sits at the link\'s target as the container sees it')
  t.ok(at(hostRo)?.options.includes('ro'), 'so does the read-only bind')
  for (const d of [hostSecret, hostRo]) t.same(fs.readdirSync(d), ['host-only'], `${path.basename(d)}: host directory untouched`)
})

t.test('masks hold: the container cannot unmount, remount or write through them', async (t) => {
  const s = new Sandbox(t, 'hard-mask-hold')
  s.config((c) => {
    c.process.args = ['sh', '-c', [
      'echo "res umount-keys $(umount /proc/keys 2>&1)"',
      'echo "res umount-firmware $(umount /sys/firmware 2>&1)"',
      'echo "res remount-sys $(mount -o remount,rw /proc/sys 2>&1)"',
      'echo "res remount-bind $(mount -o remount,bind,rw /proc/sys 2>&1)"',
      'echo "res keys $(cat /proc/keys | wc -c)"',
      tryWrite('sysrq', '/proc/sysrq-trigger'),
      tryWrite('core-pattern', '/proc/sys/kernel/core_pattern'),
      'echo "res status $(grep -E "^(CapEff|CapBnd|NoNewPrivs):" /proc/self/status | tr -s "\\t" " " | tr "\\n" " ")"',
    ].join('\n')]
  })
  const r = s.run(s.id())
  t.equal(r.status, 0, r.stderr)
  const res = results(r)
  // busybox words EPERM from mount(2) as "permission denied (are you root?)".
  t.match(res.get('umount-keys'), /Operation not permitted|permission denied/i, '/proc/keys stays masked')
  t.match(res.get('umount-firmware'), /Operation not permitted|permission denied/i, '/sys/firmware stays masked')
  t.match(res.get('remount-sys'), /Operation not permitted|permission denied/i, '/proc/sys cannot be remounted read-write')
  t.match(res.get('remount-bind'), /Operation not permitted|permission denied/i)
  t.equal(res.get('keys'), '0', '/proc/keys reads as /dev/null')
  if (fs.existsSync('/proc/sysrq-trigger')) t.match(res.get('sysrq'), /Read-only file system/, 'sysrq-trigger is read-only')
  t.match(res.get('core-pattern'), /Read-only file system/, '/proc/sys is read-only')
  t.match(res.get('status'), /CapEff: 0000000020000420 CapBnd: 0000000020000420 NoNewPrivs: 1/, 'without CAP_SYS_ADMIN, no_new_privs set')
})

t.test('an image /dev/console that is a symlink or no file is refused, never mounted over (CVE-2025-52565)', async (t) => {
  const s = new Sandbox(t, 'hard-console')
  const rootfs = path.join(s.bundle, 'rootfs')
  const devConsole = path.join(rootfs, 'dev', 'console')
  const hostFile = path.join(s.dir, 'host-console')
  fs.writeFileSync(hostFile, 'host\n')
  // The same path inside the rootfs: where the link leads after the pivot.
  fs.mkdirSync(path.join(rootfs, s.dir), { recursive: true })
  fs.writeFileSync(path.join(rootfs, hostFile), 'image\n')
  s.config((c) => {
    c.process.terminal = true
    // No tmpfs on /dev: the image's own /dev, with its /dev/console, is what the init finds.
    c.mounts = c.mounts.filter((m: { destination: string }) => m.destination !== '/dev')
  })
  const cases: [string, () => void, RegExp][] = [
    ['a symlink to a host path', () => fs.symlinkSync(hostFile, devConsole), /console \/dev\/console is a symlink: too many symbolic links/],
    ['a directory', () => fs.mkdirSync(devConsole), /console \/dev\/console is neither a file nor a device: invalid argument/],
    ['a fifo', () => spawnSync('mkfifo', [devConsole]), /console \/dev\/console is neither a file nor a device: invalid argument/],
  ]
  for (const [i, [what, make, why]] of cases.entries()) {
    fs.rmSync(devConsole, { recursive: true, force: true })
    make()
    const id = s.id(`-${i}`)
    t.match(fails(t, s, id, ['run', '-b', s.bundle, id]), why, what)
  }
  t.ok(fs.lstatSync(devConsole).isFIFO(), 'the image\'s /dev/console is left as it was')
  t.equal(fs.readFileSync(hostFile, 'utf8'), 'host\n', 'the host file is untouched')
  t.equal(fs.readFileSync(path.join(rootfs, hostFile), 'utf8'), 'image\n', 'so is the link\'s target inside the rootfs')
  const mounted = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes('console'))
  t.same(mounted, [], 'no console mount on the host')
})
