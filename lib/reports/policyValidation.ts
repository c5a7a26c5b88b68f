import type { PolicyStatementOut, PolicyValidation, RecommendedPolicy } from './reportTypes.js';

/** Managed-policy size limit; IAM does not count whitespace. */
export const MANAGED_POLICY_LIMIT = 6144;

const ACTION = /^(\*|[a-z0-9-]+:[A-Za-z0-9*?]+)$/;
const ARN = /^(\*|arn:(\*|aws|aws-cn|aws-us-gov|aws-iso[a-z-]*):[^:]*:[^:]*:[^:]*:.+)$/;
const SID = /^[A-Za-z0-9]*$/;
/** Condition operators IAM knows (with the ForAllValues/ForAnyValue prefixes and IfExists). */
const OPERATOR =
  /^(For(All|Any)Value:)?(String(Not)?Equals(IgnoreCase)?|String(Not)?Like|Numeric(Not)?Equals|Numeric(Less|Greater)Than(Equals)?|Date(Not)?Equals|Date(Less|Greater)Than(Equals)?|Bool|BinaryEquals|(Not)?IpAddress|Arn(Not)?Equals|Arn(Not)?Like)(IfExists)?$|^Null$/;

/** Characters IAM counts toward the size limit: the JSON without whitespace outside strings. */
export function policySize(policy: RecommendedPolicy): number {
  return JSON.stringify(policy).length;
}

/**
 * Checks a policy the report recommends, as IAM would on CreatePolicy: version, a non-empty
 * statement list, effect, exactly one of Action/NotAction and Resource/NotResource, action and
 * ARN syntax, condition operators, unique alphanumeric Sids, and the 6,144-character limit.
 */
export function validatePolicy(policy: RecommendedPolicy): PolicyValidation {
  const errors: string[] = [];
  if (policy.Version !== '2012-10-17') errors.push('Version must be 2012-10-17');
  if (!Array.isArray(policy.Statement) || policy.Statement.length === 0)
    errors.push('Statement must hold at least one statement');
  const sids = new Set<string>();
  (policy.Statement ?? []).forEach((s, i) => {
    const where = `statement ${i}`;
    if (s.Effect !== 'Allow' && s.Effect !== 'Deny') errors.push(`${where}: Effect`);
    if ((s.Action === undefined) === (s.NotAction === undefined))
      errors.push(`${where}: needs exactly one of Action and NotAction`);
    if ((s.Resource === undefined) === (s.NotResource === undefined))
      errors.push(`${where}: needs exactly one of Resource and NotResource`);
    const actions = s.Action ?? s.NotAction ?? [];
    if (actions.length === 0) errors.push(`${where}: empty action list`);
    for (const a of actions) if (!ACTION.test(a)) errors.push(`${where}: action ${a} is malformed`);
    const resources = s.Resource ?? s.NotResource ?? [];
    if (resources.length === 0) errors.push(`${where}: empty resource list`);
    for (const r of resources)
      if (!ARN.test(r)) errors.push(`${where}: resource ${r} is not an ARN`);
    if (s.Sid !== undefined) {
      if (!SID.test(s.Sid)) errors.push(`${where}: Sid must be alphanumeric`);
      if (sids.has(s.Sid)) errors.push(`${where}: duplicate Sid ${s.Sid}`);
      sids.add(s.Sid);
    }
    for (const [operator, block] of Object.entries(s.Condition ?? {})) {
      if (!OPERATOR.test(operator)) errors.push(`${where}: unknown condition operator ${operator}`);
      if (block === null || typeof block !== 'object' || Object.keys(block).length === 0)
        errors.push(`${where}: empty condition block ${operator}`);
    }
  });
  const characters = policySize(policy);
  if (characters > MANAGED_POLICY_LIMIT)
    errors.push(
      `${characters} characters exceed the managed-policy limit of ${MANAGED_POLICY_LIMIT}: apply it as the parts given`,
    );
  return {
    valid: errors.length === 0,
    characters,
    limit: MANAGED_POLICY_LIMIT,
    errors,
    validators: ['grammar'],
  };
}

/**
 * Splits a policy that exceeds the limit into parts within it, statement by statement (a
 * statement too large alone is split by its action list). Deny statements go into every part:
 * a Deny only guards the grants of the policy set as a whole, and repeating it is harmless.
 */
