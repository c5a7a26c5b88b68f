import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDetectionConfig } from '../../../lib/detection/config.js';
import { DetectionEngine } from '../../../lib/detection/engine.js';
import { memoryState } from '../../../lib/detection/memoryStores.js';
import { validateRecord } from '../../../lib/detection/record.js';
import type { Finding } from '../../../lib/detection/types.js';
import { RULES_DIR } from './fixtureSupport.js';

/**
 * Attack (attack23): gateway-web-acl-weakened learns a web ACL's rules as name → enforce/count
 * only. UpdateWebACL is a full replace, so a principal with wafv2:UpdateWebACL (no guardrails,
 * or an untagged ACL) keeps every rule name and its block/none action and still takes the WAF
 * off the gateway: nothing is alerted.
 */
type Raw = Record<string, unknown>;
type Rule = Record<string, unknown>;
const RULE = 'gateway-web-acl-weakened';
const CASE = "a gateway web ACL's managed rule group set to count";

function records(): Raw[] {
  const parsed = JSON.parse(
    readFileSync(join(RULES_DIR, 'gatewayWebAclWeakened.fixtures.json'), 'utf8'),
  ) as { cases: { name: string; records: Raw[] }[] };
  const found = parsed.cases.find((c) => c.name === CASE)?.records;
  if (found === undefined) throw new Error(`no fixture ${CASE}`);
  return structuredClone(found);
}

/** The fixture's CreateWebACL rules (rate-limit: block; aws-common: managed, override none). */
function createdRules(all: Raw[]): Rule[] {
  return structuredClone((all[0]?.requestParameters as { rules: Rule[] }).rules);
}

async function findings(update: (rules: Rule[]) => Rule[]): Promise<Finding[]> {
  const all = records();
  const params = all[2]?.requestParameters as { rules: Rule[] };
  params.rules = update(createdRules(all));
  const engine = new DetectionEngine({ config: parseDetectionConfig({}), state: memoryState() });
  const out: Finding[] = [];
  for (const raw of all) {
    const validated = validateRecord(raw);
    if (!validated.ok) throw new Error(validated.reason);
    const result = await engine.evaluate(validated.record);
    if (result.ruleErrors.length > 0) throw new Error(JSON.stringify(result.ruleErrors));
    out.push(...result.findings);
  }
  return out;
}

const visibility = (name: string) => ({
  sampledRequestsEnabled: true,
  cloudWatchMetricsEnabled: true,
  metricName: name,
});

describe('gateway-web-acl-weakened: weakenings that keep every rule name (attack)', () => {
  it('harness: the same update with no change alerts nothing', async () => {
    expect((await findings((rules) => rules)).map((f) => f.ruleId)).not.toContain(RULE);
  });

  it.each<[string, (rules: Rule[]) => Rule[]]>([
    [
      'an Allow rule matching every request put first (every other rule is never reached)',
      (rules) => [
        {
          name: 'health-check',
          priority: 0,
          statement: {
            notStatement: {
              statement: {
                byteMatchStatement: {
                  searchString: 'never-present-9f2c',
                  fieldToMatch: { uriPath: {} },
                  textTransformations: [{ priority: 0, type: 'NONE' }],
                  positionalConstraint: 'EXACTLY',
                },
              },
            },
          },
          action: { allow: {} },
          visibilityConfig: visibility('health-check'),
        },
        ...rules.map((r) => ({ ...r, priority: Number(r.priority) + 1 })),
      ],
    ],
    [
      'the rate-limit rule turned from Block to Allow',
      (rules) => rules.map((r) => (r.name === 'rate-limit' ? { ...r, action: { allow: {} } } : r)),
    ],
    [
      'every rule of the managed group overridden to count (ruleActionOverrides), override none',
      (rules) =>
        rules.map((r) =>
          r.name === 'aws-common'
            ? {
                ...r,
                statement: {
                  managedRuleGroupStatement: {
                    vendorName: 'AWS',
                    name: 'AWSManagedRulesCommonRuleSet',
                    ruleActionOverrides: [
                      'NoUserAgent_HEADER',
                      'SizeRestrictions_BODY',
                      'GenericRFI_BODY',
                      'CrossSiteScripting_BODY',
                      'GenericLFI_BODY',
                      'RestrictedExtensions_URIPATH',
                      'EC2MetaDataSSRF_BODY',
                    ].map((name) => ({ name, actionToUse: { count: {} } })),
                  },
                },
              }
            : r,
        ),
    ],
  ])('%s: alerted', async (_name, update) => {
    expect((await findings(update)).map((f) => f.ruleId)).toContain(RULE);
  });
});
