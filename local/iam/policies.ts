/**
 * The policies IAM would weigh, read from moto as the account admin (straight to moto, so the
 * reads are neither enforced nor recorded): a principal's identity policies (inline, attached,
 * through its groups) and permission boundary, and each resource's own policy (secret, key,
 * queue, topic, bucket, function, bus, table, a role's trust policy for sts:AssumeRole).
 * Cached until a call that may change them passes through the front (`invalidate`).
 * TEST/DEMO COMPONENT — local stack only.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import {
  DescribeTableCommand,
  DynamoDBClient,
  GetResourcePolicyCommand as GetTablePolicyCommand,
} from '@aws-sdk/client-dynamodb';
import { DescribeEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { DescribeKeyCommand, GetKeyPolicyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  GetFunctionCommand,
  GetPolicyCommand as GetFunctionPolicyCommand,
  LambdaClient,
} from '@aws-sdk/client-lambda';
import {
  GetBucketEncryptionCommand,
  GetBucketPolicyCommand,
  HeadObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  DescribeSecretCommand,
  GetResourcePolicyCommand as GetSecretPolicyCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { GetTopicAttributesCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import {
  DescribeOrganizationCommand,
  DescribePolicyCommand,
  ListParentsCommand,
  OrganizationsClient,
  paginateListPoliciesForTarget,
  type PolicyType,
} from '@aws-sdk/client-organizations';
import {
  decode,
  orUndefined,
  policyElementsOnly,
  readIdentityPolicies,
  type PrincipalPolicies,
} from './identityPolicies.js';
import type { SimulationOrgPolicies } from '@cloud-copilot/iam-simulate';
import type { ResourceLookups } from './authorizationTypes.js';
import {
  readDeployedStacks,
  templateBucketKeys,
  templateResourcePolicies,
  type DeployedStack,
} from './templatePolicies.js';

export type { NamedPolicy, PrincipalPolicies } from './identityPolicies.js';

/** One account's control policies, per level of its OU chain; `version` changes with them. */
export interface ControlPolicies {
  scps: SimulationOrgPolicies[];
  rcps: SimulationOrgPolicies[];
  version: string;
}

export const NO_CONTROL_POLICIES: ControlPolicies = { scps: [], rcps: [], version: '' };

/** The admin key of the local stack (moto's default account). */
export const ADMIN_ACCESS_KEY = 'testing';

/** The stack's own account (moto's default), where the admin's keys act. */
const HOME_ACCOUNT = '123456789012';

type Ctor<C> = new (config: {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  maxAttempts: number;
  forcePathStyle?: boolean;
}) => C;

/** Cache entries a write to each service may make stale (services not listed change none). */
const INVALIDATES: Record<string, string[]> = {
  iam: ['principal|', 'exists|', 'role|', 'resource|trust|'],
  secretsmanager: ['secret|', 'resource|own|arn:aws:secretsmanager:'],
  kms: ['key|', 'resource|own|arn:aws:kms:'],
  lambda: ['function|', 'resource|own|arn:aws:lambda:'],
  dynamodb: ['table|', 'resource|own|arn:aws:dynamodb:'],
  sqs: ['resource|own|arn:aws:sqs:'],
  sns: ['resource|own|arn:aws:sns:', 'topic-key|'],
  s3: ['resource|own|arn:aws:s3:', 'bucket|', 'bucket-key|'],
  events: ['resource|own|arn:aws:events:'],
  // Attach/Detach/Update/DeletePolicy, MoveAccount, CreateAccount…: the accounts' SCPs and RCPs.
  organizations: ['org|'],
  // The stand-in's Identity creates and writes managed provider secrets.
  'bedrock-agentcore': ['secret|', 'resource|own|arn:aws:secretsmanager:'],
};

/** Services whose resource policies moto's CloudFormation drops (taken from the template). */
const TEMPLATE_POLICY_SERVICES = new Set(['sns', 'sqs', 's3', 'events']);

export class MotoPolicyStore {
  private readonly clients = new Map<string, unknown>();
  private readonly cache = new Map<string, Promise<unknown>>();
  private controlVersion = 0;

