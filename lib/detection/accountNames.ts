import type { Finding } from './types.js';

/**
 * The names of an organization's member accounts on their findings. A name is written by the
 * member's own administrators (Organizations lets a member rename itself): it is shown as short
 * plain text beside the account id, which stays the identifier; it decides nothing — not where
 * an alert goes, not whether it is sent — and a failed look-up only leaves it out.
 */

/** Port: a member account's name (Organizations DescribeAccount). */
export interface AccountNameSource {
  nameOf(accountId: string): Promise<string | undefined>;
}

/** Organizations allows 50 characters; longer text is cut to this. */
export const ACCOUNT_NAME_MAX = 50;

/**
 * A name as alerts show it: letters, digits, spaces and `. _ - ( )` kept; any run of other
 * characters (markup of e-mail, Slack or Markdown, controls, invisible or look-alike
 * characters, line breaks that would start a line of their own) becomes one `_`; cut to
 * {@link ACCOUNT_NAME_MAX} characters. Undefined when nothing is left.
 */
export function displayAccountName(raw: string): string | undefined {
  const text = raw
    .replace(/\s+/g, ' ')
    .replace(/[^A-Za-z0-9 ._()-]+/g, '_')
    .trim();
  if (text === '') return undefined;
  return text.length > ACCOUNT_NAME_MAX ? `${text.slice(0, ACCOUNT_NAME_MAX - 1)}…` : text;
}

interface Cached {
  name: string | undefined;
  until: number;
}

/**
 * Names looked up once per account and kept (a day; a failed look-up five minutes), so detect
 * asks Organizations at most once per member and day whatever the event rate. Bounded: past
 * `max` accounts the oldest entry goes.
 */
export class CachedAccountNames implements AccountNameSource {
  // Names as Organizations gave them: shown only through displayAccountName.
  private readonly cache = new Map<string, Cached>();
  private readonly now: () => number;
  private readonly max: number;

  constructor(
    private readonly source: AccountNameSource,
    options: { now?: () => number; max?: number } = {},
  ) {
    this.now = options.now ?? Date.now;
    this.max = options.max ?? 10_000;
  }

  async nameOf(accountId: string): Promise<string | undefined> {
    const at = this.now();
    const hit = this.cache.get(accountId);
    if (hit !== undefined && hit.until > at) return hit.name;
    let entry: Cached;
    try {
      const raw = await this.source.nameOf(accountId);
      entry = { name: raw, until: at + DAY_MS };
    } catch {
      entry = { name: undefined, until: at + RETRY_MS };
    }
    this.cache.delete(accountId);
    if (this.cache.size >= this.max) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(accountId, entry);
    return entry.name;
  }
}

const DAY_MS = 86_400_000;
const RETRY_MS = 5 * 60_000;

/**
 * The finding with its account's display name, for another account than the stage's own (a
 * single-account stage never asks). The finding is returned as it was when the name is
 * unknown.
 */
export async function withAccountName(
  finding: Finding,
  names: AccountNameSource | undefined,
  homeAccountId: string | undefined,
): Promise<Finding> {
  const id = finding.accountId;
  if (names === undefined || id === undefined || id === homeAccountId) return finding;
  const name = await names.nameOf(id).catch(() => undefined);
  const shown = name === undefined ? undefined : displayAccountName(name);
  return shown === undefined ? finding : { ...finding, accountName: shown };
}

/** Where the names come from, and the stage's own account (whose findings are not named). */
export interface AccountNaming {
  source: AccountNameSource;
  homeAccountId?: string;
}

/** {@link withAccountName} with the naming a processor was given (none: the finding as is). */
export function named(finding: Finding, naming: AccountNaming | undefined): Promise<Finding> {
  return withAccountName(finding, naming?.source, naming?.homeAccountId);
}
