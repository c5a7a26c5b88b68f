/**
 * The front's IAM gate: every AWS API call is decided before a stand-in route or moto sees it.
 * A refused call gets the service's own AccessDenied error in its wire format; each refusal is
 * logged with its decisive statements and kept (`GET /_gatewarden/iam/denials`) so a failing
 * test can say why. `GATEWARDEN_LOCAL_IAM=off` (debugging only) turns the gate off.
 * TEST/DEMO COMPONENT — local stack only.
 */
import { randomUUID } from 'node:crypto';
import type { FrontRequest, ServiceCall } from '../standin/context.js';
import type { StandinResponse } from '../standin/http.js';
import type { UserIdentity } from '../standin/cloudtrail/identity.js';
import { isReadOnly, writesDataOnly } from './actions.js';
import { callerOf, IamEnforcer, serviceCaller, type Caller, type Decision } from './enforcer.js';
import { MotoPolicyStore } from './policies.js';
import { policyReadOf, withTemplatePolicy } from './policyReads.js';

export interface Denial {
  at: string;
  /** False in audit mode: the call went on. */
  enforced: boolean;
  principal: string;
  service: string;
  operation: string;
  action?: string;
  resource?: string;
  reason: string;
  decisive: string[];
}

/** Cognito operations AWS serves to unsigned callers (the user-pool APIs of end users). */
const UNSIGNED_COGNITO = new Set([
  'InitiateAuth',
  'RespondToAuthChallenge',
  'SignUp',
  'ConfirmSignUp',
  'ForgotPassword',
  'ConfirmForgotPassword',
  'GetUser',
  'RevokeToken',
]);

const KEPT_DENIALS = 500;

/**
 * `enforce`: refused calls get AccessDenied. `audit`: every call is decided the same way, and a
 * call IAM would refuse is logged and listed as such but goes on (how a code path is moved onto
 * its role without breaking the rest).
 */
export type IamMode = 'enforce' | 'audit';

export class IamGate {
  readonly enforcer: IamEnforcer;
  readonly store: MotoPolicyStore;
  private readonly denials: Denial[] = [];

  constructor(
    readonly mode: IamMode,
    motoUrl: string,
    resourceTags: (arn: string) => Record<string, string>,
    private readonly resolveIdentity: (accessKeyId: string | undefined) => Promise<UserIdentity>,
    private readonly log: (line: string) => void,
  ) {
    this.store = new MotoPolicyStore(motoUrl, resourceTags);
    this.enforcer = new IamEnforcer(this.store);
  }

  /**
   * The denial answer for a refused call, or undefined when the call may go on. `toMoto`: no
   * stand-in route answers it (moto would, as the account admin, whatever the request says).
   */
  async check(request: FrontRequest, toMoto = true): Promise<StandinResponse | undefined> {
    try {
      const denied = await this.decide(request, toMoto);
      return this.mode === 'enforce' ? denied : undefined;
    } catch (error) {
      // Fails closed: a call the gate cannot decide is refused (in audit mode, logged).
      const reason = `the local IAM gate failed: ${error instanceof Error ? error.message : String(error)}`;
      const refused = this.refuse(
        request,
        { kind: 'unknown', principal: 'unresolved', principalArn: 'unresolved', account: '' },
        { allowed: false, reason, decisive: [] },
      );
      return this.mode === 'enforce' ? refused : undefined;
    }
  }

  private async decide(
    request: FrontRequest,
    toMoto: boolean,
  ): Promise<StandinResponse | undefined> {
    const { service, operation } = request.aws;
    if (request.aws.malformed) {
      // One request, two readings (the front's and moto's): AWS refuses a malformed signature.
      const message = this.remember(
        { kind: 'unknown', principal: 'unresolved', principalArn: 'unresolved', account: '' },
        {
          service: service ?? 'unknown',
          operation: operation ?? `${request.method} ${request.path}`,
        },
        { allowed: false, reason: request.aws.malformed, decisive: [] },
      );
      return malformedAuthorization(request, message);
    }
    if (!service) {
      // Not an AWS API call the front can name: a stand-in's own endpoint (OAuth token, admin)
      // or moto's admin API may go on; anything else would reach moto unauthenticated.
      if (!toMoto || request.path.startsWith('/moto-api/')) return undefined;
      return this.refuse(
        request,
        { kind: 'unknown', principal: 'anonymous', principalArn: 'anonymous', account: '' },
        {
          allowed: false,
          reason:
            'the request names no AWS service the local stack can authorize (unsigned or unreadable signature)',
          decisive: [],
        },
      );
    }
    if (!request.aws.accessKeyId) {
      if (service === 'cognito-idp' && operation && UNSIGNED_COGNITO.has(operation))
        return undefined;
      return this.refuse(
        request,
        { kind: 'unknown', principal: 'anonymous', principalArn: 'anonymous', account: '' },
        {
          allowed: false,
          reason: 'the request is not signed',
          decisive: [],
        },
      );
    }
    const caller = callerOf(await this.resolveIdentity(request.aws.accessKeyId));
    if (!operation) {
      return this.refuse(request, caller, {
        allowed: false,
        reason: `unclassifiable request: no ${service} operation matches ${request.method} ${request.path}`,
        decisive: [],
      });
    }
    const decision = await this.enforcer.decide(
      caller,
      {
        signingName: service,
        operation,
        region: request.aws.region,
        account: caller.account,
        params: request.aws.params,
        labels: request.aws.labels,
      },
      request.sourceIp,
    );
    return decision.allowed ? undefined : this.refuse(request, caller, decision);
  }

