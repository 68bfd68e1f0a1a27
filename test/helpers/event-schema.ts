import { Ajv2020 } from 'ajv/dist/2020.js';
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';

const schema = JSON.parse(readFileSync(new URL('../../schema/change-event.schema.json', import.meta.url), 'utf8'));
const validate = new Ajv2020({ strict: true, allErrors: true }).compile(schema);

/** Why `event` breaks the published JSON Schema, or null when it does not. */
export function eventSchemaViolation(event: unknown): string | null {
  return validate(event) ? null : `event violates schema/change-event.schema.json: ${JSON.stringify(validate.errors)}\n${JSON.stringify(event)}`;
}

/** Fails the test with the validator's words if `event` breaks the published JSON Schema. */
export function assertValidEvent(event: unknown): void {
  const why = eventSchemaViolation(event);
  if (why) assert.fail(why);
}
