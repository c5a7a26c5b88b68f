import { readStageYaml } from './stageYaml.js';

/**
 * The rotation functions of the member template (issue 22, point 1): where a member has gateway
 * secrets, the StackSet gives it the stage's rotate and rotateNow functions, so the secret is
 * rotated in the account that owns it and managed from the central CLI (`gatewarden rotate
 * --account`). Lifted from the stage's own YAML, never copied by hand: the two roles
 * (resources/role-rotate.yml, role-rotateNow.yml, statement for statement), the state table
 * holding bindings and ledger, the secrets key and the two MAC keys with their policies
 * (state.yml, keys.yml), the dead-letter queue and the two Lambda permissions (dlq.yml,
 * rotation.yml), the functions' handler, timeout, description and environment (serverless.yml).
 * A stage param or resource the member has no counterpart for fails the generation: a new
 * statement naming something the member lacks is decided here, not dropped silently.
 *
 * Left out of the member, on purpose (docs/organization.md):
 * - the alert topic, its key and the gatewarden bus: the member's rotation failures reach the
 *   central detect as Secrets Manager's own `RotationFailed` events, through the member's
 *   forwarding rule (route `secrets`); the rotator's PublishAlerts, AlertsKeyViaSns and
 *   PublishEvents statements go with them ({@link DROPPED_STATEMENTS}).
 * - the data key: the member's state table is encrypted with the AWS managed DynamoDB key, its
 *   two log groups with CloudWatch's own encryption.
 * - detect, the report and their resources (central), the rotate errors alarm (it notifies
 *   the alert topic), the DLQ's queue policy (only the rotateNow role sends to it, by its own
 *   grant).
 * Every lifted resource is kept on removal where the stage keeps it by param
 * (`dataDeletionPolicy`): a member's bindings and ledger outlive a stack instance.
 */

/** Parameters the central rotation StackSet passes (resources/organization.yml). */
export const MEMBER_ROTATION_PARAMETERS = {
  Stage: 'The gatewarden stage the member belongs to',
  CentralAccountId: 'The security account the stage runs in (it runs its own functions)',
  CodeBucket: 'The central stage bucket holding the member functions code (read-only to members)',
  RotateCodeKey: 'The rotate function zip in CodeBucket (content-addressed: sha256 of the zip)',
  RotateNowCodeKey: 'The rotateNow function zip in CodeBucket (content-addressed)',
} as const;

/** Stage parameters the lifted resources read, given to the member with an empty default. */
const LIFTED_PARAMETERS = [
  'AdminRoleArn',
  'CentralRotationRoleArn',
  'ExtraSecretsKmsKeyArns',
  'TokenVaultKmsKeyArn',
];

/** Stage conditions the lifted resources use, lifted as the stage declares them. */
const LIFTED_CONDITIONS = [
  'HasAdminRole',
  'AllowsCentralRotation',
  'HasExtraSecretsKeys',
  'HasTokenVaultKey',
];

/** Resources lifted from the stage, by file: every one gets condition `RotatesHere`. */
const LIFTED_RESOURCES: Record<string, readonly string[]> = {
  'role-rotate.yml': ['RotateRole'],
  'role-rotateNow.yml': ['RotateNowRole'],
  'state.yml': ['StateTable'],
  'keys.yml': [
    'SecretsKey',
    'SecretsKeyAlias',
    'BindingMacKey',
    'BindingMacKeyAlias',
    'LedgerMacKey',
    'LedgerMacKeyAlias',
  ],
  'dlq.yml': ['DeadLetterQueue'],
  'rotation.yml': ['RotateSecretsManagerPermission', 'RotateNowCentralPermission'],
};

/** Statements the member's roles do without, and why (see the module comment). */
export const DROPPED_STATEMENTS: Record<string, string> = {
  PublishAlerts: 'no alert topic in the member: RotationFailed events reach the central detect',
  AlertsKeyViaSns: 'no alert topic in the member',
  PublishEvents: 'no gatewarden bus in the member',
};