  /**
   * The answer the caller gets for a call that went through. A read of a policy moto's
   * CloudFormation dropped answers the template's (`policyReads.ts`). `BatchGetSecretValue` is
   * authorized as `GetSecretValue` on each secret it returns (its key use included): a secret
   * the caller may not read goes from `SecretValues` to `Errors`, as AWS answers.
   */
  async answered(request: FrontRequest, response: StandinResponse): Promise<StandinResponse> {
    const { service, operation, accessKeyId } = request.aws;
    if (!accessKeyId) return response;
    const caller = callerOf(await this.resolveIdentity(accessKeyId));
    const policyOf = policyReadOf(request, caller.account);
    if (policyOf) {
      return withTemplatePolicy(request, response, await this.store.templatePolicy(policyOf));
    }
    if (
      service !== 'secretsmanager' ||
      operation !== 'BatchGetSecretValue' ||
      response.status !== 200
    ) {
      return response;
    }
    const body = JSON.parse(String(response.body)) as {
      SecretValues?: Array<{ ARN?: string; Name?: string }>;
      Errors?: Array<Record<string, string>>;
    };
    const kept: typeof body.SecretValues = [];
    const errors = [...(body.Errors ?? [])];
    for (const value of body.SecretValues ?? []) {
      const secretId = value.ARN ?? value.Name ?? '';
      const decision = await this.enforcer
        .decide(caller, {
          signingName: 'secretsmanager',
          operation: 'GetSecretValue',
          region: request.aws.region,
          account: caller.account,
          params: { SecretId: secretId },
          labels: {},
        })
        .catch((error: unknown): Decision => ({
          allowed: false,
          reason: `the local IAM gate failed: ${error instanceof Error ? error.message : String(error)}`,
          decisive: [],
        }));
      if (decision.allowed) {
        kept.push(value);
        continue;
      }
      const message = this.remember(caller, { service, operation }, decision);
      if (this.mode !== 'enforce') {
        kept.push(value);
        continue;
      }
      errors.push({ SecretId: secretId, ErrorCode: 'AccessDeniedException', Message: message });
    }
    return {
      ...response,
      body: JSON.stringify({ ...body, SecretValues: kept, Errors: errors }),
    };
  }

  /** After a call went through: anything that may have changed a policy, tag or key is re-read. */
  called(request: FrontRequest, status: number): void {
    const operation = request.aws.operation;
    if (
      status < 400 &&
      operation &&
      !isReadOnly(operation) &&
      !writesDataOnly(request.aws.service, operation)
    ) {
      this.store.invalidate(request.aws.service);
    }
  }

  /**
   * The local stack's own `POST /_gatewarden/lambda/credentials`: a role session of a function
   * for a signed caller who could run code as that role on AWS (`lambda:UpdateFunctionCode` on
   * the function), never for whoever asks.
   */
  async lambdaCredentialsFor(
    request: FrontRequest,
    functionName: string,
    region?: string,
  ): ReturnType<IamGate['lambdaCredentials']> {
    if (request.aws.malformed) return { ok: false, reason: request.aws.malformed };
    if (!request.aws.accessKeyId) return { ok: false, reason: 'the request is not signed' };
    const caller = callerOf(await this.resolveIdentity(request.aws.accessKeyId));
    const decision = await this.enforcer.decide(caller, {
      signingName: 'lambda',
      operation: 'UpdateFunctionCode',
      region: region ?? request.aws.region,
      account: caller.account,
      params: { FunctionName: functionName },
      labels: {},
    });
    if (!decision.allowed) {
      const message = this.remember(
        caller,
        { service: 'lambda', operation: 'GetFunctionRoleCredentials' },
        decision,
      );
      if (this.mode === 'enforce') return { ok: false, reason: message };
    }
    return this.lambdaCredentials(functionName, region, caller.account);
  }