  constructor(
    private readonly motoUrl: string,
    private readonly standinTags: (arn: string) => Record<string, string>,
  ) {}

  /**
   * Forget what a write to `service` may have changed (a policy, tag, key, stage); everything
   * when no service is named or the write may have changed anything (CloudFormation).
   */
  invalidate(service?: string): void {
    const prefixes = service ? INVALIDATES[service] : undefined;
    if (!service || !prefixes) {
      if (!service || service === 'cloudformation') this.cache.clear();
      return;
    }
    for (const key of this.cache.keys()) {
      if (prefixes.some((prefix) => key.startsWith(prefix))) this.cache.delete(key);
    }
  }

  private client<C>(ctor: Ctor<C>, region: string): C {
    const key = `${ctor.name}|${region}`;
    let client = this.clients.get(key) as C | undefined;
    if (!client) {
      client = new ctor({
        endpoint: this.motoUrl,
        region,
        credentials: { accessKeyId: ADMIN_ACCESS_KEY, secretAccessKey: 'gatewarden-local-iam' },
        maxAttempts: 1,
        forcePathStyle: true,
      });
      this.clients.set(key, client);
    }
    return client;
  }

  /**
   * A client acting in `account`. moto keeps each account's resources apart, and the admin's
   * keys act in the stack's own account: in another account (an organization's member, a stage
   * deployed there) the reads go with a session of a role in that account (moto's STS issues
   * one for any role ARN; nothing here acts on what it reads but the gate's decision).
   */
  private clientIn<C>(ctor: Ctor<C>, region: string, account = HOME_ACCOUNT): Promise<C> {
    if (account === HOME_ACCOUNT || !/^\d{12}$/.test(account))
      return Promise.resolve(this.client(ctor, region));
    return this.cached(`account|${account}|${ctor.name}|${region}`, async () => {
      const session = await this.sessionIn(account);
      return new ctor({
        endpoint: this.motoUrl,
        region,
        credentials: {
          accessKeyId: session.AccessKeyId,
          secretAccessKey: session.SecretAccessKey,
          sessionToken: session.SessionToken,
        },
        maxAttempts: 1,
        forcePathStyle: true,
      });
    });
  }

  private sessionIn(account: string): ReturnType<MotoPolicyStore['assumeRole']> {
    return this.cached(`account|${account}|session`, () =>
      this.assumeRole(
        `arn:aws:iam::${account}:role/gatewarden-local-iam-gate`,
        'gatewarden-local-iam-gate',
      ),
    );
  }

  /** IAM of the account an ARN names (a role or user of a member is read in the member). */
  private iamOf(arn: string): Promise<IAMClient> {
    const account = /^arn:aws[\w-]*:(?:iam|sts)::(\d{12}):/.exec(arn)?.[1];
    return this.clientIn(IAMClient, 'us-east-1', account);
  }

  private cached<T>(key: string, read: () => Promise<T>): Promise<T> {
    let hit = this.cache.get(key) as Promise<T> | undefined;
    if (!hit) {
      hit = read();
      this.cache.set(key, hit);
      hit.catch(() => this.cache.delete(key));
    }
    return hit;
  }

  /** Identity policies and boundary of a role or user ARN (none for a principal moto lacks). */
  principalPolicies(principalArn: string): Promise<PrincipalPolicies> {
    return this.cached(`principal|${principalArn}`, async () => {
      const policies = await readIdentityPolicies(await this.iamOf(principalArn), principalArn);
      return policies ?? { identity: [] };
    });
  }

  /** The resource's own policy (a role's trust policy for sts:AssumeRole), if it has one. */
  resourcePolicy(action: string, resource: string): Promise<unknown> {
    return this.cached(`resource|${action.startsWith('sts:') ? 'trust' : 'own'}|${resource}`, () =>
      this.readResourcePolicy(action, resource).then(policyElementsOnly),
    );
  }