/** What a `${param:…}` of the stage is in the member. */
const PARAMS: Record<string, unknown> = {
  stateTable: { Ref: 'StateTable' },
  stateTableArn: { 'Fn::GetAtt': ['StateTable', 'Arn'] },
  secretsKeyArn: { 'Fn::GetAtt': ['SecretsKey', 'Arn'] },
  bindingMacKey: { 'Fn::GetAtt': ['BindingMacKey', 'Arn'] },
  bindingMacKeyArn: { 'Fn::GetAtt': ['BindingMacKey', 'Arn'] },
  ledgerMacKey: { 'Fn::GetAtt': ['LedgerMacKey', 'Arn'] },
  ledgerMacKeyArn: { 'Fn::GetAtt': ['LedgerMacKey', 'Arn'] },
  rotationFunctionArn: { 'Fn::GetAtt': ['RotateLambdaFunction', 'Arn'] },
  // The AWS managed DynamoDB key: the member has no data key.
  dataKeyArn: 'alias/aws/dynamodb',
  // A member's bindings, ledger and keys outlive its stack instance.
  dataDeletionPolicy: 'Retain',
  issuerFunctionPrefix: 'gatewarden-issuer-',
  logLevel: 'INFO',
  // No alert topic or bus in the member (the rotation deps then send to neither).
  alertTopicArn: '',
  eventBusName: '',
};

/** The member's functions: serverless.yml's, keyed by the logical id the framework gives. */
const FUNCTIONS = { rotate: 'RotateLambdaFunction', rotateNow: 'RotateNowLambdaFunction' };
const CODE_KEYS = { rotate: 'RotateCodeKey', rotateNow: 'RotateNowCodeKey' };

const PSEUDO = /^AWS::/;

/** `${sls:stage}` → `${Stage}`; `${param:x}` → its member value, inlined in a Sub. */
function subText(text: string): string {
  return text.replace(
    /\$\{(sls|param|self|opt|env):([^}]*)\}/g,
    (whole, kind: string, name: string) => {
      if (kind === 'sls' && name === 'stage') return '${Stage}';
      const value = kind === 'param' ? PARAMS[name] : undefined;
      if (typeof value === 'string') return value;
      throw new RangeError(`member rotation: ${whole} inside a Sub has no member value`);
    },
  );
}

/** One value of the stage's YAML, rewritten for the member (see {@link PARAMS}). */
function lift(value: unknown): unknown {
  if (typeof value === 'string') {
    const whole = /^\$\{param:([^}]+)\}$/.exec(value);
    if (whole) {
      const name = whole[1] ?? '';
      if (!Object.hasOwn(PARAMS, name))
        throw new RangeError(`member rotation: \${param:${name}} has no member value`);
      return PARAMS[name];
    }
    if (!value.includes('${')) return value;
    return { 'Fn::Sub': subText(value) };
  }
  if (Array.isArray(value)) {
    return value
      .filter((item) => !isDropped(item))
      .map((item) => lift(item))
      .filter((item) => item !== undefined);
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value);
    if (entries.length === 1 && entries[0]?.[0] === 'Fn::Sub') {
      const body = entries[0][1];
      return typeof body === 'string'
        ? { 'Fn::Sub': subText(body) }
        : { 'Fn::Sub': [subText(String((body as unknown[])[0])), lift((body as unknown[])[1])] };
    }
    return Object.fromEntries(entries.map(([key, item]) => [key, lift(item)]));
  }
  return value;
}

function isDropped(statement: unknown): boolean {
  const sid = (statement as { Sid?: unknown } | null)?.Sid;
  return typeof sid === 'string' && Object.hasOwn(DROPPED_STATEMENTS, sid);
}

/** serverless.yml's function `name` as a member resource, its code in the central bucket. */
function memberFunction(
  name: keyof typeof FUNCTIONS,
  declared: Record<string, unknown>,
  providerEnvironment: Record<string, unknown>,
  runtime: Record<string, unknown>,
): Record<string, unknown> {
  const handler = String(declared.handler);
  return {
    Type: 'AWS::Lambda::Function',
    Condition: 'RotatesHere',
    DependsOn: [`${logGroupId(name)}`],
    Properties: {
      FunctionName: { 'Fn::Sub': `gatewarden-\${Stage}-${name}` },
      Description: declared.description,
      Handler: handler,
      Runtime: runtime.runtime,
      Architectures: [runtime.architecture],
      MemorySize: declared.memorySize ?? runtime.memorySize,
      Timeout: declared.timeout ?? runtime.timeout,
      Role: { 'Fn::GetAtt': [String(declared.role), 'Arn'] },
      Code: { S3Bucket: { Ref: 'CodeBucket' }, S3Key: { Ref: CODE_KEYS[name] } },
      Environment: {
        Variables: lift({
          ...providerEnvironment,
          ...(declared.environment as Record<string, unknown> | undefined),
        }),
      },
      Tags: [
        { Key: 'service', Value: 'gatewarden' },
        { Key: 'stage', Value: { Ref: 'Stage' } },
      ],
    },
  };
}

