// serverless plugin (serverless.yml `plugins`): the code of the members' rotation functions
// (resources/member-code.yml, docs/organization.md). CommonJS: the framework loads plugins
// with require().
//
// - Package (`serverless package`, and the package `serverless deploy` makes): the member
//   rotation StackSet's RotateCodeKey and RotateNowCodeKey become `member-code/<sha256 of the zip>.zip`,
//   so a StackSet update with new code names a new object, and a member's function never runs
//   bytes other than the ones its template names.
// - Deploy: before the stack update (the bucket exists from an earlier deploy) and after it (a
//   first deploy creates the bucket), each zip is written to the code bucket with
//   `If-None-Match: *` and `ExpectedBucketOwner` (this stack's account). An object already at
//   the key is never replaced: its bytes must hash to the key, or the deploy fails (a
//   different object under a content key is an attack or a corruption, not something to fix
//   by overwriting it).
const { createHash } = require('node:crypto');
const { readFileSync } = require('node:fs');
const { isAbsolute, join } = require('node:path');

const FUNCTIONS = { rotate: 'RotateCodeKey', rotateNow: 'RotateNowCodeKey' };
const PREFIX = 'member-code/';

/** `member-code/<hex sha256>.zip` of a zip's bytes. */
function codeKey(bytes) {
  return `${PREFIX}${createHash('sha256').update(bytes).digest('hex')}.zip`;
}

class MemberCodePlugin {
  constructor(serverless, _options, { log } = {}) {
    this.serverless = serverless;
    this.provider = serverless.getProvider('aws');
    this.log = log ?? { notice: () => undefined, info: () => undefined };
    this.hooks = {
      'after:aws:package:finalize:mergeCustomProviderResources': () => this.setCodeKeys(),
      'before:aws:deploy:deploy:updateStack': () => this.upload(),
      'after:aws:deploy:deploy:updateStack': () => this.upload(),
    };
    /** Keys written or checked in this run: the second hook has nothing more to do for them. */
    this.stored = new Set();
  }

  /** The zip of each rotation function, with its key (read and hashed once per run). */
  artifacts() {
    this.read ??= this.readArtifacts();
    return this.read;
  }

  readArtifacts() {
    const root = this.serverless.serviceDir ?? this.serverless.config.servicePath;
    return Object.entries(FUNCTIONS).map(([name, parameter]) => {
      const artifact = this.serverless.service.getFunction(name).package?.artifact;
      if (!artifact) throw new Error(`member code: no package artifact for ${name}`);
      const path = isAbsolute(artifact) ? artifact : join(root, artifact);
      const bytes = readFileSync(path);
      return { name, parameter, bytes, key: codeKey(bytes) };
    });
  }

  setCodeKeys() {
    const template = this.serverless.service.provider.compiledCloudFormationTemplate;
    const stackSet = template.Resources?.MemberRotationStackSet;
    if (!stackSet) return;
    const keys = Object.fromEntries(this.artifacts().map((a) => [a.parameter, a.key]));
    for (const parameter of stackSet.Properties.Parameters) {
      if (Object.hasOwn(keys, parameter.ParameterKey)) {
        parameter.ParameterValue = keys[parameter.ParameterKey];
      }
    }
  }

  async codeBucket() {
    const {
      CloudFormationClient,
      DescribeStacksCommand,
    } = require('@aws-sdk/client-cloudformation');
    const cloudformation = new CloudFormationClient(await this.provider.getAwsSdkV3Config());
    const stackName = this.provider.naming.getStackName();
    const described = await cloudformation
      .send(new DescribeStacksCommand({ StackName: stackName }))
      .catch(() => undefined);
    const stack = described?.Stacks?.[0];
    const bucket = stack?.Outputs?.find((o) => o.OutputKey === 'MemberCodeBucketName');
    if (!bucket?.OutputValue) return undefined;
    // The stack's own account: arn:<partition>:cloudformation:<region>:<account>:stack/…
    const owner = String(stack.StackId ?? '').split(':')[4];
    return { name: bucket.OutputValue, owner };
  }

  async upload() {
    const template = this.serverless.service.provider.compiledCloudFormationTemplate;
    if (!template?.Resources?.MemberRotationStackSet) return;
    const pending = this.artifacts().filter((a) => !this.stored.has(a.key));
    if (pending.length === 0) return;
    // No bucket yet (a first deploy, before the stack update), or the StackSet's condition is
    // off (no organization units): nothing to upload now.
    const bucket = await this.codeBucket();
    if (!bucket) return;
    const { S3Client, PutObjectCommand, GetObjectCommand } = require('@aws-sdk/client-s3');
    const s3 = new S3Client(await this.provider.getAwsSdkV3Config());
    for (const artifact of pending) {
      const checksum = createHash('sha256').update(artifact.bytes).digest('base64');
      const written = await s3
        .send(
          new PutObjectCommand({
            Bucket: bucket.name,
            Key: artifact.key,
            Body: artifact.bytes,
            ExpectedBucketOwner: bucket.owner,
            IfNoneMatch: '*',
            ServerSideEncryption: 'AES256',
            ChecksumSHA256: checksum,
            ContentType: 'application/zip',
          }),
        )
        .then(
          () => true,
          (error) => {
            const status = error?.$metadata?.httpStatusCode;
            if (status === 412 || error?.name === 'PreconditionFailed') return false;
            throw error;
          },
        );
      if (!written) {
        // The bytes themselves, not a stored checksum (an object written without one has none).
        const got = await s3.send(
          new GetObjectCommand({
            Bucket: bucket.name,
            Key: artifact.key,
            ExpectedBucketOwner: bucket.owner,
          }),
        );
        const stored = Buffer.from(await got.Body.transformToByteArray());
        if (createHash('sha256').update(stored).digest('base64') !== checksum) {
          throw new Error(
            `member code: ${artifact.key} in ${bucket.name} is not the ${artifact.name} zip it is named for; it was left as it is`,
          );
        }
      }
      this.stored.add(artifact.key);
      this.log.info(`member code: ${artifact.name} at s3://${bucket.name}/${artifact.key}`);
    }
  }
}

module.exports = MemberCodePlugin;
module.exports.codeKey = codeKey;
