/**
 * Proof by evaluation: over generated usage (random tools, callers, claims and outcomes, with
 * hostile characters in every name), every observed successful call is allowed by the
 * recommended policies and every (principal group, tool) pair never observed succeeding is
 * denied, decided by the real Cedar engine against the gateway's schema.
 */
import fc from 'fast-check';
import {
  actionUid,
  gatewayUid,
  principalEntity,
  principalUid,
} from '../../../lib/tools/cedarSchema.js';
import { decide } from '../../../lib/tools/cedarEngine.js';
import type { Caller, Outcome } from '../../../lib/tools/invokeRecord.js';
import type { GatewayTools } from '../../../lib/tools/inventory.js';
import { recommendGateway } from '../../../lib/tools/recommend.js';
import { sampleInvokeRecord } from '../../../lib/tools/sampleRecord.js';
import { ToolUsageCollector } from '../../../lib/tools/ToolUsageCollector.js';

const GATEWAY = 'arn:aws:bedrock-agentcore:us-east-1:111122223333:gateway/gw-proof1';
const ACCOUNT = '111122223333';

// Names with the characters that break naive policy text: quotes, backslashes, Cedar syntax,
// line breaks, non-ASCII.
const hostile = fc.oneof(
  fc.stringMatching(/^[a-z][a-z0-9_-]{0,8}$/),
  fc.constantFrom('a"b', 'x\\y', '") || true || ("', 'ünï', 'new\nline', 'tab\there', '*', 'a*b'),
);

interface Call {
  caller: number;
  tool: number;
  outcome: Outcome;
}

const outcomes: Outcome[] = ['ok', 'ok', 'ok', 'refused', 'policyDenied', 'failed'];

function records(callers: Caller[], tools: string[], calls: Call[]): unknown[] {
  return calls.map((c, i) => {
    const caller = callers[c.caller] as Caller;
    const outcome = c.outcome;
    return sampleInvokeRecord({
      gatewayArn: GATEWAY,
      tool: tools[c.tool] as string,
      targetId: 'TARGET1',
      ...(caller.kind === 'oauth'
        ? { claims: { sub: caller.sub, ...caller.claims } }
        : { iamArn: caller.arn }),
      time: `2026-12-01T00:00:${String(i % 60).padStart(2, '0')}Z`,
      ...(outcome === 'refused' ? { statusCode: 403 } : {}),
      ...(outcome === 'failed' ? { statusCode: 500 } : {}),
      ...(outcome === 'policyDenied'
        ? { error: { code: -32002, message: 'Tool call not authorized by policy' } }
        : {}),
    });
  });
}

function inventory(tools: string[], authorizerType: string): GatewayTools {
  return {
    gatewayArn: GATEWAY,
    gatewayId: 'gw-proof1',
    authorizerType,
    targets: [
      {
        targetId: 'TARGET1',
        name: 't',
        tools: tools.map((name) => ({
          name,
          inputSchema: { type: 'object', properties: { q: { type: 'string' } } },
        })),
      },
    ],
  };
}

function isAllowed(
  policies: Record<string, string>,
  caller: Caller,
  tool: string,
  schema: unknown,
) {
  return (
    decide(
      policies,
      {
        principal: principalUid(caller),
        action: actionUid(tool),
        resource: gatewayUid(GATEWAY),
        entities: [principalEntity(caller)],
        context: { input: {} },
      },
      schema as never,
    ) === 'allow'
  );
}

const toolNames = fc
  .uniqueArray(hostile, { minLength: 1, maxLength: 6 })
  .map((names) => names.map((n) => `t___${n}`));