const logGroupId = (name: string) => `${name.charAt(0).toUpperCase()}${name.slice(1)}LogGroup`;

export interface MemberRotation {
  parameters: Record<string, unknown>;
  conditions: Record<string, unknown>;
  resources: Record<string, unknown>;
}

/**
 * The rotation part lifted from the stage's YAML under `root` (the project). Its resources all
 * hold condition `RotatesHere` (not the central account).
 */
export function readMemberRotation(root: URL = new URL('../../', import.meta.url)): MemberRotation {
  const at = (file: string) => new URL(file, root);
  const stageParameters = readStageYaml(at('resources/conditions.yml')).Parameters as Record<
    string,
    Record<string, unknown>
  >;
  const stageConditions = readStageYaml(at('resources/conditions.yml')).Conditions as Record<
    string,
    unknown
  >;
  const parameters: Record<string, unknown> = Object.fromEntries(
    Object.entries(MEMBER_ROTATION_PARAMETERS).map(([name, description]) => [
      name,
      { Type: 'String', MinLength: 1, Description: description },
    ]),
  );
  for (const name of LIFTED_PARAMETERS) {
    const declared = stageParameters[name];
    if (!declared) throw new RangeError(`member rotation: no stage parameter ${name}`);
    parameters[name] = { ...declared, Default: '' };
  }
  const conditions: Record<string, unknown> = {
    IsCentralAccount: { 'Fn::Equals': [{ Ref: 'AWS::AccountId' }, { Ref: 'CentralAccountId' }] },
    // The central account runs the stage's own functions under the same names.
    RotatesHere: { 'Fn::Not': [{ Condition: 'IsCentralAccount' }] },
  };
  for (const name of LIFTED_CONDITIONS) {
    if (!Object.hasOwn(stageConditions, name))
      throw new RangeError(`member rotation: no stage condition ${name}`);
    conditions[name] = stageConditions[name];
  }
  // A central rotation role lets in only where the functions are.
  conditions.AllowsCentralRotation = {
    'Fn::And': [{ Condition: 'RotatesHere' }, conditions.AllowsCentralRotation],
  };

  const resources: Record<string, unknown> = {};
  for (const [file, ids] of Object.entries(LIFTED_RESOURCES)) {
    const declared = readStageYaml(at(`resources/${file}`)).Resources as Record<
      string,
      Record<string, unknown>
    >;
    for (const id of ids) {
      const resource = declared[id];
      if (!resource) throw new RangeError(`member rotation: no ${id} in resources/${file}`);
      const condition =
        resource.Condition === 'AllowsCentralRotation' ? 'AllowsCentralRotation' : 'RotatesHere';
      resources[id] = { ...(lift(resource) as Record<string, unknown>), Condition: condition };
    }
  }

  const stage = readStageYaml(at('serverless.yml')) as {
    provider: Record<string, unknown> & { environment: Record<string, unknown> };
    functions: Record<string, Record<string, unknown>>;
  };
  for (const [name, id] of Object.entries(FUNCTIONS) as [keyof typeof FUNCTIONS, string][]) {
    const declared = stage.functions[name];
    if (!declared) throw new RangeError(`member rotation: no function ${name} in serverless.yml`);
    resources[logGroupId(name)] = {
      Type: 'AWS::Logs::LogGroup',
      Condition: 'RotatesHere',
      DeletionPolicy: 'Delete',
      Properties: {
        LogGroupName: { 'Fn::Sub': `/aws/lambda/gatewarden-\${Stage}-${name}` },
        RetentionInDays: 365,
      },
    };
    resources[id] = memberFunction(name, declared, stage.provider.environment, stage.provider);
    const destination = (declared.destinations as { onFailure?: { arn?: unknown } } | undefined)
      ?.onFailure?.arn;
    if (destination !== undefined) {
      resources[`${id.replace('LambdaFunction', '')}EventInvokeConfig`] = {
        Type: 'AWS::Lambda::EventInvokeConfig',
        Condition: 'RotatesHere',
        Properties: {
          FunctionName: { Ref: id },
          Qualifier: '$LATEST',
          MaximumRetryAttempts: declared.maximumRetryAttempts,
          DestinationConfig: { OnFailure: { Destination: lift(destination) } },
        },
      };
    }
  }
  // The daily sweep of retired credentials, as the stage schedules it.
  const sweep = (
    (stage.functions.rotateNow?.events as { schedule?: Record<string, unknown> }[] | undefined) ??
    []
  ).find((event) => event.schedule)?.schedule;
  if (sweep) {
    resources.SweepSchedule = {
      Type: 'AWS::Events::Rule',
      Condition: 'RotatesHere',
      Properties: {
        Name: lift(sweep.name),
        Description: sweep.description,
        ScheduleExpression: 'rate(1 day)',
        State: 'ENABLED',
        Targets: [
          {
            Id: 'rotateNow',
            Arn: { 'Fn::GetAtt': ['RotateNowLambdaFunction', 'Arn'] },
            Input: JSON.stringify(sweep.input),
          },
        ],
      },
    };
    resources.SweepSchedulePermission = {
      Type: 'AWS::Lambda::Permission',
      Condition: 'RotatesHere',
      Properties: {
        Action: 'lambda:InvokeFunction',
        FunctionName: { 'Fn::GetAtt': ['RotateNowLambdaFunction', 'Arn'] },
        Principal: 'events.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': ['SweepSchedule', 'Arn'] },
      },
    };
  }
  checkReferences(resources, parameters, conditions);
  return { parameters, conditions, resources };
}

