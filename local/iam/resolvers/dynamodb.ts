/**
 * DynamoDB: tables and their items (`dynamodb:LeadingKeys`), transactions authorized item by
 * item, resource policies on a table or stream.
 * TEST/DEMO COMPONENT — local stack only.
 */
import {
  type Authorization,
  type CallInfo,
  type ContextValues,
  type ResourceLookups,
  type Resolver,
} from '../authorizationTypes.js';
import { isArn, str } from '../requestValues.js';

/** dynamodb:LeadingKeys: the partition key values a call reads or writes. */
async function leadingKeys(
  call: CallInfo,
  lookups: ResourceLookups,
  table: string,
): Promise<string[] | undefined> {
  const hashKey = await lookups.tableHashKey(table, call.region);
  if (!hashKey) return undefined;
  const item = (call.params.Key ?? call.params.Item) as
    Record<string, Record<string, unknown>> | undefined;
  const value = item?.[hashKey];
  if (value) return [String(value.S ?? value.N ?? value.B ?? '')];
  // The legacy Query form: KeyConditions { <attr>: { AttributeValueList: [value] } }.
  const legacy = (
    call.params.KeyConditions as Record<string, { AttributeValueList?: unknown[] }> | undefined
  )?.[hashKey]?.AttributeValueList?.[0] as Record<string, unknown> | undefined;
  if (legacy) return [String(legacy.S ?? legacy.N ?? legacy.B ?? '')];
  const expression = str(call.params.KeyConditionExpression);
  if (expression) {
    const names = (call.params.ExpressionAttributeNames ?? {}) as Record<string, string>;
    const values = (call.params.ExpressionAttributeValues ?? {}) as Record<
      string,
      Record<string, unknown>
    >;
    for (const match of expression.matchAll(/([#\w]+)\s*=\s*(:\w+)/g)) {
      const name = match[1]?.startsWith('#') ? names[match[1]] : match[1];
      if (name === hashKey) {
        const bound = values[match[2] ?? ''];
        if (bound) return [String(bound.S ?? bound.N ?? '')];
      }
    }
  }
  return undefined;
}

/** Transactions are authorized item by item, as the action each item performs. */
const TRANSACT_ACTIONS: Record<string, string> = {
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  ConditionCheck: 'dynamodb:ConditionCheckItem',
  Get: 'dynamodb:GetItem',
};

export async function transactItems(
  call: CallInfo,
  lookups: ResourceLookups,
): Promise<Authorization[]> {
  const items = (call.params.TransactItems ?? []) as Array<Record<string, Record<string, unknown>>>;
  const authorizations: Authorization[] = [];
  for (const item of items) {
    for (const [kind, action] of Object.entries(TRANSACT_ACTIONS)) {
      const part = item[kind];
      const table = str(part?.TableName);
      if (!part || !table) continue;
      const keys = await leadingKeys({ ...call, params: part }, lookups, table);
      authorizations.push({
        action,
        resource: `arn:aws:dynamodb:${call.region}:${call.account}:table/${table}`,
        resourceAccount: call.account,
        context: (keys ? { 'dynamodb:LeadingKeys': keys } : {}) as ContextValues,
      });
    }
  }
  return authorizations;
}

export const dynamodb: Resolver = async (call, lookups) => {
  // Get/Put/DeleteResourcePolicy name a table or a stream by ARN; the catalog lists both types
  // as required, one of them is meant: the resource the ARN names answers for both.
  const policyOf = str(call.params.ResourceArn);
  if (policyOf && /ResourcePolicy$/.test(call.operation)) {
    return { arns: { table: policyOf, stream: policyOf } };
  }
  const named = str(call.params.TableName);
  if (!named) return {};
  // DynamoDB takes a table's name or its ARN (the ARN may name another account's table).
  const tableArn = isArn(named)
    ? named
    : `arn:aws:dynamodb:${call.region}:${call.account}:table/${named}`;
  const table = tableArn.split(':table/')[1] ?? named;
  const keys = await leadingKeys(call, lookups, table);
  const index = str(call.params.IndexName);
  return {
    // A call on an index is authorized on the index's ARN (a grant on the table alone does
    // not reach it), whichever type the catalog files it under.
    arns: index
      ? ({ table: `${tableArn}/index/${index}`, index: `${tableArn}/index/${index}` } as Record<
          string,
          string
        >)
      : { table: tableArn },
    context: (keys ? { 'dynamodb:LeadingKeys': keys } : {}) as ContextValues,
  };
};
