/**
 * Resource policies moto's CloudFormation reports as created but never applies — SNS topic,
 * SQS queue, S3 bucket and event bus policies — read from the template a stack was deployed
 * from (its own `GetTemplate`, parameters and physical ids), so the IAM gate evaluates them as
 * AWS would. Intrinsics are resolved as CloudFormation does for the forms the templates use
 * (Ref, GetAtt …Arn, Sub, Join, If with its conditions, Select, Split); a policy with a value
 * this cannot resolve is left out, and its resource then has no policy locally — as before.
 * TEST/DEMO COMPONENT — local stack only.
 */
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import {
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  GetTemplateCommand,
} from '@aws-sdk/client-cloudformation';

/** A deployed stack as CloudFormation describes it. */
export interface DeployedStack {
  template: {
    Parameters?: Record<string, { Type?: string }>;
    Conditions?: Record<string, unknown>;
    Resources?: Record<string, TemplateResource>;
  };
  /** Parameter values (a CommaDelimitedList as its comma-joined text). */
  parameters: Record<string, string>;
  /** Logical id → physical id and type of each resource CloudFormation made. */
  resources: Record<string, { physicalId: string; type: string }>;
  region: string;
  account: string;
}

interface TemplateResource {
  Type: string;
  Condition?: string;
  Properties?: Record<string, unknown>;
}

/** A value the resolver cannot name (an attribute it does not know, a missing resource). */
class Unresolvable extends Error {}

const NO_VALUE = Symbol('AWS::NoValue');

/** Resource ARN → the policy document the template attaches to it. */
export function templateResourcePolicies(stack: DeployedStack): Map<string, unknown> {
  const out = new Map<string, { Version?: unknown; Statement: unknown[] }>();
  const add = (arn: string, document: unknown): void => {
    const doc = document as { Version?: unknown; Statement?: unknown };
    const statements = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
    const kept = out.get(arn);
    if (kept) kept.Statement.push(...statements);
    else out.set(arn, { Version: doc.Version ?? '2012-10-17', Statement: [...statements] });
  };
  const resolver = new Resolver(stack);
  for (const resource of Object.values(stack.template.Resources ?? {})) {
    if (resource.Condition && !resolver.condition(resource.Condition)) continue;
    const props = resource.Properties ?? {};
    try {
      switch (resource.Type) {
        case 'AWS::SNS::TopicPolicy': {
          const document = resolver.value(props.PolicyDocument);
          for (const topic of asList(resolver.value(props.Topics))) add(String(topic), document);
          break;
        }
        case 'AWS::SQS::QueuePolicy': {
          const document = resolver.value(props.PolicyDocument);
          for (const url of asList(resolver.value(props.Queues)))
            add(queueArn(String(url), stack), document);
          break;
        }
        case 'AWS::S3::BucketPolicy': {
          const bucket = String(resolver.value(props.Bucket));
          add(`arn:aws:s3:::${bucket}`, resolver.value(props.PolicyDocument));
          break;
        }
        case 'AWS::Events::EventBusPolicy': {
          const bus = String(resolver.value(props.EventBusName ?? 'default'));
          const statement = resolver.value(props.Statement) as Record<string, unknown> | undefined;
          if (!statement) break;
          add(`arn:aws:events:${stack.region}:${stack.account}:event-bus/${bus}`, {
            Statement: [{ Sid: resolver.value(props.StatementId), ...statement }],
          });
          break;
        }
        default:
          break;
      }
    } catch (error) {
      if (!(error instanceof Unresolvable)) throw error;
    }
  }
  return out;
}

/**
 * Bucket name → the KMS key of its default SSE-KMS encryption, as the template sets it (moto's
 * CloudFormation drops bucket encryption).
 */