  /**
   * Credentials of a function's execution role, obtained as Lambda obtains them: the role's
   * trust policy must let `lambda.amazonaws.com` assume it for that function (evaluated like
   * any other call), then STS issues a session named after the function.
   */
  lambdaCredentials(
    functionName: string,
    region = 'us-east-1',
    /** The caller's account: a function name is looked up there, as Lambda does. */
    account?: string,
  ): Promise<LambdaCredentialsAnswer> {
    return functionRoleCredentials(
      this.store,
      functionName,
      region,
      async (functionArn, roleArn) => {
        const account = functionArn.split(':')[4] ?? '';
        const decision = await this.enforcer.authorize(
          serviceCaller('lambda.amazonaws.com', { arn: functionArn, account }),
          { action: 'sts:AssumeRole', resource: roleArn, resourceAccount: account, context: {} },
        );
        return decision.allowed
          ? undefined
          : `lambda.amazonaws.com may not assume ${roleArn}: ${decision.reason}`;
      },
      account,
    );
  }

  /**
   * A call a service makes as its own principal for a resource (a stand-in route reading an
   * EXTERNAL secret as AgentCore Identity): decided like any call, with `aws:SourceArn` and
   * `aws:SourceAccount` of that resource. With `onBehalfOf`, a call the service makes with the
   * caller's rights (Identity writing a MANAGED secret): decided as that caller, with
   * `aws:ViaAWSService` and `aws:CalledVia`. The refusal's message, or undefined when it may go
   * on (always in audit mode, where the would-be denial is logged and listed).
   */
  async serviceCall(call: ServiceCall): Promise<string | undefined> {
    const source = { arn: call.sourceArn, account: call.sourceArn.split(':')[4] ?? '' };
    let caller: Caller = call.onBehalfOf
      ? { ...callerOf(await this.resolveIdentity(call.onBehalfOf)), via: call.service }
      : serviceCaller(call.service, source);
    const account = call.onBehalfOf ? caller.account : source.account;
    let decision: Decision;
    try {
      if (call.role) {
        // The service assumes the role first (its trust policy decides), then acts as it.
        const assume = await this.enforcer.authorize(caller, {
          action: 'sts:AssumeRole',
          resource: call.role,
          resourceAccount: call.role.split(':')[4] ?? account,
          context: {},
        });
        if (!assume.allowed) {
          const message = this.remember(
            caller,
            { service: 'sts', operation: 'AssumeRole' },
            assume,
          );
          return this.mode === 'enforce' ? `${message} (for ${call.sourceArn})` : undefined;
        }
        const session = await this.store.assumeRole(
          call.role,
          call.service.split('.')[0] ?? 'service',
        );
        caller = callerOf(await this.resolveIdentity(session.AccessKeyId));
      }
      decision = await this.enforcer.decide(caller, {
        signingName: call.signingName,
        operation: call.operation,
        region: call.region,
        account,
        params: call.params,
        labels: {},
      });
    } catch (error) {
      decision = {
        allowed: false,
        reason: `the local IAM gate failed: ${error instanceof Error ? error.message : String(error)}`,
        decisive: [],
      };
    }
    if (decision.allowed) return undefined;
    const message = this.remember(
      caller,
      { service: call.signingName, operation: call.operation },
      decision,
    );
    return this.mode === 'enforce' ? `${message} (for ${call.sourceArn})` : undefined;
  }

  recentDenials(): readonly Denial[] {
    return this.denials;
  }

  clearDenials(): void {
    this.denials.length = 0;
  }

  private refuse(request: FrontRequest, caller: Caller, decision: Decision): StandinResponse {
    const message = this.remember(
      caller,
      {
        service: request.aws.service ?? 'unknown',
        operation: request.aws.operation ?? `${request.method} ${request.path}`,
      },
      decision,
    );
    return accessDenied(request, message);
  }

