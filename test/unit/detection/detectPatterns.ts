import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { AGENTCORE_EVENT_SOURCE } from '../../../lib/detection/coverage.js';

/** One entry of resources/detect-patterns.yml: the rule's state and event pattern. */
export interface DetectPattern {
  state: string;
  pattern: {
    source?: unknown[];
    'detail-type'?: string[];
    detail?: { eventSource?: string[]; eventName?: string[] } & Record<string, unknown>;
  };
}

/** resources/detect-patterns.yml, parsed: the one list of what is routed to detect. */
export function loadDetectPatterns(): Record<string, DetectPattern> {
  const yaml = createRequire(import.meta.url)('js-yaml') as { load(text: string): unknown };
  const text = readFileSync(join(process.cwd(), 'resources', 'detect-patterns.yml'), 'utf8');
  return yaml.load(text) as Record<string, DetectPattern>;
}

/** The AgentCore event names the patterns route by name (source and event source AgentCore). */
export function routedAgentcoreNames(patterns: Record<string, DetectPattern>): Set<string> {
  const routed = new Set<string>();
  for (const { pattern } of Object.values(patterns)) {
    if (!(pattern.source ?? []).includes('aws.bedrock-agentcore')) continue;
    if (!(pattern.detail?.eventSource ?? []).includes(AGENTCORE_EVENT_SOURCE)) continue;
    for (const name of pattern.detail?.eventName ?? []) routed.add(name);
  }
  return routed;
}
