/**
 * Which AgentCore operations detection must see (issue 19, point 1). Every mutating
 * control-plane operation of the AgentCore SDK, and every data-plane operation, is either
 * routed to detect and read by a rule that names it, or listed here as out of scope with the
 * reason it cannot touch a gateway's credentials or permissions. The model-coverage test reads
 * the installed SDKs' service models and holds both lists against them, so an operation a new
 * SDK version adds fails the test until someone decides where it belongs.
 *
 * Reviewed 2026-12 against @aws-sdk/client-bedrock-agentcore-control 3.1142.0 and
 * @aws-sdk/client-bedrock-agentcore 3.1141.0.
 */

import type { Rule } from './types.js';

/** The event source CloudTrail gives both AgentCore planes. */
export const AGENTCORE_EVENT_SOURCE = 'bedrock-agentcore.amazonaws.com';

/** Operations CloudTrail logs as reads (not mutating): their names start so. */
export const READ_OPERATION = /^(Get|List)/;

const DATASET =
  'evaluation dataset: test examples for evaluators; holds no credential and grants nothing on a gateway';
const EVALUATION =
  'evaluation of agent quality: reads traces and scores them; holds no credential and grants nothing on a gateway';
const MEMORY =
  'agent memory store: conversation data, no credential and no permission on a gateway (its KMS key protects memory, not gateway credentials)';
const BROWSER =
  'managed browser sandbox for agents: holds no gateway credential; its execution role is seen where it is passed (the passRole route)';
const CODE_INTERPRETER =
  'managed code sandbox for agents: holds no gateway credential; its execution role is seen where it is passed (the passRole route)';
const HARNESS =
  'removes a harness, or publishes a harness version on an endpoint: what the harness may reach is set by Create/UpdateHarness (watched)';
const CAPACITY =
  'compute capacity for runtimes: sizing and an operator role seen where it is passed; no gateway credential or permission';
const BUNDLE =
  'versioned agent configuration a gateway rule or A/B test may select for a target: carries no credential, endpoint, authorizer or role (the rules that apply it are watched)';
const REGISTRY =
  'catalog of agent and MCP server descriptors for discovery: a gateway neither reads it nor takes targets or credentials from it';
const RUNTIME_DELETE =
  'removes a runtime or endpoint: availability only, grants nothing and releases no credential';

/**
 * Mutating control-plane operations that cannot touch a gateway's credentials or permissions,
 * each with why. Everything else mutating must be routed to detect and read by a rule.
 */
export const CONTROL_PLANE_OUT_OF_SCOPE: Readonly<Record<string, string>> = {
  AddDatasetExamples: DATASET,
  CreateDataset: DATASET,
  CreateDatasetVersion: DATASET,
  DeleteDataset: DATASET,
  DeleteDatasetExamples: DATASET,
  UpdateDataset: DATASET,
  UpdateDatasetExamples: DATASET,
  CreateEvaluator: EVALUATION,
  DeleteEvaluator: EVALUATION,
  UpdateEvaluator: EVALUATION,
  CreateOnlineEvaluationConfig: EVALUATION,
  DeleteOnlineEvaluationConfig: EVALUATION,
  UpdateOnlineEvaluationConfig: EVALUATION,
  CreateMemory: MEMORY,
  DeleteMemory: MEMORY,
  UpdateMemory: MEMORY,
  CreateBrowser: BROWSER,
  DeleteBrowser: BROWSER,
  CreateBrowserProfile: BROWSER,
  DeleteBrowserProfile: BROWSER,
  CreateCodeInterpreter: CODE_INTERPRETER,
  DeleteCodeInterpreter: CODE_INTERPRETER,
  DeleteHarness: HARNESS,
  CreateHarnessEndpoint: HARNESS,
  DeleteHarnessEndpoint: HARNESS,
  UpdateHarnessEndpoint: HARNESS,
  CreateCapacityProvider: CAPACITY,
  DeleteCapacityProvider: CAPACITY,
  UpdateCapacityProvider: CAPACITY,
  CreateConfigurationBundle: BUNDLE,
  DeleteConfigurationBundle: BUNDLE,
  UpdateConfigurationBundle: BUNDLE,
  CreateRegistry: REGISTRY,
  DeleteRegistry: REGISTRY,
  UpdateRegistry: REGISTRY,
  CreateRegistryRecord: REGISTRY,
  DeleteRegistryRecord: REGISTRY,
  UpdateRegistryRecord: REGISTRY,
  UpdateRegistryRecordStatus: REGISTRY,
  SubmitRegistryRecordForApproval: REGISTRY,
  DeleteAgentRuntime: RUNTIME_DELETE,
  DeleteAgentRuntimeEndpoint: RUNTIME_DELETE,
  CreateAgentRuntimeEndpoint:
    'a new endpoint on an existing runtime version: nothing calls it until a gateway target or client is pointed at it (target changes are watched)',
};

