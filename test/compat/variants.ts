/**
 * Debezium connector options the golden tests run with: Debezium's defaults, and every other value
 * of the four handling modes cdc offers. `flags` are the same options as `cdc run` takes them.
 */
export interface Variant {
  name: string;
  options: Record<string, string>;
  flags: string[];
}

export const VARIANTS: Variant[] = [
  { name: 'defaults', options: {}, flags: [] },
  {
    name: 'string-connect-hex',
    options: { 'decimal.handling.mode': 'string', 'time.precision.mode': 'connect', 'binary.handling.mode': 'hex', 'interval.handling.mode': 'string' },
    flags: ['--decimal-handling-mode', 'string', '--time-precision-mode', 'connect', '--binary-handling-mode', 'hex', '--interval-handling-mode', 'string'],
  },
  {
    name: 'double-micros-base64',
    options: { 'decimal.handling.mode': 'double', 'time.precision.mode': 'adaptive_time_microseconds', 'binary.handling.mode': 'base64' },
    flags: ['--decimal-handling-mode', 'double', '--time-precision-mode', 'adaptive_time_microseconds', '--binary-handling-mode', 'base64'],
  },
];
