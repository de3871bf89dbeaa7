/**
 * The moto the tests run against. `ceb-grab local` installs exactly this one when none is found, and
 * refuses a moto of another major version (its DynamoDB and SQS behaviour differ). The README quotes it.
 */
export const MOTO_VERSION = '5.2.1';
