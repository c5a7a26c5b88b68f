/** The state file of a running local stack (`.gatewarden/local-stack.json`). */
import { readFileSync } from 'node:fs';
import { STATE_FILE } from './paths.js';

export interface LocalStackState {
  pid: number;
  startedAt: string;
  /** The front: the one `AWS_ENDPOINT_URL` for every client. */
  endpoint: string;
  region: string;
  motoUrl: string;
  motoPid: number;
  oidcIssuer: string;
  /** Bearer token for Dynamic Client Registration at `<issuer>/reg`. Never printed. */
  oidcInitialAccessToken: string;
  logFile: string;
}

/** Dummy credentials: moto accepts any; these select its default account 123456789012. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' } as const;

/** The state file, or undefined when there is none (or it is unreadable). */
export function readState(file: string = STATE_FILE): LocalStackState | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<LocalStackState>;
    if (typeof parsed.pid !== 'number' || typeof parsed.endpoint !== 'string') return undefined;
    return parsed as LocalStackState;
  } catch {
    return undefined;
  }
}

/** The environment that points AWS SDKs / the AWS CLI at the stack. No secret in here. */
export function exportsOf(state: LocalStackState): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: state.endpoint,
    AWS_REGION: state.region,
    AWS_DEFAULT_REGION: state.region,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_S3_FORCE_PATH_STYLE: 'true',
    GATEWARDEN_LOCAL_OIDC_ISSUER: state.oidcIssuer,
  };
}

/** `export NAME='value'` lines for `eval "$(gatewarden local start)"`. */
export function exportLines(values: Record<string, string>): string {
  return Object.entries(values)
    .map(([name, value]) => `export ${name}='${value.replace(/'/g, `'\\''`)}'`)
    .join('\n');
}