export function templateBucketKeys(stack: DeployedStack): Map<string, string> {
  const out = new Map<string, string>();
  const resolver = new Resolver(stack);
  for (const [id, resource] of Object.entries(stack.template.Resources ?? {})) {
    if (resource.Type !== 'AWS::S3::Bucket') continue;
    const bucket = stack.resources[id]?.physicalId;
    if (!bucket) continue;
    try {
      if (resource.Condition && !resolver.condition(resource.Condition)) continue;
      const encryption = resolver.value(resource.Properties?.BucketEncryption) as
        | {
            ServerSideEncryptionConfiguration?: Array<{
              ServerSideEncryptionByDefault?: { SSEAlgorithm?: string; KMSMasterKeyID?: string };
            }>;
          }
        | undefined;
      const rule =
        encryption?.ServerSideEncryptionConfiguration?.[0]?.ServerSideEncryptionByDefault;
      if (rule?.SSEAlgorithm?.startsWith('aws:kms')) {
        out.set(bucket, rule.KMSMasterKeyID ?? 'alias/aws/s3');
      }
    } catch (error) {
      if (!(error instanceof Unresolvable)) throw error;
    }
  }
  return out;
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

/** `https://…/<account>/<name>` (a queue's Ref) → its ARN. */
function queueArn(urlOrArn: string, stack: DeployedStack): string {
  if (urlOrArn.startsWith('arn:')) return urlOrArn;
  const [name = '', account = stack.account] = urlOrArn.split('/').reverse();
  return `arn:aws:sqs:${stack.region}:${account}:${name}`;
}

class Resolver {
  private readonly conditions = new Map<string, boolean>();

  constructor(private readonly stack: DeployedStack) {}

  condition(name: string): boolean {
    let known = this.conditions.get(name);
    if (known === undefined) {
      const body = this.stack.template.Conditions?.[name];
      if (body === undefined) throw new Unresolvable(`no condition ${name}`);
      known = this.truth(body);
      this.conditions.set(name, known);
    }
    return known;
  }

  private truth(body: unknown): boolean {
    const [fn, args] = Object.entries(body as Record<string, unknown>)[0] ?? [];
    const list = Array.isArray(args) ? args : [args];
    switch (fn) {
      case 'Fn::Equals':
        return JSON.stringify(this.value(list[0])) === JSON.stringify(this.value(list[1]));
      case 'Fn::Not':
        return !this.truth(list[0]);
      case 'Fn::And':
        return list.every((c) => this.truth(c));
      case 'Fn::Or':
        return list.some((c) => this.truth(c));
      case 'Condition':
        return this.condition(String(args));
      default:
        throw new Unresolvable(`condition function ${String(fn)}`);
    }
  }

  value(input: unknown): unknown {
    if (Array.isArray(input)) return input.map((v) => this.value(v)).filter((v) => v !== NO_VALUE);
    if (!input || typeof input !== 'object') return input;
    const entries = Object.entries(input as Record<string, unknown>);
    const [fn, args] = entries[0] ?? [];
    if (entries.length === 1 && fn && (fn === 'Ref' || fn.startsWith('Fn::')))
      return this.intrinsic(fn, args);
    const out: Record<string, unknown> = {};
    for (const [key, v] of entries) {
      const resolved = this.value(v);
      if (resolved !== NO_VALUE) out[key] = resolved;
    }
    return out;
  }

  private intrinsic(fn: string, args: unknown): unknown {
    const list = Array.isArray(args) ? args : [args];
    switch (fn) {
      case 'Ref':
        return this.ref(String(args));
      case 'Fn::GetAtt': {
        const [id, attribute] = Array.isArray(args) ? args : String(args).split('.');
        return this.attribute(String(id), String(attribute));
      }
      case 'Fn::Sub': {
        const [text, vars = {}] = Array.isArray(args) ? args : [args, {}];
        const given = this.value(vars) as Record<string, unknown>;
        return String(text).replace(/\$\{([^}!][^}]*)\}/g, (_, name: string) => {
          if (name in given) return String(given[name]);
          const [id = '', attribute] = name.split('.');
          return String(attribute ? this.attribute(id, attribute) : this.ref(id));
        });
      }
      case 'Fn::Join': {
        const parts = this.value(list[1]);
        if (!Array.isArray(parts)) throw new Unresolvable('Fn::Join of no list');
        return parts.map(String).join(String(list[0]));
      }
      case 'Fn::If':
        return this.value(this.condition(String(list[0])) ? list[1] : list[2]);
      case 'Fn::Select':
        return (this.value(list[1]) as unknown[])[Number(this.value(list[0]))];
      case 'Fn::Split':
        return String(this.value(list[1])).split(String(list[0]));
      default:
        throw new Unresolvable(`intrinsic ${fn}`);
    }
  }

  private ref(name: string): unknown {
    const { stack } = this;
    switch (name) {
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::Region':
        return stack.region;
      case 'AWS::AccountId':
        return stack.account;
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::NoValue':
        return NO_VALUE;
      default:
        break;
    }
    if (name in stack.parameters) {
      // A list parameter (CommaDelimitedList, List<…>) is a list to Join, Select and Fn::If.
      const type = stack.template.Parameters?.[name]?.Type;
      const value = stack.parameters[name];
      return typeof type === 'string' &&
        (type === 'CommaDelimitedList' || type.startsWith('List<')) &&
        typeof value === 'string'
        ? value === ''
          ? ['']
          : value.split(',')
        : value;
    }
    const resource = stack.resources[name];
    if (!resource) throw new Unresolvable(`no resource ${name}`);
    return resource.physicalId;
  }

  /** The `Arn` of the resource kinds resource policies name; anything else is unresolvable. */
  private attribute(id: string, attribute: string): string {
    const resource = this.stack.resources[id];
    if (!resource || attribute !== 'Arn') throw new Unresolvable(`${id}.${attribute}`);
    const { physicalId, type } = resource;
    const { region, account } = this.stack;
    if (physicalId.startsWith('arn:')) return physicalId;
    switch (type) {
      case 'AWS::SQS::Queue':
        return queueArn(physicalId, this.stack);
      case 'AWS::S3::Bucket':
        return `arn:aws:s3:::${physicalId}`;
      case 'AWS::Events::EventBus':
        return `arn:aws:events:${region}:${account}:event-bus/${physicalId}`;
      case 'AWS::SNS::Topic':
        return `arn:aws:sns:${region}:${account}:${physicalId}`;
      case 'AWS::KMS::Key':
        return `arn:aws:kms:${region}:${account}:key/${physicalId}`;
      default:
        throw new Unresolvable(`${type}.Arn`);
    }
  }
}

