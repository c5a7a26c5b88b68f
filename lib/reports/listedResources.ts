/** Distinct ARNs the index holds; later ones are left to the events' own sets. */
const MAX_ARNS = 8_192;
/** Events (numbered from 0 by the collector) the index tracks: at most 2 KB of bits per ARN. */
const MAX_EVENTS = 16_384;

interface SharedArn {
  /** The one copy of the ARN that every event listing it holds. */
  arn: string;
  /** Bit n is set when the event numbered n lists the ARN. */
  listedBy: Uint8Array;
}

/**
 * Which events list which resource ARNs, for the usage collector's hot path. A trail names
 * the same resources over and over; asking each event's own `Set` per record reads a hash
 * table per event, thousands of them, rarely in cache, and was the costliest step per record.
 * Here the question is one lookup in a single map of ARNs and one bit beside the ARN, memory
 * that stays in cache. The events' sets still receive every ARN, in the same order; past the
 * index's bounds they answer the question themselves.
 */
export class ListedResources {
  private readonly shared = new Map<string, SharedArn>();

  constructor(
    private readonly maxArns = MAX_ARNS,
    private readonly maxEvents = MAX_EVENTS,
  ) {}

  /**
   * Adds `arn` to `resources`, the set of the event numbered `event`, unless it is already
   * there. Returns false, adding nothing, when the ARN is new and the set holds `cap` already.
   */
  add(event: number, resources: Set<string>, arn: string, cap: number): boolean {
    const entry = event < this.maxEvents ? this.entryOf(arn) : undefined;
    if (entry === undefined) {
      if (resources.has(arn)) return true;
      if (resources.size >= cap) return false;
      resources.add(arn);
      return true;
    }
    const byte = event >> 3;
    const bit = 1 << (event & 7);
    let listedBy = entry.listedBy;
    if (((listedBy[byte] ?? 0) & bit) !== 0) return true;
    if (resources.size >= cap) return false;
    if (byte >= listedBy.length) {
      listedBy = grown(listedBy, byte + 1);
      entry.listedBy = listedBy;
    }
    listedBy[byte] = (listedBy[byte] ?? 0) | bit;
    resources.add(entry.arn);
    return true;
  }

  private entryOf(arn: string): SharedArn | undefined {
    let entry = this.shared.get(arn);
    if (entry === undefined && this.shared.size < this.maxArns) {
      entry = { arn, listedBy: new Uint8Array(8) };
      this.shared.set(arn, entry);
    }
    return entry;
  }
}

function grown(bits: Uint8Array, length: number): Uint8Array {
  let size = bits.length;
  while (size < length) size *= 2;
  const copy = new Uint8Array(size);
  copy.set(bits);
  return copy;
}
