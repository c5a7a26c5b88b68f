import type { CfnTemplate } from './packagedTemplate.js';

/** One IAM policy statement as it appears in the template (intrinsics unresolved). */
export interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: unknown;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: unknown;
  NotResource?: unknown;
  Condition?: Record<string, unknown>;
}

/** Where a statement lives: `<logicalId>/<policy>` plus the resource type. */
export interface LocatedStatement {
  where: string;
  type: string;
  statement: Statement;
}

export function asArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/**
 * Statements of a policy document. A statement under `Fn::If` counts with its true branch:
 * the tests judge what a role could hold once the condition is on.
 */
function statementsOf(document: unknown): Statement[] {
  const raw = (document as { Statement?: unknown } | undefined)?.Statement;
  return asArray(raw as unknown[]).flatMap((entry) => {
    const branch = (entry as { 'Fn::If'?: unknown[] })['Fn::If'];
    const statement = branch ? branch[1] : entry;
    if (statement === undefined || (statement as { Ref?: string }).Ref === 'AWS::NoValue') {
      return [];
    }
    return [statement as Statement];
  });
}

/** Every policy statement in the template: roles, key/bucket/queue/topic policies. */
export function allStatements(template: CfnTemplate): LocatedStatement[] {
  const out: LocatedStatement[] = [];
  for (const [id, resource] of Object.entries(template.Resources)) {
    const props = resource.Properties ?? {};
    const add = (name: string, document: unknown) =>
      statementsOf(document).forEach((statement) =>
        out.push({ where: `${id}/${name}`, type: resource.Type, statement }),
      );
    switch (resource.Type) {
      case 'AWS::IAM::Role':
        add('trust', props.AssumeRolePolicyDocument);
        for (const policy of asArray(
          props.Policies as { PolicyName: string; PolicyDocument: unknown }[],
        )) {
          add(policy.PolicyName, policy.PolicyDocument);
        }
        break;
      case 'AWS::IAM::Policy':
      case 'AWS::IAM::ManagedPolicy':
        add('policy', props.PolicyDocument);
        break;
      case 'AWS::KMS::Key':
        add('keyPolicy', props.KeyPolicy);
        break;
      case 'AWS::Events::EventBusPolicy':
        add('policy', { Statement: props.Statement });
        break;
      case 'AWS::S3::BucketPolicy':
      case 'AWS::SQS::QueuePolicy':
      case 'AWS::SNS::TopicPolicy':
        add('policy', props.PolicyDocument);
        break;
      default:
        break;
    }
  }
  return out;
}

/** The template text of a Resource entry, `Fn::Sub` strings unwrapped. */
export function resourceText(resource: unknown): string {
  if (typeof resource === 'string') return resource;
  const sub = (resource as { 'Fn::Sub'?: unknown })['Fn::Sub'];
  if (typeof sub === 'string') return sub;
  if (Array.isArray(sub) && typeof sub[0] === 'string') return sub[0];
  return JSON.stringify(resource);
}

/**
 * `value` as deployed when each named condition has the given truth: `Fn::If` on those
 * conditions takes its branch and `AWS::NoValue` drops the key or list element it stands for.
 * Every other intrinsic is left as written.
 */
export function withConditions(value: unknown, conditions: Record<string, boolean>): unknown {
  const NONE = Symbol('AWS::NoValue');
  const walk = (input: unknown): unknown => {
    if (Array.isArray(input)) return input.map(walk).filter((v) => v !== NONE);
    if (!input || typeof input !== 'object') return input;
    const entries = Object.entries(input as Record<string, unknown>);
    if (entries.length === 1 && entries[0]?.[0] === 'Ref' && entries[0][1] === 'AWS::NoValue') {
      return NONE;
    }
    if (entries.length === 1 && entries[0]?.[0] === 'Fn::If') {
      const [name, yes, no] = entries[0][1] as [string, unknown, unknown];
      if (name in conditions) return walk(conditions[name] ? yes : no);
    }
    const out: Record<string, unknown> = {};
    for (const [key, v] of entries) {
      const resolved = walk(v);
      if (resolved !== NONE) out[key] = resolved;
    }
    return out;
  };
  return walk(value);
}
