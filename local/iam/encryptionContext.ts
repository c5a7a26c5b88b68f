/**
 * KMS encryption-context conditions (`kms:EncryptionContext:SecretARN`, …), which the evaluator
 * drops: its catalog names the key `kms:EncryptionContext:${EncryptionContextKey}` and it
 * matches such variable keys only after a `/`, so the request's value never reaches a condition
 * (a `StringLike` on it then never holds). The gate decides those conditions itself, with IAM's
 * string operators, before the evaluator sees the policy: a statement whose encryption-context
 * condition fails is taken out (it cannot apply, Allow or Deny); one whose condition holds keeps
 * its other conditions. An operator outside the string family is left to the evaluator, which
 * sees the key as absent (fail closed for an Allow).
 * TEST/DEMO COMPONENT — local stack only.
 */
import type { ContextValues } from './authorizationTypes.js';

const PREFIX = 'kms:encryptioncontext:';

type Condition = Record<string, Record<string, unknown>>;
interface Statement {
  Condition?: Condition;
  [element: string]: unknown;
}

/** IAM's `*`/`?` wildcards; everything else literal. */
function like(pattern: string, value: string): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${source.replace(/\?/g, '.')}$`, 's').test(value);
}

/** Whether one operator's condition on one key holds; undefined for an operator not handled. */
function holds(
  operator: string,
  expected: string[],
  value: string | undefined,
): boolean | undefined {
  const ifExists = operator.endsWith('IfExists');
  const base = ifExists ? operator.slice(0, -'IfExists'.length) : operator;
  const match: Record<string, (pattern: string, actual: string) => boolean> = {
    StringEquals: (p, a) => p === a,
    StringEqualsIgnoreCase: (p, a) => p.toLowerCase() === a.toLowerCase(),
    StringLike: like,
    StringNotEquals: (p, a) => p === a,
    StringNotEqualsIgnoreCase: (p, a) => p.toLowerCase() === a.toLowerCase(),
    StringNotLike: like,
  };
  const test = match[base];
  if (!test) return undefined;
  const negated = base.startsWith('StringNot');
  if (value === undefined) return ifExists || negated;
  const any = expected.some((pattern) => test(pattern, value));
  return negated ? !any : any;
}

/** The encryption-context value the request carries for a condition key, if any. */
function requestValue(key: string, context: ContextValues): string | undefined {
  const wanted = key.toLowerCase();
  for (const [name, value] of Object.entries(context)) {
    if (name.toLowerCase() === wanted) return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

/** A statement with its encryption-context conditions decided, or undefined when one fails. */
function decideStatement(statement: Statement, context: ContextValues): Statement | undefined {
  if (!statement.Condition) return statement;
  const rest: Condition = {};
  for (const [operator, keys] of Object.entries(statement.Condition)) {
    const kept: Record<string, unknown> = {};
    for (const [key, raw] of Object.entries(keys)) {
      const expected = (Array.isArray(raw) ? raw : [raw]).map(String);
      const decided = key.toLowerCase().startsWith(PREFIX)
        ? holds(operator, expected, requestValue(key, context))
        : undefined;
      if (decided === false) return undefined;
      if (decided === undefined) kept[key] = raw;
    }
    if (Object.keys(kept).length > 0) rest[operator] = kept;
  }
  const { Condition: _decided, ...others } = statement;
  return Object.keys(rest).length > 0 ? { ...others, Condition: rest } : others;
}

/** The policy with its encryption-context conditions decided for this request. */
export function withEncryptionContextDecided(policy: unknown, context: ContextValues): unknown {
  if (
    !policy ||
    typeof policy !== 'object' ||
    !JSON.stringify(policy).toLowerCase().includes(PREFIX)
  ) {
    return policy;
  }
  const document = policy as { Statement?: Statement | Statement[] };
  const statements = Array.isArray(document.Statement)
    ? document.Statement
    : document.Statement
      ? [document.Statement]
      : [];
  return {
    ...document,
    Statement: statements
      .map((statement) => decideStatement(statement, context))
      .filter((statement): statement is Statement => statement !== undefined),
  };
}
