import { Option } from 'commander';
import { UserInputError } from '../core/errors.js';
import { parseTableRef, splitTableList, type TableRef } from '../core/table-ref.js';
import { withPasswordFile } from '../config/url-password.js';

/** Flags shared by several commands, each with its environment variable. */
export const sourceOption = () =>
  new Option('--source <url>', 'source database: postgres://…, mysql://… (MariaDB too), mongodb://…').env('CDC_SOURCE_URL');

/** A container secret for the --source URL's password: `--source postgres://cdc@db/shop --source-password-file /run/secrets/pg`. */
export const sourcePasswordFileOption = () =>
  new Option('--source-password-file <file>', "file holding the password of --source's user (instead of a password in the URL)").env('CDC_SOURCE_PASSWORD_FILE');

export const tableOption = (required: boolean) => {
  const o = new Option('--table <tables>', 'table(s), comma-separated, optionally schema-qualified (public.users)').env('CDC_TABLES');
  return required ? o.makeOptionMandatory() : o;
};

export function requireSource(url: string | undefined, passwordFile?: string): string {
  if (!url) throw new UserInputError('missing --source <url> (or CDC_SOURCE_URL)');
  return withPasswordFile(url, passwordFile, '--source-password-file');
}

export function parseTables(list: string, defaultSchema: string): TableRef[] {
  const names = splitTableList(list);
  if (names.length === 0) throw new UserInputError('--table needs at least one table name');
  try {
    return names.map((n) => parseTableRef(n, defaultSchema));
  } catch (err) {
    throw new UserInputError((err as Error).message);
  }
}

export function parseIntFlag(name: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value)) throw new UserInputError(`${name} must be a whole number, got ${JSON.stringify(value)}`);
    return Number(value);
  };
}
