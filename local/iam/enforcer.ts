/**
 * IAM, as the local stack enforces it: each API call reaching the front is evaluated with the
 * caller's identity policies and boundary, the resource's own policy (key policies with KMS's
 * rules, trust policies for AssumeRole) and the condition keys AWS sets, by
 * `@cloud-copilot/iam-simulate`. That evaluator is AGPL-3.0: it lives here, in the local
 * stack, and never in a shipped bundle (test/unit/local/bundleLicense.test.ts checks).
 * TEST/DEMO COMPONENT — local stack only.
 */
import { getDenialReasons, runSimulation } from '@cloud-copilot/iam-simulate';
import type { UserIdentity } from '../standin/cloudtrail/identity.js';
import { withEncryptionContextDecided } from './encryptionContext.js';
import {
  ADMIN_ACCESS_KEY,
  NO_CONTROL_POLICIES,
  type ControlPolicies,
  type NamedPolicy,
  type PrincipalPolicies,
} from './policies.js';
import {
  authorizationsFor,
  Refused,
  Unclassifiable,
  type Authorization,
  type CallInfo,
  type ContextValues,
  type ResourceLookups,
} from './resources.js';

/** Where the enforcer reads policies (moto's IAM and resources; a table in unit tests). */
export interface PolicySource {
  principalPolicies(principalArn: string): Promise<PrincipalPolicies>;
  resourcePolicy(action: string, resource: string): Promise<unknown>;
  /** Name → ARN lookups in an account (the caller's: where a bare name lives). */
  lookups(account?: string): ResourceLookups;
  /**
   * The organization's SCPs and RCPs that apply to an account (root first, the account's own
   * last); none outside an organization and for its management account, as on AWS.
   */
  controlPolicies?(account: string): Promise<ControlPolicies>;
  /** The organization an account belongs to (none outside the stack's organization). */
  organizationOf?(account: string): Promise<string | undefined>;
}

/** Who calls, as IAM sees it. */
export interface Caller {
  /** What the simulator calls the principal: session ARN, user ARN or service principal. */
  principal: string;
  /** `aws:PrincipalArn`: the role (not the session) or the user. */
  principalArn: string;
  account: string;
  kind: 'admin' | 'role' | 'user' | 'service' | 'unknown';
  /** For a service acting for a resource: `aws:SourceArn` / `aws:SourceAccount`. */
  source?: { arn: string; account: string };
  /**
   * The service principal that makes this call with the caller's rights (a forward access
   * session): `aws:ViaAWSService` is true and `aws:CalledVia` names it.
   */
  via?: string;
}

export interface Decision {
  allowed: boolean;
  /** The authorization that failed (undefined when allowed or unclassifiable). */
  failed?: Authorization;
  /** AWS-style reason, e.g. "with an explicit deny in a resource-based policy". */
  reason: string;
  /** Decisive statements, for the log and for tests that explain themselves. */
  decisive: string[];
}

/** moto's default caller: the account admin the tests and the demo set up with. */
const ADMIN_ARN = /^arn:aws:iam::\d{12}:user\/moto$/;

const ADMIN_POLICY: NamedPolicy = {
  name: 'local-stack-admin (AdministratorAccess)',
  policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
};

/**
 * Who calls, from the identity moto resolved for the access key. moto answers `user/moto` for
 * any key it did not issue: only the stack's own admin key (`testing`) is the admin; another
 * unknown key is nobody.
 */
export function callerOf(identity: UserIdentity): Caller {
  const account = identity.accountId ?? '123456789012';
  if (identity.type === 'AssumedRole' && identity.arn && identity.sessionContext) {
    return {
      principal: identity.arn,
      principalArn: identity.sessionContext.sessionIssuer.arn,
      account,
      kind: 'role',
    };
  }
  if (identity.type === 'Root' && identity.arn) {
    return { principal: identity.arn, principalArn: identity.arn, account, kind: 'admin' };
  }
  if (identity.type === 'IAMUser' && identity.arn) {
    return {
      principal: identity.arn,
      principalArn: identity.arn,
      account,
      kind: ADMIN_ARN.test(identity.arn)
        ? identity.accessKeyId === undefined || identity.accessKeyId === ADMIN_ACCESS_KEY
          ? 'admin'
          : 'unknown'
        : 'user',
    };
  }
  return {
    principal: identity.arn ?? 'unknown',
    principalArn: identity.arn ?? 'unknown',
    account,
    kind: 'unknown',
  };
}