/** The deployed stacks of a region as moto's CloudFormation describes them. */
export async function readDeployedStacks(
  cfn: CloudFormationClient,
  region: string,
): Promise<DeployedStack[]> {
  const { Stacks = [] } = await cfn.send(new DescribeStacksCommand({}));
  const stacks: DeployedStack[] = [];
  for (const stack of Stacks) {
    if (!stack.StackName || /DELETE_COMPLETE|ROLLBACK_COMPLETE$/.test(stack.StackStatus ?? ''))
      continue;
    const [{ TemplateBody }, { StackResources = [] }] = await Promise.all([
      cfn.send(new GetTemplateCommand({ StackName: stack.StackName })),
      cfn.send(new DescribeStackResourcesCommand({ StackName: stack.StackName })),
    ]);
    let template: DeployedStack['template'];
    try {
      template = JSON.parse(TemplateBody ?? '{}') as DeployedStack['template'];
    } catch {
      continue; // a YAML template: none of ours (the framework sends JSON)
    }
    const resources: DeployedStack['resources'] = {};
    for (const r of StackResources) {
      if (r.LogicalResourceId && r.PhysicalResourceId)
        resources[r.LogicalResourceId] = {
          physicalId: r.PhysicalResourceId,
          type: r.ResourceType ?? '',
        };
    }
    const parameters: Record<string, string> = {};
    for (const p of stack.Parameters ?? [])
      if (p.ParameterKey) parameters[p.ParameterKey] = p.ResolvedValue ?? p.ParameterValue ?? '';
    const account = stack.StackId?.split(':')[4] ?? '';
    stacks.push({ template, parameters, resources, region, account });
  }
  return stacks;
}
