/**
 * The options that send a usage question to an aggregating engine, shared by `gatewarden report`
 * (principal × action) and `gatewarden tools` (gateway × principal × tool): one CloudTrail Lake
 * or Athena query instead of reading records. Everything here ends up in a request or in SQL,
 * so each value is checked against what the service admits before anything is sent.
 */
import { InvalidArgumentError, type Command } from 'commander';
import {
  parseAthenaTable,
  parseAthenaWorkgroup,
  type AthenaTable,
} from '../../lib/reports/athenaQuery.js';

export interface UsageQueryCliOptions {
  lake?: string;
  athena?: string;
  workgroup?: string;
  athenaOutput?: string;
}

const S3_URL = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[^\s'"\\]*)?$/;

function workgroup(value: string): string {
  try {
    return parseAthenaWorkgroup(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

function s3Url(value: string): string {
  if (!S3_URL.test(value)) throw new InvalidArgumentError('must be s3://bucket/prefix/');
  return value;
}

/** Adds `--lake`, `--athena`, `--workgroup` and `--athena-output`; `what` is what is counted. */
export function addUsageQueryOptions(command: Command, what: string): Command {
  return command
    .option(
      '--lake <eventDataStore>',
      `read ${what} with one CloudTrail Lake SQL query on this event data store (id or ARN)`,
    )
    .option(
      '--athena <db.table>',
      `aggregate ${what} with one Athena query on this CloudTrail table (partition projection; large accounts and organization trails)`,
    )
    .option('--workgroup <name>', 'Athena workgroup for --athena', workgroup)
    .option(
      '--athena-output <s3url>',
      'Athena results location, when the workgroup sets none',
      s3Url,
    );
}

/** The Athena table and settings `--athena`, `--workgroup`, `--athena-output` name. */
export function athenaSettings(options: UsageQueryCliOptions & { athena: string }): {
  table: AthenaTable;
  settings: { workgroup?: string; outputLocation?: string };
} {
  return {
    table: parseAthenaTable(options.athena),
    settings: {
      ...(options.workgroup ? { workgroup: options.workgroup } : {}),
      ...(options.athenaOutput ? { outputLocation: options.athenaOutput } : {}),
    },
  };
}