/** A service principal acting for a resource (AgentCore Identity reading a secret, …). */
export function serviceCaller(service: string, source: { arn: string; account: string }): Caller {
  return {
    principal: service,
    principalArn: service,
    account: source.account,
    kind: 'service',
    source,
  };
}

export class IamEnforcer {
  /** Allowed authorizations, per version of the policies that decided them. */
  private readonly allowed = new AllowedDecisions();

  constructor(private readonly store: PolicySource) {}

  /** Evaluates every authorization the call needs; the first refused one decides. */
  async decide(caller: Caller, call: CallInfo, sourceIp = '127.0.0.1'): Promise<Decision> {
    // GetCallerIdentity needs no permission on AWS either.
    if (call.signingName === 'sts' && call.operation === 'GetCallerIdentity') {
      return { allowed: true, reason: 'always allowed', decisive: [] };
    }
    if (caller.kind === 'unknown') {
      return {
        allowed: false,
        reason: 'the caller is no principal the local stack knows',
        decisive: [],
      };
    }
    let authorizations: Authorization[];
    try {
      authorizations = await authorizationsFor(
        { ...call, account: call.account },
        this.store.lookups(call.account),
      );
    } catch (error) {
      if (error instanceof Unclassifiable) {
        return { allowed: false, reason: `unclassifiable request: ${error.message}`, decisive: [] };
      }
      if (error instanceof Refused) return { allowed: false, reason: error.message, decisive: [] };
      throw error;
    }
    for (const authorization of authorizations) {
      const decision = await this.authorize(caller, authorization, sourceIp);
      if (!decision.allowed) return decision;
    }
    return { allowed: true, reason: 'allowed', decisive: [] };
  }

  /** One authorization, as IAM evaluates it. */
  async authorize(
    caller: Caller,
    authorization: Authorization,
    sourceIp = '127.0.0.1',
  ): Promise<Decision> {
    const context: ContextValues = {
      ...principalContext(caller, sourceIp),
      ...(await this.organizationContext(caller, authorization)),
      ...authorization.context,
    };
    // The evaluator drops encryption-context keys: their conditions are decided here.
    const held = await this.identityPolicies(caller);
    const ownPolicy =
      authorization.resource === '*'
        ? undefined
        : await this.store.resourcePolicy(authorization.action, authorization.resource);
    // A role is assumed only through its trust policy: no role, nothing trusts the caller
    // (the identity policy alone never suffices, even within the account).
    if (ownPolicy === undefined && authorization.action.startsWith('sts:AssumeRole'))
      return {
        allowed: false,
        failed: authorization,
        reason: 'because no role of that name trusts the caller (it does not exist)',
        decisive: [],
      };
    // SCPs bind the caller's account, RCPs the resource's; AWS service principals are bound by
    // neither, and the management account by neither (the store returns none for it).
    const control =
      caller.kind === 'service' ? undefined : this.store.controlPolicies?.bind(this.store);
    const scps = control ? await control(caller.account) : NO_CONTROL_POLICIES;
    const rcps =
      control && authorization.resourceAccount
        ? await control(authorization.resourceAccount)
        : NO_CONTROL_POLICIES;
    const remembered = this.allowed.lookup(held, ownPolicy, caller, authorization, {
      ...context,
      'gatewarden:controlPolicies': `${scps.version}|${rcps.version}`,
    });
    if (remembered.hit) return { allowed: true, reason: 'allowed', decisive: [] };
    const identity = {
      ...held,
      identity: held.identity.map((named) => ({
        ...named,
        policy: withEncryptionContextDecided(named.policy, context),
      })),
    };
    const resourcePolicy = withEncryptionContextDecided(ownPolicy, context);
    const result = await runSimulation(
      {
        request: {
          principal: caller.principal,
          action: authorization.action,
          resource: { resource: authorization.resource, accountId: authorization.resourceAccount },
          contextVariables: context,
        },
        identityPolicies: identity.identity,
        serviceControlPolicies: scps.scps,
        resourceControlPolicies: rcps.rcps,
        ...(resourcePolicy ? { resourcePolicy } : {}),
        ...(identity.boundary ? { permissionBoundaryPolicies: [identity.boundary] } : {}),
      },
      {},
    ).catch((error: unknown) => ({
      resultType: 'error' as const,
      errors: { message: error instanceof Error ? error.message : String(error) },
    }));
    if (result.resultType === 'error') {
      return {
        allowed: false,
        failed: authorization,
        reason: `the request cannot be evaluated: ${JSON.stringify(result.errors).slice(0, 400)}`,
        decisive: [],
      };
    }
    if (result.overallResult === 'Allowed') {
      remembered.remember();
      return { allowed: true, reason: 'allowed', decisive: [] };
    }
    const analysis = result.resultType === 'single' ? result.result.analysis : undefined;
    const denials = analysis ? getDenialReasons(analysis) : [];
    return {
      allowed: false,
      failed: authorization,
      reason: reasonOf(result.overallResult, authorization.action, denials),
      decisive: denials.map((denial) => JSON.stringify(denial)),
    };
  }

