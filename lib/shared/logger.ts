import { Logger } from '@aws-lambda-powertools/logger';
import { redact } from './redact.js';

/**
 * One Powertools logger per process. Every structured attribute is passed through
 * {@link redact} before it is written, so secret values never reach CloudWatch.
 */
export const logger = new Logger({
  serviceName: 'gatewarden',
  logLevel: (process.env.GATEWARDEN_LOG_LEVEL ?? process.env.POWERTOOLS_LOG_LEVEL ?? 'INFO') as
    'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT',
});

/** Structured log attributes, redacted. Use as `logger.info('msg', safe({ ... }))`. */
export function safe(attributes: Record<string, unknown>): Record<string, unknown> {
  return redact(attributes);
}
