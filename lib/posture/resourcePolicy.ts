import { parsePolicyDocument } from '../reports/policy.js';

/**
 * Condition keys that tie a statement to known callers or places: an account, an
 * organization, a principal, a VPC or a network. A statement open to `*` is public unless one
 * of these narrows it to a real value.
 */
const RESTRICTING_KEYS = new Set(
  [
    'aws:SourceAccount',
    'aws:SourceArn',
    'aws:SourceOwner',
    'aws:SourceOrgID',
    'aws:SourceOrgPaths',
    'aws:PrincipalAccount',
    'aws:PrincipalArn',
    'aws:PrincipalOrgID',
    'aws:PrincipalOrgPaths',
    'aws:userid',
    'aws:username',
    'aws:SourceVpc',
    'aws:SourceVpce',
    'aws:SourceIp',
    'aws:VpcSourceIp',
  ].map((key) => key.toLowerCase()),
);

/**
 * Operators that admit only the values named. Negations keep everyone else, `…IfExists`
 * admits callers without the key, and `ForAllValues:` holds vacuously for an absent key.
 */
const NARROWING_OPERATOR =
  /^(StringEquals|StringEqualsIgnoreCase|StringLike|ArnEquals|ArnLike|IpAddress)$/i;

/**
 * Why a gateway resource policy is public, statement by statement (`statement 0 (Sid X) allows
 * * to …`); empty when no Allow statement reaches everyone. A document that is not a readable
 * policy is reported too: nothing can be said for it.
 */
export function publicStatements(document: string): string[] {
  let statements;
  try {
    statements = parsePolicyDocument(document, 'gateway resource policy').statements;
  } catch {
    return ['the document is not a readable policy (treat it as public until it is)'];
  }
  const out: string[] = [];
  statements.forEach((statement, index) => {
    if (statement.effect !== 'Allow') return;
    const everyone =
      statement.notPrincipal ||
      Object.entries(statement.principals ?? {}).some(
        ([kind, values]) => (kind === 'AWS' || kind === '*') && values.includes('*'),
      );
    if (!everyone || restricted(statement.conditions)) return;
    const label = `statement ${index}${statement.sid ? ` (Sid ${statement.sid})` : ''}`;
    const actions = statement.notAction
      ? `every action but ${statement.actions.join(', ')}`
      : statement.actions.join(', ');
    out.push(
      `${label} allows ${statement.notPrincipal ? 'everyone but the NotPrincipal' : '*'} ${actions || 'no action'} without an account, organization, VPC or source condition`,
    );
  });
  return out;
}

function restricted(conditions: Record<string, Record<string, unknown>> | undefined): boolean {
  return Object.entries(conditions ?? {}).some(
    ([operator, block]) =>
      NARROWING_OPERATOR.test(operator.replace(/^ForAnyValue:/i, '')) &&
      Object.entries(block).some(
        ([key, value]) =>
          RESTRICTING_KEYS.has(key.toLowerCase()) &&
          values(value).length > 0 &&
          values(value).every((v) => v !== '*' && v !== '' && v !== '0.0.0.0/0' && v !== '::/0'),
      ),
  );
}

function values(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}
