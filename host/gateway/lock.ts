// One writer at a time on a gateway data directory: the daemon for as long as
// it runs, `nymote set` for one write when no daemon runs. The lock is a file
// created with O_EXCL holding "<pid> <holder>"; a lock whose pid is dead (a
// SIGKILLed daemon, a power cut) is stale and taken over. Taking over is itself
// serialized by a second O_EXCL file, so two processes that find the same stale
// lock cannot both take it.
import { closeSync, fsyncSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";

export const LOCK_FILE = "gateway.lock";
/** Ends in ".lock" like the lock itself: backups skip both. */
const TAKEOVER = "gateway.takeover.lock";

/** The data directory is locked by a live process. */
export class LockedError extends Error {
  constructor(
    readonly dir: string,
    readonly pid: number,
    readonly holder: string,
  ) {
    super(
      `${dir} is in use by ${holder === "gateway" ? "a running nymote gateway" : `nymote ${holder}`} (pid ${pid}); stop it first (lock file ${join(dir, LOCK_FILE)})`,
    );
  }
}

/** Whether a process with this pid exists (EPERM: it does, as another user). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The lock's pid and holder, or null when the file is gone. An unreadable pid counts as dead (a torn write). */
function readLock(path: string): { pid: number; holder: string } | null {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
  const [pid, holder] = text.trim().split(" ");
  return { pid: Number.parseInt(pid ?? "", 10) || 0, holder: holder ?? "?" };
}

/** Creates path with O_EXCL holding "<pid> <holder>"; false when it exists. */
function create(path: string, holder: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, "wx", 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  }
  try {
    writeSync(fd, `${process.pid} ${holder}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return true;
}

function unlinkIfExists(path: string): void {
  try {
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
}

export class DataDirLock {
  private released = false;

  private constructor(readonly path: string) {}

  /**
   * Takes the lock on dir for holder ("gateway", "set"); throws LockedError
   * naming the pid when a live process holds it.
   */
  static acquire(dir: string, holder: string): DataDirLock {
    const path = join(dir, LOCK_FILE);
    for (let attempt = 0; attempt < 50; attempt++) {
      if (create(path, holder)) return new DataDirLock(path);
      const held = readLock(path);
      if (held === null) continue; // released meanwhile
      if (alive(held.pid)) throw new LockedError(dir, held.pid, held.holder);
      takeOver(dir, path, held.pid);
    }
    throw new Error(`could not take the lock ${path}: it keeps changing hands`);
  }

  /** Removes the lock file if it is still this process's. */
  release(): void {
    if (this.released) return;
    this.released = true;
    if (readLock(this.path)?.pid === process.pid) unlinkIfExists(this.path);
  }
}

/**
 * Removes the stale lock (still naming the dead pid) under the takeover lock;
 * the caller then creates its own with O_EXCL. A takeover lock left by a
 * process that died inside these few lines is stale too and removed.
 */
function takeOver(dir: string, path: string, deadPid: number): void {
  const guard = join(dir, TAKEOVER);
  if (!create(guard, "takeover")) {
    const g = readLock(guard);
    if (g !== null && !alive(g.pid)) unlinkIfExists(guard);
    // Someone else is taking over: give it a moment, then look again.
    else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    return;
  }
  try {
    if (readLock(path)?.pid === deadPid) unlinkIfExists(path);
  } finally {
    unlinkIfExists(guard);
  }
}
