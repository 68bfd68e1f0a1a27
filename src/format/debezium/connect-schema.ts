/**
 * Kafka Connect schemas as JsonConverter writes them with `schemas.enable=true`, key order as
 * Connect writes it (type, fields/items, optional, name, version, doc, parameters, default, field).
 */
export interface ConnectSchema {
  type: 'int8' | 'int16' | 'int32' | 'int64' | 'float' | 'double' | 'boolean' | 'string' | 'bytes' | 'array' | 'struct';
  fields?: ConnectSchema[];
  items?: ConnectSchema;
  optional: boolean;
  name?: string;
  version?: number;
  doc?: string;
  parameters?: Record<string, string>;
  default?: unknown;
  field?: string;
}

export function schema(
  type: ConnectSchema['type'],
  extra: { name?: string; parameters?: Record<string, string>; doc?: string; fields?: ConnectSchema[]; items?: ConnectSchema } = {},
): ConnectSchema {
  const s: ConnectSchema = { type } as ConnectSchema;
  if (extra.fields) s.fields = extra.fields;
  if (extra.items) s.items = extra.items;
  s.optional = false;
  if (extra.name) {
    s.name = extra.name;
    s.version = 1;
  }
  if (extra.doc) s.doc = extra.doc;
  if (extra.parameters) s.parameters = extra.parameters;
  return s;
}

/** The same schema as a struct field: `optional` set, `field` last. */
export function asField(s: ConnectSchema, field: string, optional: boolean): ConnectSchema {
  return { ...s, optional, field };
}

export function optional(s: ConnectSchema): ConnectSchema {
  return { ...s, optional: true };
}

export function struct(name: string | undefined, fields: ConnectSchema[], optionalStruct: boolean, version?: number): ConnectSchema {
  const s: ConnectSchema = { type: 'struct', fields, optional: optionalStruct };
  if (name) s.name = name;
  if (version !== undefined) s.version = version;
  return s;
}
