// Every side effect of create pushes its undo the moment it succeeds;
// on failure they run in reverse (kill before cgroup rmdir before state
// removal), so a failed create leaves nothing behind (runc #3591, #2615).

export class Rollback {
  private readonly undos: Array<{ what: string; fn: () => void }> = []

  push(what: string, fn: () => void): void {
    this.undos.push({ what, fn })
  }

  /** Forget the undos: the operation succeeded and its effects stay. */
  commit(): void {
    this.undos.length = 0
  }

  /** Undo everything, newest first; returns what could not be undone. */
  run(): string[] {
    const failed: string[] = []
    while (this.undos.length > 0) {
      const u = this.undos.pop()!
      try {
        u.fn()
      } catch (err) {
        failed.push(`${u.what}: ${(err as Error).message}`)
      }
    }
    return failed
  }
}
