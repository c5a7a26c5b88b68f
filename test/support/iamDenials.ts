/**
 * Zero unexpected denials on the shared local stack: after each integration test, whatever the
 * stack's IAM gate refused (or, in audit mode, would have refused) since the previous test
 * fails that test, naming each call and its decisive statement. A test that provokes a denial
 * on purpose takes it with {@link consumeDenials} and asserts on it; what it leaves fails it.
 *
 * Registered for every integration file (jest.config.js `setupFilesAfterEnv`). It reads the
 * stack the run's global setup started (`GATEWARDEN_TEST_IAM_ENDPOINT`), not whatever a test
 * points `AWS_ENDPOINT_URL` at: the files that open a stack of their own check it themselves.
 */

/** One refusal as the gate lists it (`GET /_gatewarden/iam/denials`). */
export interface GateDenial {
  enforced: boolean;
  principal: string;
  action?: string;
  resource?: string;
  reason: string;
  decisive: string[];
}

/** The variable globalSetup.js hands the workers: the shared stack's endpoint. */
export const IAM_ENDPOINT_ENV = 'GATEWARDEN_TEST_IAM_ENDPOINT';

async function denialsOf(endpoint: string, method: 'GET' | 'DELETE'): Promise<GateDenial[]> {
  const url = `${endpoint}/_gatewarden/iam/denials`;
  // Once more on a fresh connection: after a long synchronous test the kept-alive one may have
  // been closed by the front just as it is reused ("other side closed").
  const response = await fetch(url, { method }).catch(() => fetch(url, { method }));
  const body = (await response.json()) as { mode: string; denials: GateDenial[] };
  return body.denials;
}

/**
 * The shared stack's denials since the last check, forgotten by the stack once read: for a test
 * that expects IAM to refuse something (assert on what it returns).
 */
export async function consumeDenials(): Promise<GateDenial[]> {
  const endpoint = process.env[IAM_ENDPOINT_ENV];
  if (!endpoint) return [];
  const seen = await denialsOf(endpoint, 'GET');
  // Forget exactly what was read: nothing runs on the stack between the two calls (in band).
  await denialsOf(endpoint, 'DELETE');
  return seen;
}

/** One line per denial: who, what, on what, why (the decisive statements). */
export function describeDenials(denials: readonly GateDenial[]): string {
  return denials
    .map(
      (d) =>
        `${d.enforced ? 'DENY' : 'would deny'} ${d.principal} ${d.action ?? '?'}${d.resource ? ` on ${d.resource}` : ''}: ${d.reason}${d.decisive.length ? ` [${d.decisive.join('; ')}]` : ''}`,
    )
    .join('\n');
}

if (typeof afterEach === 'function' && process.env[IAM_ENDPOINT_ENV]) {
  afterEach(async () => {
    const unexpected = await consumeDenials();
    if (unexpected.length > 0) {
      throw new Error(
        `the local stack's IAM refused ${unexpected.length} call(s) this test did not expect (consumeDenials() takes expected ones):\n${describeDenials(unexpected)}`,
      );
    }
  });
}
