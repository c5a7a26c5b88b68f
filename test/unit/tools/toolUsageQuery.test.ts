/**
 * The tool usage SQL (Athena and CloudTrail Lake) as text: bounded to the window as the access
 * report's query is, InvokeGateway data events only, one alias per column in the mapper's order,
 * and nothing in it but constants, dates and validated identifiers. Rows → ToolUsageRow apart.
 */
import { parseAthenaTable, parseAthenaWorkgroup } from '../../../lib/reports/athenaQuery.js';
import { DEFAULT_KEPT_CLAIMS, POLICY_DENIAL } from '../../../lib/tools/invokeRecord.js';
import {
  athenaToolUsageQuery,
  athenaToolUsageRows,
  eventDataStoreId,
  lakeToolUsageQuery,
  queryClaimNames,
  toolUsageColumns,
  toolUsageRow,
} from '../../../lib/tools/toolUsageQuery.js';

const window = { from: new Date('2026-11-01T06:00:00Z'), to: new Date('2026-11-28T06:00:00Z') };
const table = { database: 'security', table: 'cloudtrail_pp' };
const claims = [...DEFAULT_KEPT_CLAIMS];
const aliases = (sql: string) => [...sql.matchAll(/ AS ([a-z_0-9]+),?$/gm)].map((m) => m[1]);

describe('Athena tool usage query', () => {
  const sql = athenaToolUsageQuery(table, window, claims);

  it('reads only the window: day partitions first, then the exact times', () => {
    expect(sql).toContain(`WHERE "timestamp" BETWEEN '2026/11/01' AND '2026/11/28'`);
    expect(sql).toContain(
      "AND eventtime >= '2026-11-01T06:00:00Z' AND eventtime <= '2026-11-28T06:00:00Z'",
    );
    expect(sql).toContain('FROM "security"."cloudtrail_pp"');
  });

  it('names the organization accounts and regions when given, refusing anything else', () => {
    const scoped = athenaToolUsageQuery(table, window, claims, {
      accounts: ['111122223333'],
      regions: ['eu-west-1'],
    });
    expect(scoped).toContain("AND account IN ('111122223333')");
    expect(scoped).toContain("AND region IN ('eu-west-1')");
    expect(() =>
      athenaToolUsageQuery(table, window, claims, { accounts: ["1' OR '1'='1"] }),
    ).toThrow(/not an account id/);
  });

  it('keeps InvokeGateway data events only (and the preview name InvokeMcp)', () => {
    expect(sql).toContain(
      "AND eventsource = 'bedrock-agentcore.amazonaws.com' AND eventname IN ('InvokeGateway', 'InvokeMcp')",
    );
  });

  it('reads the JSON string columns with JSON functions, raw values kept as JSON text', () => {
    expect(sql).toContain(
      "element_at(filter(resources, r -> r.type = 'AWS::BedrockAgentCore::Gateway' AND r.arn <> ''), 1).arn AS gateway_arn",
    );
    expect(sql).toContain(
      `json_format(json_extract(json_extract(additionaleventdata, '$.jwt.claims'), '$.sub')) AS sub`,
    );
    expect(sql).toContain(`'$["cognito:groups"]'`);
    expect(sql).toContain(
      "json_format(json_extract(additionaleventdata, '$.targetId')) AS target_id",
    );
    expect(sql).toContain(
      "json_format(json_extract(responseelements, '$.statusCode')) AS status_code",
    );
    // A body logged as text is parsed as the reader parses it: an object, at most 64 KiB.
    expect(sql).toContain(
      "CASE WHEN length(json_extract_scalar(requestparameters, '$.body')) <= 65536 AND substr(json_extract_scalar(requestparameters, '$.body'), 1, 1) = '{' THEN try(json_parse(",
    );
    expect(sql).toContain("'$.params.name')) AS tool");
    // The IAM identity only where there are no claims: JWT callers are not split by it.
    expect(sql).toContain(
      "CASE WHEN NOT coalesce(json_format(json_extract(additionaleventdata, '$.jwt.claims')) LIKE '{%', false) THEN useridentity.arn END AS identity_arn",
    );
  });

  it('classifies JSON-RPC errors with the reader’s own policy pattern', () => {
    expect(sql).toContain(`'(?i)${POLICY_DENIAL.source}') THEN 'policy' ELSE 'other' END`);
    expect(POLICY_DENIAL.flags).toContain('i');
  });

  it('returns one column per mapper column, in order, grouped by all but the aggregates', () => {
    const columns = toolUsageColumns(claims.length);
    expect(aliases(sql)).toEqual(columns);
    expect(sql).toContain('count(*) AS calls');
    expect(sql).toContain('min(eventtime) AS first_seen');
    expect(sql).toContain('max(eventtime) AS last_seen');
    expect(sql.split('\n').pop()).toBe(
      `GROUP BY ${Array.from({ length: columns.length - 3 }, (_, i) => i + 1).join(', ')}`,
    );
  });

  it.each([`x"]') OR 1=1 --`, "a'b", 'a]b', 'a b', '', 'x'.repeat(65)])(
    'refuses the claim name %j (it becomes a JSON path)',
    (name) => {
      expect(() => athenaToolUsageQuery(table, window, [...claims, name])).toThrow(
        /not a JWT claim name/,
      );
    },
  );

  it('drops __proto__ and duplicates from the claim names, as the reader does', () => {
    expect(queryClaimNames(['client_id', '__proto__', 'client_id', 'cognito:groups'])).toEqual([
      'client_id',
      'cognito:groups',
    ]);
  });

  it.each(['a.b.c', 'db.t;DROP', 'db."t"', '.t'])('refuses table %j', (v) => {
    expect(() => parseAthenaTable(v)).toThrow('--athena takes DATABASE.TABLE');
  });

  it('refuses a table given around the parser', () => {
    expect(() => athenaToolUsageQuery({ database: 'db', table: 't" --' }, window, claims)).toThrow(
      /plain identifiers/,
    );
  });

  it.each(['primary', 'gatewarden-prod.report_1'])('admits workgroup %j', (v) => {
    expect(parseAthenaWorkgroup(v)).toBe(v);
  });

  it.each(['', 'a b', "wg'", 'x'.repeat(129)])('refuses workgroup %j', (v) => {
    expect(() => parseAthenaWorkgroup(v)).toThrow(/workgroup/);
  });
});