const DATA_MEMORY = 'agent memory records and events: conversation data, no credential';
const DATA_SANDBOX =
  'browser or code-interpreter session: runs under the sandbox, reads no token-vault credential';
const DATA_RUNTIME =
  'invokes an agent runtime or harness (a data-plane call with the caller’s own identity): reads no stored credential';
const DATA_EVALUATION = 'evaluation and recommendations: scores traces, no credential';
const DATA_AB_TEST =
  'A/B test: splits a gateway’s traffic between targets already registered on it (created through the watched target operations) or configuration bundles; adds no endpoint, credential or permission (its role is seen where it is passed)';
const DATA_PAYMENT =
  'payment instruments, sessions and processing for agent purchases: uses the payment connector set up in the control plane (watched), returns no stored credential';
const DATA_REGISTRY = 'reads the agent registry catalog: descriptors, no credential';

/**
 * Data-plane operations that read no credential or token, each with why. The others (token
 * vault reads, workload access tokens, OAuth completion) are routed to detect.
 */
export const DATA_PLANE_OUT_OF_SCOPE: Readonly<Record<string, string>> = {
  BatchCreateMemoryRecords: DATA_MEMORY,
  BatchDeleteMemoryRecords: DATA_MEMORY,
  BatchUpdateMemoryRecords: DATA_MEMORY,
  CreateEvent: DATA_MEMORY,
  DeleteEvent: DATA_MEMORY,
  DeleteMemoryRecord: DATA_MEMORY,
  GetEvent: DATA_MEMORY,
  GetMemoryRecord: DATA_MEMORY,
  ListActors: DATA_MEMORY,
  ListEvents: DATA_MEMORY,
  ListMemoryExtractionJobs: DATA_MEMORY,
  ListMemoryRecords: DATA_MEMORY,
  ListSessions: DATA_MEMORY,
  RetrieveMemoryRecords: DATA_MEMORY,
  StartMemoryExtractionJob: DATA_MEMORY,
  IngestData: DATA_MEMORY,
  GetBrowserSession: DATA_SANDBOX,
  GetCodeInterpreterSession: DATA_SANDBOX,
  InvokeBrowser: DATA_SANDBOX,
  InvokeCodeInterpreter: DATA_SANDBOX,
  ListBrowserSessions: DATA_SANDBOX,
  ListCodeInterpreterSessions: DATA_SANDBOX,
  SaveBrowserSessionProfile: DATA_SANDBOX,
  StartBrowserSession: DATA_SANDBOX,
  StartCodeInterpreterSession: DATA_SANDBOX,
  StopBrowserSession: DATA_SANDBOX,
  StopCodeInterpreterSession: DATA_SANDBOX,
  UpdateBrowserStream: DATA_SANDBOX,
  DeleteCapacityProviderSession: DATA_RUNTIME,
  InvokeAgentRuntime: DATA_RUNTIME,
  InvokeAgentRuntimeCommand: DATA_RUNTIME,
  InvokeHarness: DATA_RUNTIME,
  StopRuntimeSession: DATA_RUNTIME,
  GetAgentCard: DATA_RUNTIME,
  CreateABTest: DATA_AB_TEST,
  DeleteABTest: DATA_AB_TEST,
  GetABTest: DATA_AB_TEST,
  ListABTests: DATA_AB_TEST,
  UpdateABTest: DATA_AB_TEST,
  DeleteBatchEvaluation: DATA_EVALUATION,
  GetBatchEvaluation: DATA_EVALUATION,
  ListBatchEvaluations: DATA_EVALUATION,
  StartBatchEvaluation: DATA_EVALUATION,
  StopBatchEvaluation: DATA_EVALUATION,
  Evaluate: DATA_EVALUATION,
  DeleteRecommendation: DATA_EVALUATION,
  GetRecommendation: DATA_EVALUATION,
  ListRecommendations: DATA_EVALUATION,
  StartRecommendation: DATA_EVALUATION,
  CreatePaymentInstrument: DATA_PAYMENT,
  CreatePaymentSession: DATA_PAYMENT,
  DeletePaymentInstrument: DATA_PAYMENT,
  DeletePaymentSession: DATA_PAYMENT,
  GetPaymentInstrument: DATA_PAYMENT,
  GetPaymentInstrumentBalance: DATA_PAYMENT,
  GetPaymentSession: DATA_PAYMENT,
  ListPaymentInstruments: DATA_PAYMENT,
  ListPaymentSessions: DATA_PAYMENT,
  ProcessPayment: DATA_PAYMENT,
  SearchRegistryRecords: DATA_REGISTRY,
};

