import { z } from 'zod';

/** Shapes of `aws iam get-account-authorization-details` output, one per section element. */

const policyListItem = z.object({ PolicyName: z.string(), PolicyDocument: z.unknown() });
const attached = z.object({ PolicyName: z.string().optional(), PolicyArn: z.string() });
export const boundary = z
  .object({
    PermissionsBoundaryArn: z.string().optional(),
    PermissionsBoundaryType: z.string().optional(),
  })
  .optional()
  .nullable();

export const roleDetail = z.object({
  Path: z.string().optional(),
  RoleName: z.string(),
  Arn: z.string(),
  AssumeRolePolicyDocument: z.unknown().optional(),
  RolePolicyList: z.array(policyListItem).optional().nullable(),
  AttachedManagedPolicies: z.array(attached).optional().nullable(),
  PermissionsBoundary: boundary,
});

export const userDetail = z.object({
  Path: z.string().optional(),
  UserName: z.string(),
  Arn: z.string(),
  GroupList: z.array(z.string()).optional().nullable(),
  UserPolicyList: z.array(policyListItem).optional().nullable(),
  AttachedManagedPolicies: z.array(attached).optional().nullable(),
  PermissionsBoundary: boundary,
});

export const groupDetail = z.object({
  GroupName: z.string(),
  Arn: z.string().optional(),
  GroupPolicyList: z.array(policyListItem).optional().nullable(),
  AttachedManagedPolicies: z.array(attached).optional().nullable(),
});

export const managedPolicy = z.object({
  // Always present on AWS; some emulators omit it. The ARN identifies the policy anyway.
  PolicyName: z.string().optional(),
  Arn: z.string(),
  DefaultVersionId: z.string().optional(),
  PolicyVersionList: z
    .array(
      z.object({
        Document: z.unknown().optional(),
        VersionId: z.string().optional(),
        IsDefaultVersion: z.boolean().optional(),
      }),
    )
    .optional()
    .nullable(),
});

/** The shape of `aws iam get-account-authorization-details` (and of the API response). */
export const authorizationDetailsSchema = z.object({
  UserDetailList: z.array(userDetail).optional().nullable(),
  GroupDetailList: z.array(groupDetail).optional().nullable(),
  RoleDetailList: z.array(roleDetail).optional().nullable(),
  Policies: z.array(managedPolicy).optional().nullable(),
});

export type AuthorizationDetails = z.infer<typeof authorizationDetailsSchema>;
