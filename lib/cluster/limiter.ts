/**
 * A token bucket: at most `qps` requests a second on average, bursts up to
 * `burst`. Bounds how hard Drover leans on one API server; 429s on top of it
 * are handled by the client's retry with Retry-After.
 */
export class TokenBucket {
  #tokens: number;
  #last: number;
  #queue: (() => void)[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly qps: number;
  readonly burst: number;

  constructor({ qps, burst }: { qps: number; burst: number }) {
    this.qps = qps;
    this.burst = burst;
    this.#tokens = burst;
    this.#last = Date.now();
  }

  #refill(): void {
    const now = Date.now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#last) / 1000) * this.qps);
    this.#last = now;
  }

  /** Resolves when a token is available (immediately while under the rate). */
  take(): Promise<void> {
    this.#refill();
    if (this.#queue.length === 0 && this.#tokens >= 1) {
      this.#tokens -= 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.#queue.push(resolve);
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#timer) return;
    const wait = Math.max(1, ((1 - this.#tokens) / this.qps) * 1000);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#refill();
      while (this.#queue.length > 0 && this.#tokens >= 1) {
        this.#tokens -= 1;
        this.#queue.shift()?.();
      }
      if (this.#queue.length > 0) this.#schedule();
    }, wait);
  }
}
