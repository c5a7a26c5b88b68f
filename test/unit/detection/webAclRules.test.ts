import { matchesBroadly, onlyTightened, readRules } from '../../../lib/detection/webAclRules.js';

/**
 * How a web ACL rule is read for gateway-web-acl-weakened: its mode, whether its statement
 * matches most requests (an Allow rule ahead of the others then shadows them), and whether a
 * change only tightened its limits. Shapes: WAFV2 2019-07-29 in CloudTrail's camelCase.
 */
const uri = { uriPath: {} };
const none = [{ priority: 0, type: 'NONE' }];
const byteMatch = (
  searchString: string,
  positionalConstraint: string,
  fieldToMatch: unknown = uri,
) => ({
  byteMatchStatement: {
    searchString,
    fieldToMatch,
    textTransformations: none,
    positionalConstraint,
  },
});
const ipSet = {
  ipSetReferenceStatement: { arn: 'arn:aws:wafv2:us-east-1:111122223333:regional/ipset/office/1' },
};
const not = (statement: unknown) => ({ notStatement: { statement } });
const size = (comparisonOperator: string, n: number) => ({
  sizeConstraintStatement: {
    fieldToMatch: { body: {} },
    comparisonOperator,
    size: n,
    textTransformations: none,
  },
});
const rate = (limit: number) => ({ rateBasedStatement: { limit, aggregateKeyType: 'IP' } });
const rule = (statement: unknown, action: Record<string, unknown> = { action: { block: {} } }) => ({
  name: 'r',
  priority: 0,
  statement,
  ...action,
});
const printOf = (statement: unknown) => {
  const read = readRules([rule(statement)])[0];
  if (read === undefined) throw new Error('not read');
  return read.print;
};

describe('web ACL rules: statements that match most requests', () => {
  it.each<[string, unknown, boolean]>([
    ['a negated match of a rare value', not(byteMatch('never-present', 'EXACTLY')), true],
    ['a negated IP set (everyone but those addresses)', not(ipSet), true],
    ['an IP set', ipSet, false],
    ['a double negation of an IP set', not(not(ipSet)), false],
    ['a size of at least 0', size('GE', 0), true],
    ['a body under 8 KB', size('LT', 8192), true],
    ['a body over 8 KB', size('GT', 8192), false],
    ['every path starting with /', byteMatch('/', 'STARTS_WITH'), true],
    [
      'a host containing a dot',
      byteMatch('.', 'CONTAINS', { singleHeader: { name: 'host' } }),
      true,
    ],
    ['exactly the path /', byteMatch('/', 'EXACTLY'), false],
    [
      'a secret header value',
      byteMatch('let-me-in', 'EXACTLY', { singleHeader: { name: 'x-k' } }),
      false,
    ],
    [
      'a regex matching anything',
      { regexMatchStatement: { regexString: '.*', fieldToMatch: uri, textTransformations: none } },
      true,
    ],
    [
      'a regex of one path',
      {
        regexMatchStatement: {
          regexString: '^/health$',
          fieldToMatch: uri,
          textTransformations: none,
        },
      },
      false,
    ],
    [
      'an invalid regex',
      { regexMatchStatement: { regexString: '(', fieldToMatch: uri, textTransformations: none } },
      false,
    ],
    [
      'or of an IP set and a broad match',
      { orStatement: { statements: [ipSet, size('GE', 0)] } },
      true,
    ],
    [
      'and of a broad match and an IP set',
      { andStatement: { statements: [size('GE', 0), ipSet] } },
      false,
    ],
    ['no statement', undefined, false],
  ])('%s: %s', (_name, statement, broad) => {
    expect(matchesBroadly(statement)).toBe(broad);
  });
});

describe('web ACL rules: modes and overrides', () => {
  it.each<[string, Record<string, unknown>, string]>([
    ['block', { action: { block: {} } }, 'enforce'],
    ['captcha', { action: { captcha: {} } }, 'enforce'],
    ['challenge', { action: { challenge: {} } }, 'enforce'],
    ['allow', { action: { allow: {} } }, 'allow'],
    ['count', { action: { count: {} } }, 'count'],
    ['override none', { overrideAction: { none: {} } }, 'enforce'],
    ['override count', { overrideAction: { count: {} } }, 'count'],
    ['no action', {}, 'enforce'],
  ])('%s: %s', (_name, action, mode) => {
    expect(readRules([rule(ipSet, action)])[0]?.mode).toBe(mode);
  });

  it('counts rules of a group overridden to count or allow and excluded, not those set to block', () => {
    // Prepare
    const group = {
      managedRuleGroupStatement: {
        vendorName: 'AWS',
        name: 'AWSManagedRulesCommonRuleSet',
        ruleActionOverrides: [
          { name: 'A', actionToUse: { count: {} } },
          { name: 'B', actionToUse: { allow: {} } },
          { name: 'C', actionToUse: { block: {} } },
        ],
        excludedRules: [{ name: 'D' }, { name: 'A' }],
      },
    };
    // Act
    const read = readRules([rule(group, { overrideAction: { none: {} } })])[0];
    // Assess
    expect(read?.print.o).toBe(3);
    expect(read?.mode).toBe('enforce');
  });

  it('skips unnamed rules and keeps a long name as a bounded safe identifier', () => {
    const read = readRules([{ priority: 0 }, { ...rule(ipSet), name: 'x'.repeat(128) }]);
    expect(read).toHaveLength(1);
    expect(read[0]?.name.length).toBeLessThanOrEqual(64);
  });
});

describe('web ACL rules: a change that only tightened limits', () => {
  it.each<[string, unknown, unknown, boolean]>([
    ['rate limit lowered', rate(1000), rate(500), true],
    ['rate limit raised', rate(1000), rate(1_000_000), false],
    ['size over N lowered', size('GT', 8192), size('GT', 4096), true],
    ['size over N raised', size('GT', 8192), size('GT', 65536), false],
    ['size under N lowered', size('LT', 100), size('LT', 10), false],
    ['size over N lowered inside a negation', not(size('GT', 8192)), not(size('GT', 4096)), false],
    ['size equal to N changed', size('EQ', 8), size('EQ', 9), false],
    ['statement changed', ipSet, not(ipSet), false],
    ['nothing changed', rate(1000), rate(1000), true],
  ])('%s: %s', (_name, before, after, tightened) => {
    expect(onlyTightened(printOf(before), printOf(after))).toBe(tightened);
  });
});
