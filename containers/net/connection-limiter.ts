/** Caps concurrent connections in total and per client address (denial-of-service limits). */
export class ConnectionLimiter {
  private readonly perAddress = new Map<string, number>();
  private total = 0;

  constructor(
    private readonly maxTotal: number,
    private readonly maxPerAddress: number,
  ) {}

  /** Returns a release function, or a reason the connection must be refused. */
  tryAcquire(address: string): { release: () => void } | { refused: 'total' | 'address' } {
    if (this.total >= this.maxTotal) return { refused: 'total' };
    const current = this.perAddress.get(address) ?? 0;
    if (current >= this.maxPerAddress) return { refused: 'address' };
    this.perAddress.set(address, current + 1);
    this.total++;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.total--;
        const left = (this.perAddress.get(address) ?? 1) - 1;
        if (left <= 0) this.perAddress.delete(address);
        else this.perAddress.set(address, left);
      },
    };
  }

  get count(): number {
    return this.total;
  }
}
