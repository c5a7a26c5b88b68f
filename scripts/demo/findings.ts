/**
 * How the demo presents detection findings: the attack scenario it seeded apart from the noise
 * of its own set-up calls (creating a gateway, registering and rotating credentials, reading
 * secrets as the admin who runs the demo), with counts that add up to what is listed. Pure.
 */

/** The fields of a `gatewarden detect --format jsonl` line the demo shows. */
export interface DemoFinding {
  ruleId: string;
  severity: string;
  title: string;
  principal?: string;
  eventName?: string;
  eventId?: string;
  /** Grouped bursts: how many calls one finding stands for. */
  count?: number;
}

export interface NoiseGroup {
  ruleId: string;
  severity: string;
  title: string;
  findings: number;
  eventNames: string[];
}

export interface SplitFindings {
  /** Findings on the suspicious calls the demo seeded, most severe first. */
  scenario: DemoFinding[];
  /** Findings on the demo's own set-up calls, one group per rule, most severe first. */
  noise: NoiseGroup[];
  noiseCount: number;
  /** Who made the calls the noise is about (the demo's own admin identity, normally). */
  noisePrincipals: string[];
  /** Seeded suspicious calls no finding names (should be none). */
  missed: string[];
}

const RANK = ['critical', 'high', 'medium', 'low', 'info'];
const rank = (severity: string): number => {
  const index = RANK.indexOf(severity);
  return index < 0 ? RANK.length : index;
};

/** Splits findings by whether they name one of the seeded suspicious calls. */
export function splitFindings(
  findings: readonly DemoFinding[],
  suspiciousEventIds: ReadonlySet<string>,
): SplitFindings {
  const scenario = findings
    .filter((f) => f.eventId !== undefined && suspiciousEventIds.has(f.eventId))
    .sort((a, b) => rank(a.severity) - rank(b.severity));
  const groups = new Map<string, NoiseGroup>();
  let noiseCount = 0;
  const noisePrincipals = new Set<string>();
  for (const f of findings) {
    if (f.eventId !== undefined && suspiciousEventIds.has(f.eventId)) continue;
    noiseCount += 1;
    noisePrincipals.add(f.principal ?? 'unknown principal');
    // One line per rule and severity: a line's count is what findings.jsonl holds at that level.
    const key = `${f.ruleId}|${f.severity}`;
    const group = groups.get(key) ?? {
      ruleId: f.ruleId,
      severity: f.severity,
      title: f.title,
      findings: 0,
      eventNames: [],
    };
    group.findings += 1;
    if (f.eventName && !group.eventNames.includes(f.eventName)) group.eventNames.push(f.eventName);
    groups.set(key, group);
  }
  const flagged = new Set(scenario.map((f) => f.eventId));
  return {
    scenario,
    noise: [...groups.values()].sort(
      (a, b) => rank(a.severity) - rank(b.severity) || b.findings - a.findings,
    ),
    noiseCount,
    noisePrincipals: [...noisePrincipals].sort(),
    missed: [...suspiciousEventIds].filter((id) => !flagged.has(id)),
  };
}

/**
 * findings.jsonl as the demo writes it: each line of `gatewarden detect --format jsonl` with
 * `demoPart` saying whether it is about the seeded attack scenario or the demo's own set-up.
 */
export function labelFindings(jsonl: string, suspiciousEventIds: ReadonlySet<string>): string {
  return jsonl
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const finding = JSON.parse(line) as DemoFinding & Record<string, unknown>;
      const part =
        finding.eventId !== undefined && suspiciousEventIds.has(finding.eventId)
          ? 'scenario'
          : 'set-up';
      return `${JSON.stringify({ ...finding, demoPart: part })}\n`;
    })
    .join('');
}

/** The lines the demo prints for a split; every finding is counted in exactly one line. */
export function describeFindings(split: SplitFindings): string[] {
  const lines: string[] = [];
  lines.push(`attack scenario: ${split.scenario.length} finding(s)`);
  for (const f of split.scenario) {
    const burst = f.count && f.count > 1 ? ` ×${f.count} calls` : '';
    lines.push(
      `  [${f.severity.padEnd(8)}] ${f.ruleId}: ${f.title} — ${f.principal ?? '?'} (${f.eventName ?? '?'})${burst}`,
    );
  }
  lines.push(
    `set-up noise: ${split.noiseCount} finding(s) on the demo's own set-up calls${split.noisePrincipals.length > 0 ? ` by ${split.noisePrincipals.join(', ')}` : ''} (an admin provisioning gateways; in an account, allow-list it in the detection configuration)`,
  );
  for (const g of split.noise) {
    lines.push(
      `  ${String(g.findings).padStart(3)} × [${g.severity.padEnd(8)}] ${g.ruleId} (${g.eventNames.join(', ')})`,
    );
  }
  return lines;
}

/** The report's findings as the demo lists them; each is in exactly one part. */
export interface ReportFindingParts<F> {
  /** On the demo gateway or its execution role (any resource naming one of `ours`). */
  gateway: F[];
  /** Labelled `set-up` by the demo (its own admins), not already in `gateway`. */
  setUp: F[];
  /** How many are left: other roles and account checks. */
  elsewhere: number;
}

/** Splits report findings into the demo gateway's, the set-up's (by label) and the rest. */
export function splitReportFindings<F extends { resource: string; labels?: string[] }>(
  findings: readonly F[],
  ours: readonly string[],
): ReportFindingParts<F> {
  const gateway = findings.filter((f) => ours.some((id) => f.resource.includes(id)));
  const setUp = findings.filter((f) => !gateway.includes(f) && f.labels?.includes('set-up'));
  return { gateway, setUp, elsewhere: findings.length - gateway.length - setUp.length };
}
