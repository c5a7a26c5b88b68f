import { parseDetectionConfig } from '../../../lib/detection/config.js';
import { DetectionEngine } from '../../../lib/detection/engine.js';
import { memoryState } from '../../../lib/detection/memoryStores.js';
import { validateRecord, type CloudTrailRecord } from '../../../lib/detection/record.js';
import { safeIdentifier } from '../../../lib/detection/rules/identifiers.js';
import { principalOf } from '../../../lib/detection/rules/support.js';
import { toolCallOf } from '../../../lib/detection/rules/toolCalls.js';
import type { Finding } from '../../../lib/detection/types.js';
import { fixtureRecord } from './fixtureSupport.js';

/**
 * InvokeGateway data events are written by whoever calls the gateway: the tool name is what
 * the request said, the claims are the token's (a refused token's were never verified), and an
 * argument could be anything. These tests feed hostile values through the real engine and
 * check what reaches a finding.
 */

const SUCCESS = fixtureRecord(
  'toolFirstCall.fixtures.json',
  'an agent calls a refund tool it never called, after a week of order lookups',
);

function parsed(raw: unknown): CloudTrailRecord {
  const result = validateRecord(raw);
  if (!result.ok) throw new Error(result.reason);
  return result.record;
}

/** A copy of the fixture's accepted tools/call with changes applied to the raw JSON. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a raw record, edited as JSON
type Raw = Record<string, any>;
function variant(change: (r: Raw) => void): Record<string, unknown> {
  const copy = structuredClone(SUCCESS) as Raw;
  change(copy);
  return copy;
}

describe('safeIdentifier', () => {
  it.each([
    ['4f1c8a2e-7b3d-4c11-9e0a-6d2f5b8c1a90', '4f1c8a2e-7b3d-4c11-9e0a-6d2f5b8c1a90'],
    ['auth0|6512ab', 'auth0|6512ab'],
    ['orders___getOrder', 'orders___getOrder'],
    [42, '42'],
  ])('keeps %p as %p', (value, expected) => {
    expect(safeIdentifier(value)).toBe(expected);
  });

  it.each([
    ['a newline', 'agent\n[critical] all clear'],
    ['markup', '<img src=x onerror=alert(1)>'],
    ['an HTML entity as AWS writes it', 'bob&lt;script&gt;'],
    ['a long value', 'x'.repeat(5_000)],
  ])('makes %s safe, bounded and distinguishable', (_what, value) => {
    const safe = safeIdentifier(value) ?? '';
    expect(safe).toMatch(/^[A-Za-z0-9._~:@/+=|-]+$/);
    expect(safe.length).toBeLessThanOrEqual(64);
    expect(safe).not.toBe(safeIdentifier(`${value}?`));
  });

  it('never makes two different values the same identifier', () => {
    expect(safeIdentifier('a b')).not.toBe(safeIdentifier('a_b'));
    expect(safeIdentifier('a_b')).toBe('a_b');
  });

  it.each([[undefined], [''], [{}], [['x']], [Number.NaN]])('reads %p as nothing', (value) => {
    expect(safeIdentifier(value)).toBeUndefined();
  });
});

describe('toolCallOf', () => {
  it('reads the documented successful tools/call', () => {
    expect(toolCallOf(parsed(SUCCESS))).toEqual({
      gatewayId: 'orders-gw-7fq2kx9d1m',
      method: 'tools/call',
      tool: 'payments___issueRefund',
      targetId: '9KZP2M7QWE',
      principal: 'jwt:4f1c8a2e-7b3d-4c11-9e0a-6d2f5b8c1a90',
      client: '3h8v0q2kd7m1lrtp9c5xw4n6ab',
      status: 200,
      refusal: undefined,
      failed: false,
    });
  });

  it('reads a body recorded as JSON text the same as an object', () => {
    const text = variant((r) => {
      r.requestParameters.body = JSON.stringify(r.requestParameters.body);
    });
    expect(toolCallOf(parsed(text)).tool).toBe('payments___issueRefund');
  });

  it('names the IAM caller on an AWS_IAM gateway (the role, not the session)', () => {
    const iam = variant((r) => {
      delete r.additionalEventData.jwt;
      r.userIdentity = {
        type: 'AssumedRole',
        principalId: 'AROAEXAMPLEAGENT:session-7',
        arn: 'arn:aws:sts::111122223333:assumed-role/orders-agent/session-7',
        accountId: '111122223333',
        sessionContext: {
          sessionIssuer: {
            type: 'Role',
            arn: 'arn:aws:iam::111122223333:role/orders-agent',
            userName: 'orders-agent',
          },
        },
      };
    });
    expect(toolCallOf(parsed(iam)).principal).toBe(
      'iam:arn:aws:iam::111122223333:role/orders-agent',
    );
  });

  it('keeps no principal or client from a refused token (its claims were never verified)', () => {
    const refused = variant((r) => {
      r.responseElements.statusCode = 401;
    });
    const call = toolCallOf(parsed(refused));
    expect(call).toMatchObject({
      principal: undefined,
      client: undefined,
      refusal: 'unauthenticated',
    });
    expect(principalOf(parsed(refused))).toBe('unknown');
  });

  it('tells a policy denial, a 403 and a tool error apart', () => {
    const denial = variant((r) => {
      r.responseElements.body.result = {
        isError: true,
        content: [{ type: 'text', text: 'AuthorizeActionException - Tool Execution Denied: …' }],
      };
    });
    const forbidden = variant((r) => {
      r.responseElements.statusCode = 403;
    });
    const toolError = variant((r) => {
      r.responseElements.body.result = { isError: true, content: 'REDACTED' };
    });
    expect(toolCallOf(parsed(denial))).toMatchObject({ refusal: 'policy', failed: false });
    expect(toolCallOf(parsed(forbidden))).toMatchObject({ refusal: 'forbidden' });
    expect(toolCallOf(parsed(toolError))).toMatchObject({ refusal: undefined, failed: true });
  });
});

describe('what reaches a finding from a hostile caller', () => {
  const ARGUMENT = 'CANARY-ARGUMENT-d41d8cd98f00';
  const CLAIM = 'CANARY-CLAIM-9e107d9d372b';

  /** The week of history of the first-call fixture, then `last`; the findings of `last`. */
  async function findingsFor(last: unknown): Promise<Finding[]> {
    const engine = new DetectionEngine({ config: parseDetectionConfig({}), state: memoryState() });
    const history = (
      await import('../../../lib/detection/rules/toolFirstCall.fixtures.json', {
        with: { type: 'json' },
      })
    ).default.cases[0]?.records.slice(0, -1) as unknown[];
    for (const raw of history) await engine.evaluate(parsed(raw));
    return (await engine.evaluate(parsed(last))).findings;
  }

  it('names the new tool and the caller, sanitized, and carries no argument or other claim', async () => {
    const hostile = variant((r) => {
      // Arguments are redacted by AWS; a record that kept them must still not leak them.
      r.requestParameters.body.params.name = 'payments___issueRefund\n**INJECTED-INSTRUCTION**';
      r.requestParameters.body.params.arguments = { note: ARGUMENT };
      r.additionalEventData.jwt.claims.username = CLAIM;
      r.additionalEventData.jwt.claims.email = `${CLAIM}@example.com`;
      r.additionalEventData.jwt.claims.scope = CLAIM;
    });
    const findings = await findingsFor(hostile);
    expect(findings.map((f) => f.ruleId)).toContain('gateway-tool-first-call');
    const text = JSON.stringify(findings);
    expect(text).not.toContain(CLAIM);
    expect(text).not.toContain(ARGUMENT);
    expect(text).not.toContain('**INJECTED');
    expect(text).not.toContain('\\n');
    const first = findings.find((f) => f.ruleId === 'gateway-tool-first-call');
    expect(String(first?.details?.tool)).toMatch(
      /^payments___issueRefund_{3}INJECTED-INSTRUCTION_{2}~[0-9a-f]{8}$/,
    );
    expect(String(first?.details?.tool).length).toBeLessThanOrEqual(128);
  });

  it('folds a flood of made-up tool names by one caller into one alert and its burst', async () => {
    const engine = new DetectionEngine({ config: parseDetectionConfig({}), state: memoryState() });
    const history = (
      await import('../../../lib/detection/rules/toolFirstCall.fixtures.json', {
        with: { type: 'json' },
      })
    ).default.cases[0]?.records.slice(0, -1) as unknown[];
    for (const raw of history) await engine.evaluate(parsed(raw));
    let alerted = 0;
    let grouped = 0;
    for (let i = 0; i < 50; i++) {
      const probe = variant((r) => {
        r.eventID = `probe-${i}`;
        r.eventTime = `2026-11-20T14:05:${String(i).padStart(2, '0')}Z`;
        r.requestParameters.body.params.name = `made___up${i}`;
      });
      const result = await engine.evaluate(parsed(probe));
      alerted += result.findings.filter((f) => f.ruleId === 'gateway-tool-first-call').length;
      grouped += result.groups.grouped.filter(
        (g) => g.finding.ruleId === 'gateway-tool-first-call',
      ).length;
    }
    expect({ alerted, grouped }).toEqual({ alerted: 1, grouped: 49 });
  });

  it('caps a subject an IdP let grow to kilobytes', async () => {
    const huge = variant((r) => {
      r.additionalEventData.jwt.claims.sub = `4f1c8a2e-7b3d-4c11-9e0a-6d2f5b8c1a90${'\u202e'.repeat(3)}${'A'.repeat(4_000)}`;
    });
    const call = toolCallOf(parsed(huge));
    expect(call.principal?.length).toBeLessThanOrEqual(68);
    expect(principalOf(parsed(huge))).toBe(call.principal);
  });
});
