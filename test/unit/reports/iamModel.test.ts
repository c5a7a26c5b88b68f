import { readFileSync } from 'node:fs';
import { ReportInputError } from '../../../lib/reports/errors.js';
import {
  principalKeyOfArn,
  snapshotFromAuthorizationDetails,
} from '../../../lib/reports/iamModel.js';

const details: unknown = JSON.parse(
  readFileSync(new URL('../../fixtures/iam/authorization-details.json', import.meta.url), 'utf8'),
);

describe('snapshotFromAuthorizationDetails (aws iam get-account-authorization-details)', () => {
  const snapshot = snapshotFromAuthorizationDetails(details);
  const byName = (name: string) => snapshot.principals.find((p) => p.name === name);

  it('reads roles and users with inline, managed and group policies', () => {
    expect(snapshot.principals.map((p) => `${p.type}:${p.name}`).sort()).toEqual([
      'role:AWSServiceRoleForSupport',
      'role:app-lambda',
      'role:billing-gateway-role',
      'role:break-glass',
      'role:gateway-admin',
      'role:orders-gateway-role',
      'user:alice',
      'user:ci-bot',
    ]);
    expect(byName('alice')?.policies).toEqual([
      expect.objectContaining({ kind: 'managed', name: 'GatewayReadOnly', viaGroup: 'platform' }),
    ]);
  });

  it('uses the default version of a managed policy, not the newest or the first', () => {
    const managed = byName('gateway-admin')?.policies.find((p) => p.name === 'GatewayManagement');
    // v1 in the fixture is an administrator document: reading it would be a grave mistake.
    expect(managed?.document.statements.map((s) => s.actions)).toEqual([
      ['bedrock-agentcore:*Gateway*', 'bedrock-agentcore:*CredentialProvider'],
      ['iam:PassRole'],
      ['bedrock-agentcore:ListGatewayz'],
    ]);
  });

  it('decodes URL-encoded trust policies and keeps the boundary', () => {
    const role = byName('orders-gateway-role');
    expect(role?.trustPolicy?.statements[0]?.principals).toEqual({
      Service: ['bedrock-agentcore.amazonaws.com'],
    });
    expect(byName('gateway-admin')?.boundary?.name).toBe('AgentCoreBoundary');
  });

  it('reports attached policies missing from the input instead of guessing', () => {
    expect(snapshot.missingPolicies).toEqual(['arn:aws:iam::aws:policy/NotExported']);
  });

  it('flags service-linked roles', () => {
    expect(byName('AWSServiceRoleForSupport')?.serviceLinked).toBe(true);
    expect(byName('app-lambda')?.serviceLinked).toBe(false);
  });

  it('rejects input that is not authorization details', () => {
    expect(() => snapshotFromAuthorizationDetails({ RoleDetailList: 'nope' })).toThrow(
      ReportInputError,
    );
  });
});

describe('principalKeyOfArn', () => {
  it.each([
    ['arn:aws:iam::1:role/service-role/x', '1|role|x'],
    ['arn:aws:sts::1:assumed-role/x/session', '1|role|x'],
    ['arn:aws:iam::1:user/team/Alice', '1|user|alice'],
    ['arn:aws:iam::1:root', '1|root|root'],
    ['arn:aws:s3:::bucket', undefined],
  ])('%s → %s', (arn, key) => {
    expect(principalKeyOfArn(arn)).toBe(key);
  });
});