describe('CloudTrail Lake tool usage query', () => {
  const eds =
    'arn:aws:cloudtrail:us-east-1:111122223333:eventdatastore/EXAMPLE-ee54-4813-92d5-999aeEXAMPLE';
  const sql = lakeToolUsageQuery(eds, window, claims);

  it('queries the store by id, bounded to the window by eventTime', () => {
    expect(sql).toContain('FROM EXAMPLE-ee54-4813-92d5-999aeEXAMPLE\n');
    expect(sql).toContain(
      "WHERE eventtime >= '2026-11-01 06:00:00' AND eventtime <= '2026-11-28 06:00:00'",
    );
    expect(sql).toContain("eventname IN ('InvokeGateway', 'InvokeMcp')");
  });

  it('reads Lake’s map<string,string> columns with element_at, then JSON functions', () => {
    expect(sql).toContain("json_extract(element_at(additionaleventdata, 'jwt'), '$.claims')");
    expect(sql).toContain(
      "json_format(CAST(element_at(additionaleventdata, 'targetId') AS JSON)) AS target_id",
    );
    expect(sql).toContain("json_format(CAST(element_at(responseelements, 'statusCode') AS JSON))");
    expect(sql).toContain("try(json_parse(element_at(requestparameters, 'body')))");
    expect(aliases(sql)).toEqual(toolUsageColumns(claims.length));
  });

  it('fits StartQuery’s 10,000-character statement limit with a grouping claim added', () => {
    expect(lakeToolUsageQuery(eds, window, [...claims, 'tenant_id']).length).toBeLessThan(10_000);
  });

  it.each(["eds'; DROP", 'eds id', 'arn:aws:cloudtrail:us-east-1:1:eventdatastore/a"b', ''])(
    'refuses the event data store %j',
    (v) => {
      expect(() => eventDataStoreId(v)).toThrow(/id or ARN/);
    },
  );
});

describe('tool usage rows', () => {
  const columns = toolUsageColumns(1);
  const header = { Data: columns.map((c) => ({ VarCharValue: c })) };

  it('maps cells by column: raw JSON parsed, NULL absent, time normalised', () => {
    const cells: Record<string, string> = {
      gateway_arn: 'arn:aws:bedrock-agentcore:us-east-1:1:gateway/g',
      claims_object: 'object',
      sub: '"u1"',
      claim_0: '["a","b"]',
      anonymous: 'anonymous',
      method: '"tools/call"',
      tool: '"t___x"',
      target_id: '"T1"',
      status_code: '200',
      error_kind: 'policy',
      calls: '12',
      first_seen: '2026-11-20 10:00:01.000',
      last_seen: '2026-11-21 10:00:01.000',
    };
    const row = toolUsageRow(
      (c) => cells[c],
      1,
      (t) => `${t.slice(0, 10)}T${t.slice(11, 19)}Z`,
    );
    expect(row).toEqual({
      gatewayArn: 'arn:aws:bedrock-agentcore:us-east-1:1:gateway/g',
      claimsObject: true,
      sub: 'u1',
      claims: [['a', 'b']],
      anonymous: true,
      method: 'tools/call',
      tool: 't___x',
      targetId: 'T1',
      statusCode: 200,
      errorKind: 'policy',
      calls: 12,
      firstSeen: '2026-11-20T10:00:01Z',
      lastSeen: '2026-11-21T10:00:01Z',
    });
  });

  it.each([['0'], ['-1'], ['x'], ['1.5'], [undefined]])(
    'skips a row whose count is %j',
    (calls) => {
      expect(toolUsageRow((c) => (c === 'calls' ? calls : undefined), 0)).toBeUndefined();
    },
  );

  it('refuses result columns that are not the query’s', () => {
    const other = { Data: [...columns].reverse().map((c) => ({ VarCharValue: c })) };
    expect(() => athenaToolUsageRows([other], 1, true)).toThrow(
      /not those of the tool usage query/,
    );
    expect(athenaToolUsageRows([header], 1, true)).toEqual([]);
  });

  it('keeps text that is not JSON out rather than guessing', () => {
    const row = toolUsageRow(
      (c) => ({ calls: '1', sub: '{not json', claims_object: 'object' })[c],
      0,
    );
    expect(row?.sub).toBeUndefined();
    expect(row?.gatewayArn).toBeUndefined();
  });
});
