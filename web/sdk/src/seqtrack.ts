// Per-conversation bookkeeping of the seqs this client has had: the basis
// of gap detection (what to fetch after a jump or a reconnect) and of
// acknowledgements (everything up to floor has been received). It counts
// every seq the server sent, including messages the application filtered
// out and messages deleted for the user, so they are neither fetched again
// nor left unacknowledged.

/** maxSpan is the widest range one fetch asks for: the server's page size, so a complete answer proves every seq in it was covered. */
export const maxSpan = 100;

/** SeqTracker is one topic's received-seq bookkeeping. */
export class SeqTracker {
  private begun = false;
  private low = 0; // every seq ≤ low is had
  private readonly above = new Set<number>(); // had seqs > low
  private top = 0; // highest seq known to exist
  private acked = 0; // highest seq acknowledged to the server

  get started(): boolean {
    return this.begun;
  }

  /** floor is the highest seq below which nothing is missing. */
  get floor(): number {
    return this.low;
  }

  /** known is the highest seq known to exist. */
  get known(): number {
    return this.top;
  }

  /**
   * start sets where history begins for this client: seqs up to floor are
   * not wanted (older history is paged on demand, not by gap filling).
   */
  start(floor: number): void {
    if (this.begun) {
      return;
    }
    this.begun = true;
    this.low = Math.max(this.low, floor);
    this.advance();
  }

  /** exists records that the topic has messages up to seq, without having them. */
  exists(seq: number): void {
    this.top = Math.max(this.top, seq);
  }

  /** add records a received seq and reports whether it was new. */
  add(seq: number): boolean {
    this.exists(seq);
    if (seq <= this.low || this.above.has(seq)) {
      return false;
    }
    this.above.add(seq);
    this.advance();
    return true;
  }

  /** covered records that a fetch of [lo, hi) was answered completely: whatever did not come does not exist for this user. */
  covered(lo: number, hi: number): void {
    for (let s = Math.max(lo, this.low + 1); s < hi; s++) {
      this.above.add(s);
    }
    this.advance();
  }

  /** gap is the first missing range [lo, hi), at most maxSpan wide, or undefined when nothing is missing up to known. */
  gap(): [number, number] | undefined {
    if (!this.begun || this.low >= this.top) {
      return undefined;
    }
    const lo = this.low + 1;
    let hi = lo + 1;
    while (hi <= this.top && hi < lo + maxSpan && !this.above.has(hi)) {
      hi++;
    }
    return [lo, hi];
  }

  /** ackDue is the seq to acknowledge when the floor passed the last ack. */
  ackDue(): number | undefined {
    return this.low > this.acked ? this.low : undefined;
  }

  /** markAcked records a sent acknowledgement. */
  markAcked(seq: number): void {
    this.acked = Math.max(this.acked, seq);
  }

  /** forgetAck makes the floor due again (the acknowledgement went out on a connection that broke). */
  forgetAck(): void {
    this.acked = 0;
  }

  private advance(): void {
    while (this.above.delete(this.low + 1)) {
      this.low++;
    }
  }
}