describe('recommended Cedar policies, proved by evaluation', () => {
  it('OAuth callers, per subject or grouped by a claim: observed successes allowed, everything else denied', () => {
    fc.assert(
      fc.property(
        toolNames,
        fc.uniqueArray(
          fc.record({ sub: hostile, client: fc.option(hostile, { nil: undefined }) }),
          {
            minLength: 1,
            maxLength: 6,
            selector: (c) => `${c.sub}|${c.client ?? ''}`,
          },
        ),
        fc.array(
          fc.record({ caller: fc.nat(), tool: fc.nat(), outcome: fc.constantFrom(...outcomes) }),
          {
            maxLength: 30,
          },
        ),
        fc.boolean(),
        (tools, people, rawCalls, byClaim) => {
          // Prepare
          const callers: Caller[] = people.map((p): Caller => ({
            kind: 'oauth',
            sub: p.sub,
            claims:
              p.client === undefined ? {} : ({ client_id: p.client } as Record<string, string>),
          }));
          const calls = rawCalls.map((c) => ({
            ...c,
            caller: c.caller % callers.length,
            tool: c.tool % tools.length,
          }));
          const collector = new ToolUsageCollector();
          for (const r of records(callers, tools, calls)) collector.addRecord(r);
          const usage = collector.gateways.get(GATEWAY);
          // Act
          const rec =
            usage === undefined
              ? undefined
              : recommendGateway(
                  usage,
                  inventory(tools, 'CUSTOM_JWT'),
                  byClaim ? { principalClaim: 'client_id' } : {},
                );
          // Assess
          expect(rec?.rejected ?? []).toEqual([]);
          const policies = Object.fromEntries((rec?.policies ?? []).map((p) => [p.id, p.text]));
          // The group a caller falls in, computed from the generated data, not the product.
          const groupOf = (c: Caller) =>
            c.kind === 'oauth' && byClaim && c.claims.client_id !== undefined
              ? `claim:${c.claims.client_id}`
              : `sub:${c.kind === 'oauth' ? c.sub : c.arn}`;
          const granted = new Set(
            calls
              .filter((c) => c.outcome === 'ok')
              .map((c) => `${groupOf(callers[c.caller] as Caller)}\u0000${tools[c.tool]}`),
          );
          // A subject-level permit also covers the same subject arriving with a claim.
          const expected = (c: Caller, tool: string) =>
            granted.has(`${groupOf(c)}\u0000${tool}`) ||
            (c.kind === 'oauth' && granted.has(`sub:${c.sub}\u0000${tool}`));
          const strangers: Caller[] = [
            {
              kind: 'oauth',
              sub: 'never-seen-subject',
              claims: { client_id: 'never-seen-client' },
            },
            { kind: 'oauth', sub: 'never-seen-subject', claims: {} },
          ];
          const schema = rec?.schema;
          for (const c of [...callers, ...strangers])
            for (const tool of tools) {
              if (schema === undefined) continue;
              expect([groupOf(c), tool, isAllowed(policies, c, tool, schema)]).toEqual([
                groupOf(c),
                tool,
                expected(c, tool),
              ]);
            }
          for (const c of calls.filter((x) => x.outcome === 'ok'))
            expect(
              isAllowed(policies, callers[c.caller] as Caller, tools[c.tool] as string, schema),
            ).toBe(true);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('AWS_IAM callers: a role that called a tool keeps it for all its sessions; other roles and tools are denied', () => {
    fc.assert(
      fc.property(
        toolNames,
        fc.uniqueArray(fc.stringMatching(/^[A-Za-z][\w+=,.@-]{0,12}$/), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.array(
          fc.record({
            role: fc.nat(),
            session: fc.nat({ max: 3 }),
            tool: fc.nat(),
            outcome: fc.constantFrom(...outcomes),
          }),
          { maxLength: 25 },
        ),
        (tools, roles, rawCalls) => {
          // Prepare
          const session = (role: string, n: number): Caller => ({
            kind: 'iam',
            arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/session-${n}`,
          });
          const calls = rawCalls.map((c) => ({
            caller: 0,
            role: roles[c.role % roles.length] as string,
            session: c.session,
            tool: c.tool % tools.length,
            outcome: c.outcome,
          }));
          const collector = new ToolUsageCollector();
          calls.forEach((c, i) => {
            const caller = session(c.role, c.session);
            const [r] = records([caller], tools, [{ caller: 0, tool: c.tool, outcome: c.outcome }]);
            (r as { eventTime: string }).eventTime =
              `2026-12-01T00:00:${String(i % 60).padStart(2, '0')}Z`;
            collector.addRecord(r);
          });
          const usage = collector.gateways.get(GATEWAY);
          if (usage === undefined) return;
          // Act
          const rec = recommendGateway(usage, inventory(tools, 'AWS_IAM'), {});
          // Assess
          expect(rec.rejected).toEqual([]);
          const policies = Object.fromEntries(rec.policies.map((p) => [p.id, p.text]));
          const granted = new Set(
            calls.filter((c) => c.outcome === 'ok').map((c) => `${c.role}\u0000${tools[c.tool]}`),
          );
          for (const role of [...roles, 'OtherRole'])
            for (const tool of tools)
              // A session never seen (number 9) of the role: the role is what is granted.
              expect(isAllowed(policies, session(role, 9), tool, rec.schema)).toBe(
                granted.has(`${role}\u0000${tool}`),
              );
        },
      ),
      { numRuns: 40 },
    );
  });

  it('a high-risk forbid denies the tool to everyone, and is never written for a tool in use', () => {
    // Prepare
    const tools = ['t___read', 't___wipe', 't___export'];
    const alice: Caller = { kind: 'oauth', sub: 'alice', claims: {} };
    const collector = new ToolUsageCollector();
    for (const r of records([alice], tools, [
      { caller: 0, tool: 0, outcome: 'ok' },
      { caller: 0, tool: 2, outcome: 'ok' },
    ]))
      collector.addRecord(r);
    const usage = collector.gateways.get(GATEWAY);
    // Act
    const rec =
      usage &&
      recommendGateway(usage, inventory(tools, 'CUSTOM_JWT'), { highRisk: ['wipe', 't___export'] });
    // Assess
    const policies = Object.fromEntries((rec?.policies ?? []).map((p) => [p.id, p.text]));
    expect(rec?.policies.map((p) => p.effect)).toEqual(['permit', 'forbid']);
    expect(rec?.highRiskNotForbidden).toEqual([
      { tool: 't___export', reason: 'called successfully: kept in the permits' },
    ]);
    expect(isAllowed(policies, alice, 't___wipe', rec?.schema)).toBe(false);
    expect(isAllowed(policies, alice, 't___read', rec?.schema)).toBe(true);
    expect(isAllowed(policies, alice, 't___export', rec?.schema)).toBe(true);
  });
});