  private async readResourcePolicy(action: string, resource: string): Promise<unknown> {
    const own = await this.readMotoResourcePolicy(action, resource);
    const service = resource.split(':')[2] ?? '';
    // A topic's default policy (SNS makes one with each topic) is what a TopicPolicy replaces.
    const replaceable =
      own === undefined || (own as { Id?: unknown } | null)?.Id === '__default_policy_ID';
    if (!replaceable || !TEMPLATE_POLICY_SERVICES.has(service)) return own;
    // moto's CloudFormation made the resource but dropped the policy its template attaches.
    const arn = service === 's3' ? (resource.split('/')[0] ?? resource) : resource;
    return (await this.templatePolicy(arn)) ?? own;
  }

  /**
   * Resource policies of the templates deployed in an account and region (cleared by any
   * CloudFormation write): each stage is read in its own account.
   */
  private templatePolicies(region: string, account: string): Promise<Map<string, unknown>> {
    return this.cached(`template|${account}|${region}`, async () => {
      const merged = new Map<string, unknown>();
      for (const stack of await this.deployedStacks(region, account))
        for (const [arn, policy] of templateResourcePolicies(stack)) merged.set(arn, policy);
      return merged;
    });
  }

  /**
   * The policy the deployed template attaches to a topic, queue, bucket or bus that moto holds
   * without it (what a read of that resource's policy answers on AWS), or undefined. Read in
   * the resource's account (a bucket's: its owner's).
   */
  async templatePolicy(arn: string): Promise<unknown> {
    const [, , service = '', region = '', named = ''] = arn.split(':');
    const account =
      service === 's3'
        ? await this.lookups().bucketAccount(arn.split(':::')[1]?.split('/')[0] ?? '')
        : named;
    return (await this.templatePolicies(region || 'us-east-1', account || HOME_ACCOUNT)).get(arn);
  }

  private deployedStacks(region: string, account: string): Promise<DeployedStack[]> {
    return this.cached(`stacks|${account}|${region}`, async () =>
      readDeployedStacks(await this.clientIn(CloudFormationClient, region, account), region),
    );
  }

  /** Default SSE-KMS keys of the deployed templates' buckets (moto drops bucket encryption). */
  private bucketKeys(account: string): Promise<Map<string, string>> {
    return this.cached(`template-bucket-keys|${account}`, async () => {
      const merged = new Map<string, string>();
      for (const stack of await this.deployedStacks('us-east-1', account))
        for (const [bucket, key] of templateBucketKeys(stack)) merged.set(bucket, key);
      return merged;
    });
  }