  /**
   * `aws:PrincipalOrgID` (the caller's account's organization; none for a service principal)
   * and `aws:ResourceOrgID` (the resource's account's), set only for accounts of the stack's
   * organization, as AWS sets them.
   */
  private async organizationContext(
    caller: Caller,
    authorization: Authorization,
  ): Promise<ContextValues> {
    const organizationOf = this.store.organizationOf?.bind(this.store);
    if (!organizationOf) return {};
    const principalOrg =
      caller.kind === 'service' || !caller.account
        ? undefined
        : await organizationOf(caller.account);
    const resourceOrg = authorization.resourceAccount
      ? await organizationOf(authorization.resourceAccount)
      : undefined;
    return {
      ...(principalOrg ? { 'aws:PrincipalOrgID': principalOrg } : {}),
      ...(resourceOrg ? { 'aws:ResourceOrgID': resourceOrg } : {}),
    };
  }

  private async identityPolicies(caller: Caller) {
    if (caller.kind === 'admin') return ADMIN_POLICIES;
    if (caller.kind === 'service') return SERVICE_POLICIES;
    return this.store.principalPolicies(caller.principalArn);
  }
}

function principalContext(caller: Caller, sourceIp: string): ContextValues {
  const now = new Date();
  const context: ContextValues = {
    'aws:CurrentTime': now.toISOString(),
    'aws:EpochTime': String(Math.floor(now.getTime() / 1000)),
    'aws:SecureTransport': 'true',
  };
  if (caller.kind === 'service') {
    return {
      ...context,
      'aws:PrincipalServiceName': caller.principal,
      'aws:PrincipalIsAWSService': 'true',
      ...(caller.source
        ? { 'aws:SourceArn': caller.source.arn, 'aws:SourceAccount': caller.source.account }
        : {}),
    };
  }
  return {
    ...context,
    'aws:PrincipalArn': caller.principalArn,
    'aws:PrincipalAccount': caller.account,
    'aws:PrincipalIsAWSService': 'false',
    'aws:ViaAWSService': caller.via ? 'true' : 'false',
    ...(caller.via
      ? {
          'aws:CalledVia': [caller.via],
          'aws:CalledViaFirst': caller.via,
          'aws:CalledViaLast': caller.via,
        }
      : {}),
    'aws:SourceIp': sourceIp,
    'aws:PrincipalType': caller.kind === 'role' ? 'AssumedRole' : 'User',
  };
}