  /** Keeps and logs a refusal; returns AWS's AccessDenied message for it. */
  private remember(
    caller: Caller,
    call: { service: string; operation: string },
    decision: Decision,
  ): string {
    const action = decision.failed?.action ?? `${call.service}:${call.operation}`;
    const resource = decision.failed?.resource;
    const denial: Denial = {
      at: new Date().toISOString(),
      enforced: this.mode === 'enforce',
      principal: caller.principal,
      service: call.service,
      operation: call.operation,
      action,
      ...(resource ? { resource } : {}),
      reason: decision.reason,
      decisive: decision.decisive,
    };
    this.denials.push(denial);
    if (this.denials.length > KEPT_DENIALS) this.denials.shift();
    this.log(
      `iam: ${this.mode === 'enforce' ? 'DENY' : 'AUDIT would deny'} ${caller.principal} ${action}${resource ? ` on ${resource}` : ''}: ${decision.reason}${decision.decisive.length ? ` [${decision.decisive.join('; ')}]` : ''}`,
    );
    return decision.failed
      ? `User: ${caller.principal} is not authorized to perform: ${action} on resource: ${resource ?? '*'} because ${decision.reason}`
      : `User: ${caller.principal} is not authorized to perform: ${action}: ${decision.reason}`;
  }
}

/** A malformed or ambiguous signature, refused in the wire format of the service called. */
export function malformedAuthorization(request: FrontRequest, message: string): StandinResponse {
  const requestId = randomUUID();
  const text = `Authorization refused: ${message}`;
  const xml = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  if (request.aws.service === 's3') {
    return {
      status: 400,
      headers: { 'content-type': 'application/xml', 'x-amz-request-id': requestId },
      body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AuthorizationHeaderMalformed</Code><Message>${xml}</Message><RequestId>${requestId}</RequestId></Error>`,
    };
  }
  if (request.aws.target || !request.aws.params.Action) {
    return {
      status: 400,
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amzn-requestid': requestId,
        'x-amzn-errortype': 'IncompleteSignatureException',
      },
      body: JSON.stringify({ __type: 'IncompleteSignatureException', message: text }),
    };
  }
  return {
    status: 400,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
    body: `<ErrorResponse><Error><Type>Sender</Type><Code>IncompleteSignature</Code><Message>${xml}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
  };
}

export type LambdaCredentialsAnswer =
  | {
      ok: true;
      credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string };
      roleArn: string;
      functionArn: string;
    }
  | { ok: false; reason: string };

/**
 * A session of the function's execution role from moto's STS. `refusal` decides whether Lambda
 * may assume the role (its trust policy; the message when not): the gate passes its own
 * evaluation; with `GATEWARDEN_LOCAL_IAM=off` nothing is evaluated, but functions still run as
 * their roles, so a run with the gate off differs from one with it on by enforcement only.
 */
export async function functionRoleCredentials(
  store: MotoPolicyStore,
  functionName: string,
  region: string,
  refusal: (functionArn: string, roleArn: string) => Promise<string | undefined> = async () =>
    undefined,
  account?: string,
): Promise<LambdaCredentialsAnswer> {
  const functionArn = await store.lookups(account).functionArn(functionName, region);
  if (!functionArn) return { ok: false, reason: `no function ${functionName} on the local stack` };
  const roleArn = await store.functionRole(functionArn);
  if (!roleArn) return { ok: false, reason: `function ${functionName} has no role` };
  const refused = await refusal(functionArn, roleArn);
  if (refused !== undefined) return { ok: false, reason: refused };
  const credentials = await store.assumeRole(roleArn, functionName);
  return { ok: true, credentials, roleArn, functionArn };
}

/** AccessDenied in the wire format of the service called. */
export function accessDenied(request: FrontRequest, message: string): StandinResponse {
  const requestId = randomUUID();
  const service = request.aws.service ?? '';
  if (request.aws.target) {
    const type = service === 'sqs' ? 'com.amazonaws.sqs#AccessDenied' : 'AccessDeniedException';
    return {
      status: 400,
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amzn-requestid': requestId,
        ...(service === 'sqs' ? { 'x-amzn-query-error': 'AccessDenied;Sender' } : {}),
      },
      body: JSON.stringify({ __type: type, message, Message: message }),
    };
  }
  const xml = (text: string) =>
    text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  if (service === 's3') {
    return {
      status: 403,
      headers: { 'content-type': 'application/xml', 'x-amz-request-id': requestId },
      body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>${xml(message)}</Message><RequestId>${requestId}</RequestId></Error>`,
    };
  }
  if (typeof request.aws.params.Action === 'string') {
    const code = service === 'sns' ? 'AuthorizationError' : 'AccessDenied';
    return {
      status: 403,
      headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
      body: `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${xml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
    };
  }
  return {
    status: 403,
    headers: {
      'content-type': 'application/json',
      'x-amzn-errortype': 'AccessDeniedException',
      'x-amzn-requestid': requestId,
    },
    body: JSON.stringify({ message, Message: message }),
  };
}
