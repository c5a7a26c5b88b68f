/**
 * Secrets Manager and KMS: a secret by name or ARN (its tags, its key: Secrets Manager uses the
 * key as the caller), a key by id, alias or the ciphertext that names it.
 * TEST/DEMO COMPONENT — local stack only.
 */
import {
  type Authorization,
  type CallInfo,
  type ContextValues,
  type ResourceLookups,
  type Resolver,
} from '../authorizationTypes.js';
import {
  arnParts,
  isArn,
  requestTags,
  resourceTagContext,
  str,
  tagContext,
} from '../requestValues.js';

export const secretsmanager: Resolver = async (call, lookups) => {
  const id = str(call.params.SecretId) ?? str(call.params.Name);
  if (!id) return {};
  const tags = requestTags(call.params);
  const context: ContextValues = {
    ...tagContext(tags),
    'secretsmanager:SecretId': id,
  };
  const stage = str(call.params.VersionStage);
  if (stage) context['secretsmanager:VersionStage'] = stage;
  const rotationLambda = str(call.params.RotationLambdaARN);
  if (rotationLambda) context['secretsmanager:RotationLambdaARN'] = rotationLambda;
  if (call.params.RotationRules !== undefined) {
    context['secretsmanager:ModifyRotationRules'] = 'true';
  }
  if (call.operation === 'CreateSecret') {
    // Not created yet: AWS authorizes the name with the random suffix it will add.
    const arn = `arn:aws:secretsmanager:${call.region}:${call.account}:secret:${id}-xxxxxx`;
    const implied = await secretKeyUse(call, lookups, arn, str(call.params.KmsKeyId), 'write');
    return { arns: { Secret: arn }, context, implied };
  }
  const secret = await lookups.secret(id, call.region);
  if (!secret) {
    // No such secret: authorized as the name with the suffix it would have (a grant on
    // `name-*` then reaches Secrets Manager's ResourceNotFound, as on AWS).
    const arn = isArn(id)
      ? id
      : `arn:aws:secretsmanager:${call.region}:${call.account}:secret:${id}-xxxxxx`;
    return { arns: { Secret: arn }, context };
  }
  Object.assign(context, resourceTagContext(secret.tags));
  const use = SECRET_KEY_USE[call.operation];
  const implied = use ? await secretKeyUse(call, lookups, secret.arn, secret.kmsKeyId, use) : [];
  // Secrets Manager invokes the rotation function for the caller, the one named or else the
  // one the secret is configured with: the caller must be allowed to invoke it.
  const invoked = rotationLambda ?? secret.rotationLambdaArn;
  if (call.operation === 'RotateSecret' && invoked) {
    implied.push({
      action: 'lambda:InvokeFunction',
      resource: invoked,
      resourceAccount: arnParts(invoked).account || call.account,
      context: {},
    });
  }
  return { arns: { Secret: secret.arn }, context, implied };
};

/** Operations on a secret's value that make Secrets Manager use its KMS key as the caller. */
const SECRET_KEY_USE: Record<string, 'read' | 'write'> = {
  GetSecretValue: 'read',
  PutSecretValue: 'write',
  UpdateSecret: 'write',
};

async function secretKeyUse(
  call: CallInfo,
  lookups: ResourceLookups,
  secretArn: string,
  kmsKeyId: string | undefined,
  use: 'read' | 'write',
): Promise<Authorization[]> {
  // The AWS managed key aws/secretsmanager lets every principal of the account use it through
  // Secrets Manager: only customer keys are checked.
  if (!kmsKeyId || /alias\/aws\/secretsmanager$/.test(kmsKeyId)) return [];
  if (
    use === 'write' &&
    call.operation === 'UpdateSecret' &&
    call.params.SecretString === undefined &&
    call.params.SecretBinary === undefined
  ) {
    return [];
  }
  const keyArn = (await lookups.keyArn(kmsKeyId, call.region)) ?? kmsKeyId;
  const context: ContextValues = {
    'kms:ViaService': `secretsmanager.${call.region}.amazonaws.com`,
    'kms:CallerAccount': call.account,
    'kms:EncryptionContext:SecretARN': secretArn,
    'kms:EncryptionContextKeys': ['SecretARN', 'SecretVersionId'],
  };
  const actions = use === 'read' ? ['kms:Decrypt'] : ['kms:GenerateDataKey'];
  return actions.map((action) => ({
    action,
    resource: keyArn,
    resourceAccount: arnParts(keyArn).account || call.account,
    context,
  }));
}

/**
 * The key a moto ciphertext was made with: its first 36 bytes are the key id (moto's own
 * format; AWS's blob names its key too, which is why Decrypt needs no KeyId).
 */
function keyOfCiphertext(blob: unknown): string | undefined {
  if (typeof blob !== 'string') return undefined;
  const id = Buffer.from(blob, 'base64').subarray(0, 36).toString('latin1');
  return /^[0-9a-f-]{36}$/.test(id) ? id : undefined;
}

export const kms: Resolver = async (call, lookups) => {
  const keyId =
    str(call.params.KeyId) ??
    str(call.params.TargetKeyId) ??
    keyOfCiphertext(call.params.CiphertextBlob);
  const arns: Record<string, string> = {};
  const alias = str(call.params.AliasName);
  if (alias) arns.alias = `arn:aws:kms:${call.region}:${call.account}:${alias}`;
  if (keyId) {
    const arn = await lookups.keyArn(keyId, call.region);
    if (arn) arns.key = arn;
  }
  const context: ContextValues = { 'kms:CallerAccount': call.account };
  const encryptionContext = call.params.EncryptionContext;
  if (encryptionContext && typeof encryptionContext === 'object') {
    for (const [key, value] of Object.entries(encryptionContext as Record<string, unknown>)) {
      if (typeof value === 'string') context[`kms:EncryptionContext:${key}`] = value;
    }
    context['kms:EncryptionContextKeys'] = Object.keys(encryptionContext);
  }
  return { arns, context: { ...context, ...tagContext(requestTags(call.params)) } };
};