/**
 * The member rotation template: the second member StackSet's (resources/organization.yml
 * `MemberRotationStackSet`), in the accounts of the OUs whose members hold gateway secrets.
 * Apart from the forwarding and read template (lib/deploy/memberTemplate.ts): a StackSet's
 * template body holds at most 51,200 characters, and both together are over.
 */
export function memberRotationTemplate(rotation: MemberRotation): Record<string, unknown> {
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description:
      'gatewarden member rotation: the rotate and rotateNow functions, where the gateway secrets live',
    Parameters: rotation.parameters,
    Conditions: rotation.conditions,
    Resources: {
      // A template needs one resource: the security account, in the OUs, gets nothing else.
      CentralAccountRunsItsOwn: {
        Type: 'AWS::CloudFormation::WaitConditionHandle',
        Condition: 'IsCentralAccount',
      },
      ...rotation.resources,
    },
  };
}

/** Where the generated rotation template lives, for serverless.yml's `${file(...)}`. */
export const MEMBER_ROTATION_STACKSET_FILE = 'resources/member-rotation-stackset.yml';

/** The text of {@link MEMBER_ROTATION_STACKSET_FILE} (as lib/deploy/memberTemplate.ts's). */
export function memberRotationStacksetFile(rotation: MemberRotation): string {
  const body = JSON.stringify(memberRotationTemplate(rotation)).replace(/'/g, "''");
  return [
    "# Generated by `npm run member-template:generate` from the stage's rotation resources",
    '# (lib/deploy/memberRotation.ts): do not edit. The template of the member rotation StackSet',
    '# (resources/organization.yml); a template test fails when this file is behind.',
    `templateBody: '${body}'`,
    '',
  ].join('\n');
}

/** Every Ref, GetAtt and condition the lifted part names must be in the member template. */
function checkReferences(
  resources: Record<string, unknown>,
  parameters: Record<string, unknown>,
  conditions: Record<string, unknown>,
): void {
  const known = new Set([...Object.keys(resources), ...Object.keys(parameters)]);
  const knownConditions = new Set(Object.keys(conditions));
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (typeof value !== 'object' || value === null) return;
    for (const [key, item] of Object.entries(value)) {
      if (key === 'Ref' && typeof item === 'string' && !PSEUDO.test(item) && !known.has(item))
        throw new RangeError(`member rotation: Ref to ${item}, which the member lacks`);
      if (key === 'Fn::GetAtt' && Array.isArray(item) && !known.has(String(item[0])))
        throw new RangeError(
          `member rotation: GetAtt of ${String(item[0])}, which the member lacks`,
        );
      if (key === 'Fn::If' && Array.isArray(item) && !knownConditions.has(String(item[0])))
        throw new RangeError(`member rotation: condition ${String(item[0])} unknown`);
      if (key === 'Condition' && typeof item === 'string' && !knownConditions.has(item))
        throw new RangeError(`member rotation: condition ${item} unknown`);
      if (key === 'Fn::Sub' && typeof item === 'string') {
        for (const [, name] of item.matchAll(/\$\{([^}!]+)\}/g)) {
          const base = (name ?? '').split('.')[0] ?? '';
          if (!PSEUDO.test(base) && !known.has(base))
            throw new RangeError(`member rotation: \${${name}} in a Sub, which the member lacks`);
        }
      }
      visit(item);
    }
  };
  visit(resources);
  visit(conditions);
}