/** The "because …" AWS writes in its AccessDenied messages. */
function reasonOf(overall: string, action: string, denials: unknown[]): string {
  const text = JSON.stringify(denials);
  // Organizations' control policies first: they decide before any policy of the account.
  if (/"policyType":"scp"/.test(text))
    return overall === 'ExplicitlyDenied'
      ? 'with an explicit deny in a service control policy'
      : `no service control policy allows the ${action} action`;
  if (/"policyType":"rcp"/.test(text))
    return overall === 'ExplicitlyDenied'
      ? 'with an explicit deny in a resource control policy'
      : `no resource control policy allows the ${action} action`;
  if (overall === 'ExplicitlyDenied') {
    if (/"type":"resource"|"policyType":"resource"/i.test(text))
      return 'with an explicit deny in a resource-based policy';
    if (/boundary/i.test(text)) return 'with an explicit deny in a permissions boundary';
    return 'with an explicit deny in an identity-based policy';
  }
  if (/boundary/i.test(text)) return `no permissions boundary allows the ${action} action`;
  if (/"type":"resource"|"policyType":"resource"/i.test(text) && !/identity/i.test(text)) {
    return `no resource-based policy allows the ${action} action`;
  }
  return `no identity-based policy allows the ${action} action`;
}

const ADMIN_POLICIES: PrincipalPolicies = { identity: [ADMIN_POLICY] };
const SERVICE_POLICIES: PrincipalPolicies = { identity: [] };

/** Context keys that change with every call: a decision may be reused only when no policy reads them. */
const CLOCK_KEYS = ['aws:CurrentTime', 'aws:EpochTime'];
const MAX_REMEMBERED = 2_000;

/**
 * The evaluator spends most of a call's time on the same work each time (matching the resource
 * against the action's resource types, parsing the policies). An allowed authorization is
 * remembered against the exact policy objects that decided it: the store hands out the same
 * object until a write that may change it makes it re-read (`MotoPolicyStore.invalidate`), so a
 * changed policy is a new object and nothing remembered about the old one applies. The rest of
 * the key is everything else the evaluator sees (principal, action, resource, its account and
 * the whole request context), the clock keys included when a policy reads them. Refusals are
 * always evaluated afresh (they carry their decisive statements).
 */
class AllowedDecisions {
  private byPolicies = new WeakMap<object, WeakMap<object, Set<string>>>();
  private readonly clockFree = new WeakMap<object, boolean>();
  private readonly noResourcePolicy = {};
  private size = 0;

  lookup(
    identity: PrincipalPolicies,
    resourcePolicy: unknown,
    caller: Caller,
    authorization: Authorization,
    context: ContextValues,
  ): { hit: boolean; remember: () => void } {
    const own =
      resourcePolicy !== null && typeof resourcePolicy === 'object'
        ? resourcePolicy
        : resourcePolicy === undefined
          ? this.noResourcePolicy
          : undefined;
    if (own === undefined) return { hit: false, remember: () => undefined };
    const readsClock = !this.isClockFree(identity) || !this.isClockFree(own);
    const key = JSON.stringify([
      caller.principal,
      caller.principalArn,
      authorization.action,
      authorization.resource,
      authorization.resourceAccount,
      Object.entries(context)
        .filter(([name]) => readsClock || !CLOCK_KEYS.includes(name))
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    ]);
    const seen = this.byPolicies.get(identity)?.get(own);
    return {
      hit: seen?.has(key) ?? false,
      remember: () => {
        if (this.size >= MAX_REMEMBERED) {
          // WeakMaps cannot be cleared: a fresh generation replaces them.
          this.byPolicies = new WeakMap();
          this.size = 0;
        }
        let forIdentity = this.byPolicies.get(identity);
        if (!forIdentity) {
          forIdentity = new WeakMap();
          this.byPolicies.set(identity, forIdentity);
        }
        let keys = forIdentity.get(own);
        if (!keys) {
          keys = new Set();
          forIdentity.set(own, keys);
        }
        if (!keys.has(key)) {
          keys.add(key);
          this.size++;
        }
      },
    };
  }

  /** Whether no policy in `value` names a clock key (IAM compares condition keys case-blind). */
  private isClockFree(value: object): boolean {
    let free = this.clockFree.get(value);
    if (free === undefined) {
      const text = JSON.stringify(value).toLowerCase();
      free = !CLOCK_KEYS.some((name) => text.includes(name.toLowerCase()));
      this.clockFree.set(value, free);
    }
    return free;
  }
}
