/** Workload identities (`/identities/*WorkloadIdentit*`) and the token vault. */
import { conflict, epochSeconds, notFound, restJson, validation } from '../http.js';
import { listPage, type Call, type Operation, type Params } from './operation.js';
import { requireName, workloadIdentityArn } from './registry.js';

function returnUrls(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((url) => typeof url === 'string')) {
    throw validation('allowedResourceOauth2ReturnUrls must be a list of URLs');
  }
  return value as string[];
}

export const createWorkload: Operation = async (call) => {
  const name = requireName(call.params.name);
  if (call.directory.workloads.has(name))
    throw conflict(`workload identity ${name} already exists`);
  const urls = returnUrls(call.params.allowedResourceOauth2ReturnUrls);
  const now = new Date();
  const workload = {
    name,
    arn: workloadIdentityArn(call.region, call.accountId, name),
    ...(urls ? { allowedResourceOauth2ReturnUrls: urls } : {}),
    createdTime: now,
    lastUpdatedTime: now,
  };
  call.directory.workloads.set(name, workload);
  return restJson(201, {
    name,
    workloadIdentityArn: workload.arn,
    ...(urls ? { allowedResourceOauth2ReturnUrls: urls } : {}),
  });
};

function workload(call: Call) {
  const name = requireName(call.params.name);
  const found = call.directory.workloads.get(name);
  if (!found) throw notFound(`workload identity ${name} not found`);
  return found;
}

function workloadView(found: ReturnType<typeof workload>): Record<string, unknown> {
  return {
    name: found.name,
    workloadIdentityArn: found.arn,
    ...(found.allowedResourceOauth2ReturnUrls
      ? { allowedResourceOauth2ReturnUrls: found.allowedResourceOauth2ReturnUrls }
      : {}),
    createdTime: epochSeconds(found.createdTime),
    lastUpdatedTime: epochSeconds(found.lastUpdatedTime),
  };
}

export const getWorkload: Operation = async (call) => restJson(200, workloadView(workload(call)));

export const updateWorkload: Operation = async (call) => {
  const found = workload(call);
  const urls = returnUrls(call.params.allowedResourceOauth2ReturnUrls);
  delete found.allowedResourceOauth2ReturnUrls;
  Object.assign(found, {
    ...(urls ? { allowedResourceOauth2ReturnUrls: urls } : {}),
    lastUpdatedTime: new Date(),
  });
  return restJson(200, workloadView(found));
};

export const deleteWorkload: Operation = async (call) => {
  call.directory.workloads.delete(workload(call).name);
  return restJson(204, {});
};

export const listWorkloads: Operation = async (call) =>
  listPage(
    call,
    'workloadIdentities',
    [...call.directory.workloads.values()].map((found) => ({
      name: found.name,
      workloadIdentityArn: found.arn,
    })),
  );

function vaultId(params: Params): string {
  const id = params.tokenVaultId ?? 'default';
  if (id !== 'default') throw notFound(`token vault ${String(id)} not found`);
  return id;
}

export const getTokenVault: Operation = async (call) => {
  const { vault } = call.directory;
  return restJson(200, {
    tokenVaultId: vaultId(call.params),
    kmsConfiguration: vault.kmsConfiguration,
    lastModifiedDate: epochSeconds(vault.lastModifiedDate),
  });
};

export const setTokenVaultCmk: Operation = async (call) => {
  const id = vaultId(call.params);
  const kms = (call.params.kmsConfiguration ?? {}) as Record<string, unknown>;
  if (kms.keyType !== 'ServiceManagedKey' && kms.keyType !== 'CustomerManagedKey') {
    throw validation('kmsConfiguration.keyType must be ServiceManagedKey or CustomerManagedKey');
  }
  if (
    kms.keyType === 'CustomerManagedKey' &&
    (typeof kms.kmsKeyArn !== 'string' || !kms.kmsKeyArn.startsWith('arn:'))
  ) {
    throw validation('kmsConfiguration.kmsKeyArn is required for CustomerManagedKey');
  }
  call.directory.vault = {
    kmsConfiguration: {
      keyType: kms.keyType,
      ...(kms.keyType === 'CustomerManagedKey' ? { kmsKeyArn: String(kms.kmsKeyArn) } : {}),
    },
    lastModifiedDate: new Date(),
  };
  return restJson(200, {
    tokenVaultId: id,
    kmsConfiguration: call.directory.vault.kmsConfiguration,
    lastModifiedDate: epochSeconds(call.directory.vault.lastModifiedDate),
  });
};