/** One operation the SDK model has that detection neither sees nor has decided about. */
export interface CoverageProblem {
  operation: string;
  problem: string;
}

export interface CoverageInput {
  /** The operations to account for (mutating control-plane ones, or all data-plane ones). */
  operations: readonly string[];
  /** Every operation of the SDK model (to find out-of-scope entries that no longer exist). */
  modelOperations: readonly string[];
  /** AgentCore event names the EventBridge patterns route to detect. */
  routed: ReadonlySet<string>;
  /** AgentCore event names some detection rule lists in `events.names` (operation → rule ids). */
  named: ReadonlyMap<string, readonly string[]>;
  outOfScope: Readonly<Record<string, string>>;
}

/**
 * What is wrong with the coverage of one plane: an operation neither routed nor out of scope,
 * routed but no rule names it, named but not routed, out of scope and routed at once (one of
 * the two is stale), out of scope without a reason, or listed but unknown to the SDK model.
 */
export function coverageProblems(input: CoverageInput): CoverageProblem[] {
  const problems: CoverageProblem[] = [];
  const model = new Set(input.modelOperations);
  for (const operation of input.operations) {
    const excluded = Object.hasOwn(input.outOfScope, operation);
    const routed = input.routed.has(operation);
    const rules = input.named.get(operation) ?? [];
    if (excluded) {
      if (routed || rules.length > 0)
        problems.push({ operation, problem: 'out of scope, yet routed or named by a rule' });
      if ((input.outOfScope[operation] ?? '').trim().length < 20)
        problems.push({ operation, problem: 'out of scope without a reason' });
      continue;
    }
    if (!routed && rules.length === 0)
      problems.push({ operation, problem: 'neither routed to detect nor out of scope' });
    else if (!routed)
      problems.push({ operation, problem: `named by ${rules.join(', ')} but not routed` });
    else if (rules.length === 0)
      problems.push({ operation, problem: 'routed, but no rule names it in events.names' });
  }
  for (const operation of Object.keys(input.outOfScope)) {
    if (!model.has(operation))
      problems.push({
        operation,
        problem: 'out of scope, but the SDK model has no such operation',
      });
  }
  return problems;
}

/**
 * AgentCore operations the rules name in `events.names`, each with the ids of the rules that
 * name it. A rule that takes every AgentCore event (no names: baselines, call rates) counts
 * for none: it sees an operation without reading its fields.
 */
export function namedOperations(
  rules: readonly Pick<Rule, 'id' | 'events'>[],
): Map<string, string[]> {
  const named = new Map<string, string[]>();
  for (const rule of rules) {
    if (!rule.events?.sources.includes(AGENTCORE_EVENT_SOURCE)) continue;
    for (const name of rule.events.names ?? []) {
      named.set(name, [...(named.get(name) ?? []), rule.id]);
    }
  }
  return named;
}