  private async readMotoResourcePolicy(action: string, resource: string): Promise<unknown> {
    const [, , service = '', region = 'us-east-1', account = ''] = resource.split(':');
    const owner = account || HOME_ACCOUNT;
    // moto answers a CloudFormation-made key's policy as an object where AWS sends a string.
    const parse = (text: unknown) =>
      typeof text === 'string' && text ? (JSON.parse(text) as unknown) : text || undefined;
    switch (service) {
      case 'secretsmanager': {
        const got = await orUndefined(async () =>
          (await this.clientIn(SecretsManagerClient, region, owner)).send(
            new GetSecretPolicyCommand({ SecretId: resource }),
          ),
        );
        return parse(got?.ResourcePolicy);
      }
      case 'kms': {
        if (!resource.includes(':key/')) return undefined;
        const got = await orUndefined(async () =>
          (await this.clientIn(KMSClient, region, owner)).send(
            new GetKeyPolicyCommand({ KeyId: resource, PolicyName: 'default' }),
          ),
        );
        return parse(got?.Policy);
      }
      case 'sqs': {
        const name = resource.split(':').pop() ?? '';
        const sqs = await this.clientIn(SQSClient, region, owner);
        const url = await orUndefined(() =>
          sqs.send(new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account })),
        );
        if (!url?.QueueUrl) return undefined;
        const got = await sqs.send(
          new GetQueueAttributesCommand({ QueueUrl: url.QueueUrl, AttributeNames: ['Policy'] }),
        );
        return parse(got.Attributes?.Policy);
      }
      case 'sns': {
        const got = await orUndefined(async () =>
          (await this.clientIn(SNSClient, region, owner)).send(
            new GetTopicAttributesCommand({ TopicArn: resource }),
          ),
        );
        return parse(got?.Attributes?.Policy);
      }
      case 's3': {
        const bucket = resource.split(':::')[1]?.split('/')[0] ?? '';
        if (!bucket || bucket.includes('*')) return undefined;
        const got = await orUndefined(() =>
          this.client(S3Client, 'us-east-1').send(new GetBucketPolicyCommand({ Bucket: bucket })),
        );
        return parse(got?.Policy);
      }
      case 'lambda': {
        const got = await orUndefined(async () =>
          (await this.clientIn(LambdaClient, region, owner)).send(
            new GetFunctionPolicyCommand({ FunctionName: resource }),
          ),
        );
        return parse(got?.Policy);
      }
      case 'events': {
        const bus = /:event-bus\/(.+)$/.exec(resource)?.[1];
        if (!bus) return undefined;
        const got = await orUndefined(async () =>
          (await this.clientIn(EventBridgeClient, region, owner)).send(
            new DescribeEventBusCommand({ Name: bus }),
          ),
        );
        return parse(got?.Policy);
      }
      case 'dynamodb': {
        if (!resource.includes(':table/')) return undefined;
        const got = await orUndefined(async () =>
          (await this.clientIn(DynamoDBClient, region, owner)).send(
            new GetTablePolicyCommand({ ResourceArn: resource.split('/index/')[0] }),
          ),
        ).catch(() => undefined);
        // moto answers a table without a policy with a body that is no JSON policy.
        try {
          return parse(got?.Policy);
        } catch {
          return undefined;
        }
      }
      case 'iam': {
        if (!action.startsWith('sts:')) return undefined;
        const role = /:role\/(?:.*\/)?([^/]+)$/.exec(resource)?.[1];
        if (!role) return undefined;
        const client = await this.iamOf(resource);
        const got = await orUndefined(() => client.send(new GetRoleCommand({ RoleName: role })));
        return decode(got?.Role?.AssumeRolePolicyDocument);
      }
      default:
        return undefined;
    }
  }

  /**
   * The SCPs and RCPs of an account's OU chain (root first, the account's own last), read from
   * moto's Organizations once and kept until an Organizations write (INVALIDATES). None when
   * the stack's account has no organization, for its management account, and for an account
   * outside it: AWS applies neither to the management account.
   */
  controlPolicies(account: string): Promise<ControlPolicies> {
    return this.cached(`org|${account}`, () => this.readControlPolicies(account));
  }

  /**
   * The id of the organization an account belongs to (`aws:PrincipalOrgID` of its principals,
   * `aws:ResourceOrgID` of its resources), or undefined outside the stack's organization. Kept
   * until an Organizations write, as the control policies are.
   */
  organizationOf(account: string): Promise<string | undefined> {
    return this.cached(`org|id|${account}`, async () => {
      const organizations = this.client(OrganizationsClient, 'us-east-1');
      const described = await organizations
        .send(new DescribeOrganizationCommand({}))
        .catch((error: unknown) => {
          if ((error as { name?: string }).name === 'AWSOrganizationsNotInUseException')
            return undefined;
          throw error;
        });
      const organization = described?.Organization;
      if (organization?.Id === undefined) return undefined;
      if (organization.MasterAccountId === account) return organization.Id;
      const parents = await organizations
        .send(new ListParentsCommand({ ChildId: account }))
        .catch((error: unknown) => {
          if (/ChildNotFound|AccountNotFound/.test((error as { name?: string }).name ?? ''))
            return undefined;
          throw error;
        });
      return parents?.Parents?.length ? organization.Id : undefined;
    });
  }

  private async readControlPolicies(account: string): Promise<ControlPolicies> {
    const organizations = this.client(OrganizationsClient, 'us-east-1');
    const organization = await organizations
      .send(new DescribeOrganizationCommand({}))
      .catch((error: unknown) => {
        if ((error as { name?: string }).name === 'AWSOrganizationsNotInUseException')
          return undefined;
        throw error;
      });
    const management = organization?.Organization?.MasterAccountId;
    if (management === undefined || management === account) return NO_CONTROL_POLICIES;
    // The account, then its parents up to the root; an account outside the organization has none.
    const chain = [account];
    for (let id = account; ;) {
      const parents = await organizations
        .send(new ListParentsCommand({ ChildId: id }))
        .catch((error: unknown) => {
          // An account of another organization (or none): no SCP of this one binds it.
          if (/ChildNotFound|AccountNotFound/.test((error as { name?: string }).name ?? ''))
            return undefined;
          throw error;
        });
      const parent = parents?.Parents?.[0];
      if (parent?.Id === undefined) {
        if (chain.length === 1) return NO_CONTROL_POLICIES;
        break;
      }
      chain.push(parent.Id);
      if (parent.Type === 'ROOT' || chain.length > 7) break;
      id = parent.Id;
    }
    chain.reverse();
    const level = async (target: string, type: PolicyType) => {
      const policies: { name: string; policy: unknown }[] = [];
      for await (const page of paginateListPoliciesForTarget(
        { client: organizations },
        { TargetId: target, Filter: type },
      )) {
        for (const summary of page.Policies ?? []) {
          // RCPFullAWSAccess (AWS managed, an Allow) is added by the evaluator at every level.
          if (type === 'RESOURCE_CONTROL_POLICY' && summary.AwsManaged === true) continue;
          const described = await organizations.send(
            new DescribePolicyCommand({ PolicyId: summary.Id }),
          );
          policies.push({
            name: summary.Name ?? summary.Id ?? 'policy',
            policy: JSON.parse(described.Policy?.Content ?? '{}') as unknown,
          });
        }
      }
      return { orgIdentifier: target, policies };
    };
    const scps = await Promise.all(chain.map((t) => level(t, 'SERVICE_CONTROL_POLICY')));
    const rcps = await Promise.all(chain.map((t) => level(t, 'RESOURCE_CONTROL_POLICY')));
    this.controlVersion += 1;
    return { scps, rcps, version: `${account}#${this.controlVersion}` };
  }

  /** The execution role of a function. */
  async functionRole(functionArn: string): Promise<string | undefined> {
    const [, , , region = 'us-east-1', account = HOME_ACCOUNT] = functionArn.split(':');
    const lambda = await this.clientIn(LambdaClient, region, account);
    const got = await orUndefined(() =>
      lambda.send(new GetFunctionCommand({ FunctionName: functionArn })),
    );
    return got?.Configuration?.Role;
  }

  /** A role session from moto's STS, asked directly (the caller was authorized already). */
  async assumeRole(
    roleArn: string,
    sessionName: string,
  ): Promise<{ AccessKeyId: string; SecretAccessKey: string; SessionToken: string }> {
    const got = await this.client(STSClient, 'us-east-1').send(
      new AssumeRoleCommand({
        RoleArn: roleArn,
        RoleSessionName: sessionName,
        DurationSeconds: 3600,
      }),
    );
    const credentials = got.Credentials;
    if (!credentials?.AccessKeyId || !credentials.SecretAccessKey || !credentials.SessionToken) {
      throw new Error(`moto STS issued no credentials for ${roleArn}`);
    }
    return {
      AccessKeyId: credentials.AccessKeyId,
      SecretAccessKey: credentials.SecretAccessKey,
      SessionToken: credentials.SessionToken,
    };
  }

  /**
   * Name → ARN lookups the resource resolver needs, in the caller's account (where a bare name
   * lives): the stack's own unless named.
   */
  lookups(account = HOME_ACCOUNT): ResourceLookups & {
    bucketAccount(bucket: string): Promise<string | undefined>;
  } {
    const at = account === HOME_ACCOUNT ? '' : `${account}|`;
    const client = <C>(ctor: Ctor<C>, region: string) => this.clientIn(ctor, region, account);
    return {
      secret: (id, region) =>
        this.cached(`secret|${at}${region}|${id}`, async () => {
          const got = await orUndefined(async () =>
            (await client(SecretsManagerClient, region)).send(
              new DescribeSecretCommand({ SecretId: id }),
            ),
          );
          if (!got?.ARN) return undefined;
          const tags: Record<string, string> = {};
          for (const tag of got.Tags ?? []) if (tag.Key) tags[tag.Key] = tag.Value ?? '';
          return {
            arn: got.ARN,
            ...(got.KmsKeyId ? { kmsKeyId: got.KmsKeyId } : {}),
            ...(got.RotationLambdaARN ? { rotationLambdaArn: got.RotationLambdaARN } : {}),
            tags,
          };
        }),
      keyArn: (keyId, region) =>
        // A key ARN names itself; moto's DescribeKey fails (500) on a CloudFormation-made key.
        /^arn:aws[\w-]*:kms:[^:]*:\d{12}:key\//.test(keyId)
          ? Promise.resolve(keyId)
          : this.cached(`key|${at}${region}|${keyId}`, async () => {
              const got = await orUndefined(async () =>
                (await client(KMSClient, region)).send(new DescribeKeyCommand({ KeyId: keyId })),
              );
              return got?.KeyMetadata?.Arn;
            }),
      roleArn: (name) =>
        this.cached(`role|${at}${name}`, async () => {
          const got = await orUndefined(async () =>
            (await client(IAMClient, 'us-east-1')).send(new GetRoleCommand({ RoleName: name })),
          );
          return got?.Role?.Arn;
        }),
      functionArn: (name, region) =>
        this.cached(`function|${at}${region}|${name}`, async () => {
          const got = await orUndefined(async () =>
            (await client(LambdaClient, region)).send(
              new GetFunctionCommand({ FunctionName: name }),
            ),
          );
          return got?.Configuration?.FunctionArn;
        }),
      tableHashKey: (table, region) =>
        this.cached(`table|${at}${region}|${table}`, async () => {
          const got = await orUndefined(async () =>
            (await client(DynamoDBClient, region)).send(
              new DescribeTableCommand({ TableName: table }),
            ),
          );
          return got?.Table?.KeySchema?.find((key) => key.KeyType === 'HASH')?.AttributeName;
        }),
      standinTags: (arn) => this.standinTags(arn),
      bucketKey: (bucket) =>
        this.cached(`bucket-key|${bucket}`, async () => {
          const set = await orUndefined(() =>
            this.client(S3Client, 'us-east-1').send(
              new GetBucketEncryptionCommand({ Bucket: bucket }),
            ),
          ).catch(() => undefined);
          const rule =
            set?.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault;
          if (rule?.SSEAlgorithm?.startsWith('aws:kms'))
            return rule.KMSMasterKeyID ?? 'alias/aws/s3';
          const owner = await this.lookups().bucketAccount(bucket);
          return (await this.bucketKeys(owner ?? HOME_ACCOUNT)).get(bucket);
        }),
      objectEncryption: async (bucket, key) => {
        const got = await orUndefined(() =>
          this.client(S3Client, 'us-east-1').send(
            new HeadObjectCommand({ Bucket: bucket, Key: key }),
          ),
        ).catch(() => undefined);
        if (!got?.ServerSideEncryption) return undefined;
        return {
          sse: got.ServerSideEncryption,
          ...(got.SSEKMSKeyId ? { keyId: got.SSEKMSKeyId } : {}),
        };
      },
      topicKey: (topicArn) =>
        this.cached(`topic-key|${topicArn}`, async () => {
          const got = await orUndefined(() =>
            this.client(SNSClient, topicArn.split(':')[3] || 'us-east-1').send(
              new GetTopicAttributesCommand({ TopicArn: topicArn }),
            ),
          );
          return got?.Attributes?.KmsMasterKeyId || undefined;
        }),
      bucketAccount: (bucket) =>
        this.cached(`bucket|${bucket}`, async () => {
          // moto names the owner to the gate only (motoLauncher.py `_name_bucket_owners`).
          const response = await fetch(`${this.motoUrl}/${encodeURIComponent(bucket)}`, {
            method: 'HEAD',
            headers: {
              authorization: `AWS4-HMAC-SHA256 Credential=${ADMIN_ACCESS_KEY}/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00`,
            },
          });
          return response.headers.get('x-gatewarden-bucket-account') ?? undefined;
        }),
    };
  }
}