export function splitPolicy(policy: RecommendedPolicy): RecommendedPolicy[] {
  const denies = policy.Statement.filter((s) => s.Effect === 'Deny');
  const allows = policy.Statement.filter((s) => s.Effect === 'Allow').flatMap(splitStatement);
  const parts: RecommendedPolicy[] = [];
  let current: PolicyStatementOut[] = [];
  const fits = (statements: PolicyStatementOut[]) =>
    policySize({ Version: '2012-10-17', Statement: [...statements, ...denies] }) <=
    MANAGED_POLICY_LIMIT;
  for (const statement of allows) {
    if (current.length > 0 && !fits([...current, statement])) {
      parts.push({ Version: '2012-10-17', Statement: [...current, ...denies] });
      current = [];
    }
    current.push(statement);
  }
  if (current.length > 0) parts.push({ Version: '2012-10-17', Statement: [...current, ...denies] });
  return parts;
}

function splitStatement(statement: PolicyStatementOut): PolicyStatementOut[] {
  const budget = MANAGED_POLICY_LIMIT / 2;
  if (JSON.stringify(statement).length <= budget || (statement.Action?.length ?? 0) < 2)
    return [statement];
  const actions = statement.Action ?? [];
  const half = Math.ceil(actions.length / 2);
  const { Sid: _sid, ...rest } = statement;
  return [
    ...splitStatement({ ...rest, Action: actions.slice(0, half) }),
    ...splitStatement({ ...rest, Action: actions.slice(half) }),
  ];
}

/** One finding of a policy validator, as Access Analyzer's ValidatePolicy classes them. */
export interface PolicyCheckFinding {
  type: 'ERROR' | 'SECURITY_WARNING' | 'WARNING' | 'SUGGESTION';
  code: string;
  message: string;
}

/** Why a validator gave no answer: a class, never the raw error (it may quote the request). */
export type ValidatorUnavailable = 'unreachable' | 'access denied' | 'throttled' | 'service error';

/**
 * Port of an external policy validator (Access Analyzer ValidatePolicy in SDK mode). It never
 * throws: a validator that cannot answer says why, and the report says the policy was not
 * validated by it.
 */
export interface PolicyValidator {
  /** Name listed in `validation.validators` when it answered (`access-analyzer`). */
  readonly name: string;
  /** Label used in the note when it did not (`Access Analyzer`). */
  readonly label: string;
  validate(
    policy: RecommendedPolicy,
  ): Promise<{ findings: PolicyCheckFinding[] } | { unavailable: ValidatorUnavailable }>;
}

/** In-memory validator for unit tests: answers with what `check` returns for each policy. */
export class MemoryPolicyValidator implements PolicyValidator {
  readonly name = 'memory';
  readonly label = 'the in-memory validator';
  readonly seen: RecommendedPolicy[] = [];

  constructor(
    private readonly check: (
      policy: RecommendedPolicy,
    ) => { findings: PolicyCheckFinding[] } | { unavailable: ValidatorUnavailable },
  ) {}

  async validate(policy: RecommendedPolicy) {
    this.seen.push(policy);
    return this.check(policy);
  }
}

/**
 * Adds what an external validator said to the grammar check: its errors make the policy
 * invalid, its security warnings, warnings and suggestions are listed, and a validator that
 * could not answer leaves a note (`not validated by Access Analyzer: unreachable`).
 */
export function withExternalValidation(
  base: PolicyValidation,
  validator: Pick<PolicyValidator, 'name' | 'label'>,
  result: { findings: PolicyCheckFinding[] } | { unavailable: ValidatorUnavailable },
): PolicyValidation {
  if ('unavailable' in result)
    return {
      ...base,
      notes: [...(base.notes ?? []), `not validated by ${validator.label}: ${result.unavailable}`],
    };
  const line = (f: PolicyCheckFinding) => `${validator.name} ${f.type} ${f.code}: ${f.message}`;
  const errors = result.findings.filter((f) => f.type === 'ERROR').map(line);
  const warnings = result.findings.filter((f) => f.type !== 'ERROR').map(line);
  return {
    ...base,
    valid: base.valid && errors.length === 0,
    errors: [...base.errors, ...errors],
    validators: [...base.validators, validator.name],
    ...(warnings.length > 0 || base.warnings
      ? { warnings: [...(base.warnings ?? []), ...warnings] }
      : {}),
  };
}
