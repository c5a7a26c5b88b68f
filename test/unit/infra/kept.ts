/**
 * What `serverless remove` keeps and a redeploy adopts (docs/redeploy.md): each kept resource is created only when its `Existing*` parameter names none, and
 * everything that uses it takes the created one or the named one (`Fn::If`, serverless.yml
 * params).
 */

/** [logical id, parameter naming the kept one, condition under which the stack creates it] */
export type KeptResource = readonly [string, string, string];

export const STATE_TABLE: KeptResource = [
  'StateTable',
  'ExistingStateTableName',
  'CreateStateTable',
];
export const REPORT_BUCKET: KeptResource = [
  'ReportBucket',
  'ExistingReportBucketName',
  'CreateReportBucket',
];
export const SECRETS_KEY: KeptResource = [
  'SecretsKey',
  'ExistingSecretsKmsKeyArn',
  'CreateSecretsKey',
];
export const DATA_KEY: KeptResource = ['DataKey', 'ExistingDataKmsKeyArn', 'CreateDataKey'];

/** Every resource a remove keeps, each adoptable by a redeploy. */
export const ADOPTABLE: readonly KeptResource[] = [
  STATE_TABLE,
  REPORT_BUCKET,
  SECRETS_KEY,
  DATA_KEY,
];

/** The data key in use: this stack's `DataKey`, or the kept one. */
export const DATA_KEY_ARN = {
  'Fn::If': [
    'CreateDataKey',
    { 'Fn::GetAtt': ['DataKey', 'Arn'] },
    { Ref: 'ExistingDataKmsKeyArn' },
  ],
};
/** The secrets key in use: this stack's `SecretsKey`, or the kept one. */
export const SECRETS_KEY_ARN = {
  'Fn::If': [
    'CreateSecretsKey',
    { 'Fn::GetAtt': ['SecretsKey', 'Arn'] },
    { Ref: 'ExistingSecretsKmsKeyArn' },
  ],
};
/** The MAC keys of the state table's bindings and ledger: this stack's, or the kept ones. */
export const BINDING_MAC_KEY_ARN = {
  'Fn::If': [
    'CreateBindingMacKey',
    { 'Fn::GetAtt': ['BindingMacKey', 'Arn'] },
    { Ref: 'ExistingBindingMacKeyArn' },
  ],
};
export const LEDGER_MAC_KEY_ARN = {
  'Fn::If': [
    'CreateLedgerMacKey',
    { 'Fn::GetAtt': ['LedgerMacKey', 'Arn'] },
    { Ref: 'ExistingLedgerMacKeyArn' },
  ],
};
/** The state table in use: this stack's `StateTable`, or the kept one (by name). */
export const STATE_TABLE_ARN = {
  'Fn::If': [
    'CreateStateTable',
    { 'Fn::GetAtt': ['StateTable', 'Arn'] },
    {
      'Fn::Sub':
        'arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${ExistingStateTableName}',
    },
  ],
};
/** The report bucket in use: this stack's `ReportBucket`, or the kept one (by name). */
export const REPORT_BUCKET_ARN = {
  'Fn::If': [
    'CreateReportBucket',
    { 'Fn::GetAtt': ['ReportBucket', 'Arn'] },
    { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${ExistingReportBucketName}' },
  ],
};
