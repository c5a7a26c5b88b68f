/**
 * One copy of each string a large report keeps many times over: an export of 150,000 roles
 * repeats the same account id, action names, managed policy ARNs and names in every role,
 * and each `JSON.parse` makes a fresh copy of every one. Interned, they are held once (the
 * table itself lives only as long as the read that fills it).
 */
export class Interner {
  private readonly strings = new Map<string, string>();

  /** The one kept copy of `value`. */
  readonly intern = (value: string): string => {
    const kept = this.strings.get(value);
    if (kept !== undefined) return kept;
    this.strings.set(value, value);
    return value;
  };
}
