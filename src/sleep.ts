// The CLI is one short synchronous command: its rare waits (an rmdir retry,
// a freezer poll, a busy stdio pipe, a process being reaped) are a few
// milliseconds and block the thread without spinning the CPU.
export function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}
