/**
 * User agents of attacker and audit tooling, as the tools people trust look for them:
 * GuardDuty's PenTest:IAMUser/KaliLinux, ParrotLinux and PentooLinux (the distribution shows
 * in the SDK's platform string: `os/linux#6.6.9-amd64-kali`, `md/distrib#kali.2024`), Pacu,
 * TruffleHog's key verification, S3 Browser (seen in intrusions reported by incident
 * responders); cloud auditing scanners (ScoutSuite, CloudSploit) as a weaker signal, since
 * security teams run them too. Ordinary agents (aws-cli, Boto3, the SDKs, Terraform,
 * CloudFormation, the console) match nothing here.
 */

export interface ToolSignal {
  tool: string;
  /** `offensive` raises what the principal does; `audit` is reported at low only. */
  kind: 'offensive' | 'audit';
}

const TOOLS: readonly { pattern: RegExp; tool: string; kind: ToolSignal['kind'] }[] = [
  { pattern: /kali/i, tool: 'Kali Linux', kind: 'offensive' },
  { pattern: /parrot/i, tool: 'Parrot OS', kind: 'offensive' },
  { pattern: /pentoo/i, tool: 'Pentoo Linux', kind: 'offensive' },
  { pattern: /\bpacu\b/i, tool: 'Pacu', kind: 'offensive' },
  { pattern: /trufflehog/i, tool: 'TruffleHog', kind: 'offensive' },
  { pattern: /\bS3 Browser\b/i, tool: 'S3 Browser', kind: 'offensive' },
  { pattern: /scout ?suite/i, tool: 'ScoutSuite', kind: 'audit' },
  { pattern: /cloudsploit/i, tool: 'CloudSploit', kind: 'audit' },
];

/** The tool a user agent names, if any (the first 512 characters are read). */
export function toolOf(userAgent: string | undefined): ToolSignal | undefined {
  if (userAgent === undefined || userAgent === '') return undefined;
  const head = userAgent.slice(0, 512);
  for (const { pattern, tool, kind } of TOOLS) if (pattern.test(head)) return { tool, kind };
  return undefined;
}

/** How long a principal seen with offensive tooling keeps raising what it does. */
export const TOOLING_MEMORY_MS = 86_400_000;
