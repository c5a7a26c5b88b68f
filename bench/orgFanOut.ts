/**
 * Benchmark of the organization report's member fan-out (lib/reports/organization.ts): N
 * members, each read with simulated latencies of the calls one member costs (AssumeRole, the
 * pages of GetAccountAuthorizationDetails, the AgentCore inventory), a few failing, at the
 * chosen concurrency. In memory: it measures the fan-out's scheduling against the report
 * function's 900 s limit, not the local stack (the local-stack bench is still to be written).
 * Ends with one JSON line: {"bench":"org-fan-out",...}.
 *
 *   npx tsx bench/orgFanOut.ts [-- --members 500 --concurrency 10 --member-ms 2500 --fail-every 50]
 */
import { fanOutMembers, type MemberAccount } from '../lib/reports/organization.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`--${name} must be a number`);
  return value;
}

const members = arg('members', 500);
const concurrency = arg('concurrency', 10);
/** AssumeRole ~150 ms, 3 IAM pages ~1.2 s, ~12 AgentCore/Secrets/CloudTrail reads ~1.2 s. */
const memberMs = arg('member-ms', 2500);
const failEvery = arg('fail-every', 50);
const LAMBDA_LIMIT_S = 900;

const accounts: MemberAccount[] = Array.from({ length: members }, (_, i) => ({
  id: String(100000000000 + i),
  name: `member-${i}`,
  status: 'ACTIVE',
}));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const started = Date.now();
const outcomes = await fanOutMembers(
  accounts,
  async (account) => {
    // ±20 % jitter: members differ in size.
    await sleep(memberMs * (0.8 + 0.4 * Math.random()));
    if (failEvery > 0 && Number(account.id) % failEvery === 0) throw new Error('AccessDenied');
    return account.id;
  },
  { concurrency },
);
const wallS = (Date.now() - started) / 1000;
const failed = outcomes.filter((o) => !o.ok).length;
process.stdout.write(
  `${JSON.stringify({
    bench: 'org-fan-out',
    members,
    concurrency,
    memberMs,
    failed,
    wallS: Number(wallS.toFixed(1)),
    lambdaLimitS: LAMBDA_LIMIT_S,
    withinLimit: wallS < LAMBDA_LIMIT_S,
  })}\n`,
);
