/**
 * A lease on "rotating this secret now", so two in-process drivers (two `gatewarden rotate
 * --local` runs, the benchmark, a test) never rotate one secret at once. Leases expire, so a
 * crashed holder blocks no one for longer than its time-to-live. Secrets Manager itself
 * serialises the rotations it drives; the rotate function needs no lease.
 */
/** Who holds a lease, and until when (epoch ms). */
export interface LeaseHolder {
  owner: string;
  until: number;
}

export interface RotationLock {
  /**
   * True when `owner` now holds the lease on `secretArn` (or already did). `force` takes it
   * over from a live holder (`rotate --force`, after a crash the lease would outlive).
   */
  acquire(
    secretArn: string,
    owner: string,
    ttlSeconds: number,
    options?: { force?: boolean },
  ): Promise<boolean>;
  /** The current holder, if any lease is live. */
  holder(secretArn: string): Promise<LeaseHolder | undefined>;
  /** Gives the lease back if `owner` still holds it. */
  release(secretArn: string, owner: string): Promise<void>;
}

/** Leases inside one process: the default when no shared lock is configured. */
export class MemoryRotationLock implements RotationLock {
  private readonly leases = new Map<string, { owner: string; until: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async acquire(
    secretArn: string,
    owner: string,
    ttlSeconds: number,
    options: { force?: boolean } = {},
  ): Promise<boolean> {
    const lease = this.leases.get(secretArn);
    const live = lease && lease.owner !== owner && lease.until > this.now();
    if (live && !options.force) return false;
    this.leases.set(secretArn, { owner, until: this.now() + ttlSeconds * 1000 });
    return true;
  }

  async holder(secretArn: string): Promise<LeaseHolder | undefined> {
    const lease = this.leases.get(secretArn);
    return lease && lease.until > this.now() ? { ...lease } : undefined;
  }

  async release(secretArn: string, owner: string): Promise<void> {
    if (this.leases.get(secretArn)?.owner === owner) this.leases.delete(secretArn);
  }
}

/** The process-wide lock the driver uses when its dependencies name none. */
export const processRotationLock = new MemoryRotationLock();
