import type { RegistrationState } from '../stateTrackers.js';
import { tagKeysOf } from '../stateTrackers.js';
import type { Rule, RuleMatch } from '../types.js';
import { changeOf, shown } from './lastState.js';
import { AGENTCORE, failed, param, principalOf, str, strings, timeOf } from './support.js';
import { isRotator } from './expectedReaders.js';

/** The tags that steer gatewarden: `gatewarden:rotated` opens a resource to the rotate role. */
const PREFIX = 'gatewarden:';
const ROTATED = 'gatewarden:rotated';

/** How long after `gatewarden register` created its secret its own tagging is expected. */
const REGISTRATION_MS = 15 * 60_000;

const PROVIDER = /:token-vault\/[^/]+\/(apikey|oauth2)credentialprovider\/|:userpool\//i;

/**
 * Model: AgentCore TagResource `{ resourceArn, tags: { key: value } }`, UntagResource
 * `{ resourceArn, tagKeys }`. The rotate role may update only credential providers
 * and user pools tagged `gatewarden:rotated=true` (resources/role-rotate.yml); the sweep and
 * on-demand rotation act on secrets tagged `gatewarden:kind`/`gatewarden:gateway`.
 */
export const rotationTagWidened: Rule = {
  id: 'rotation-tag-widened',
  title: 'gatewarden tag added outside registration',
  severity: 'high',
  mitre: { tactic: 'Privilege Escalation', technique: 'T1098 Account Manipulation' },
  description:
    'A `gatewarden:` tag was added to an AgentCore resource by someone other than the rotator, outside a `gatewarden register` run (a gatewarden secret created by the same principal in the previous 15 minutes): the tags decide what the rotator may update, so this widens its reach to a resource that is not registered. High for `gatewarden:rotated` on a credential provider; medium for another gatewarden tag or resource; low inside a registration. Removing such a tag is low.',
  runbook:
    'Check whether the resource was registered (`gatewarden list`); if not, remove the tag (UntagResource) and find out who added it and why.',
  events: { sources: [AGENTCORE], names: ['TagResource', 'UntagResource'] },
  lastState: true,
  reads: ['requestParameters.resourceArn', 'requestParameters.tags', 'requestParameters.tagKeys'],
  dedup: {
    key: (r) => `${str(param(r, 'resourceArn')) ?? ''}|${r.eventName}`,
    windowSeconds: 3600,
  },
  evaluate(record, context): RuleMatch | undefined {
    if (failed(record) || isRotator(record, context)) return undefined;
    const resource = str(param(record, 'resourceArn'));
    if (resource === undefined) return undefined;
    const who = principalOf(record);
    if (record.eventName === 'UntagResource') {
      const removed = strings(param(record, 'tagKeys')).filter((k) => k.startsWith(PREFIX));
      if (removed.length === 0) return undefined;
      return {
        severity: 'low',
        summary: `tag ${shown(removed.join(', '))} removed from ${shown(resource)} by ${who}`,
        resource,
        details: { tags: shown(removed.join(',')) },
      };
    }
    const added = tagKeysOf(param(record, 'tags')).filter((k) => k.startsWith(PREFIX));
    if (added.length === 0) return undefined;
    const registration = changeOf<RegistrationState>(record, context, 'registration')?.previous;
    const registering =
      registration !== undefined &&
      registration !== null &&
      timeOf(record) - registration.atMs <= REGISTRATION_MS &&
      timeOf(record) >= registration.atMs;
    const reach = added.includes(ROTATED) && PROVIDER.test(resource);
    const severity = registering ? 'low' : reach ? 'high' : 'medium';
    return {
      severity,
      summary: `tag ${shown(added.join(', '))} added to ${shown(resource)}${registering ? ' during a gatewarden registration' : ' outside a gatewarden registration'} by ${who}`,
      resource,
      details: { tags: shown(added.join(',')), registration: registering },
      facts: added.slice(0, 4).map((k) => `tag=${k}`),
    };
  },
};
