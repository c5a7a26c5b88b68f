import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { DetectRoutes } from './forwarder.js';

/**
 * resources/detect-patterns.yml, the one list the stage's detect rules are built from, read from
 * the project the CLI runs in (the checkout `serverless deploy` deploys). js-yaml is the
 * framework's own YAML reader, as scripts/localStage.ts uses it.
 */
export function readDetectRoutes(
  file = new URL('../../resources/detect-patterns.yml', import.meta.url),
): DetectRoutes {
  const yaml = createRequire(import.meta.url)('js-yaml') as { load(text: string): unknown };
  const parsed = yaml.load(readFileSync(file, 'utf8'));
  if (typeof parsed !== 'object' || parsed === null) {
    throw new RangeError('resources/detect-patterns.yml holds no routes');
  }
  for (const [key, route] of Object.entries(parsed)) {
    const { state, pattern } = (route ?? {}) as { state?: unknown; pattern?: unknown };
    if (typeof state !== 'string' || typeof pattern !== 'object' || pattern === null) {
      throw new RangeError(`resources/detect-patterns.yml: route ${key} lacks a state or pattern`);
    }
  }
  return parsed as DetectRoutes;
}
