/** Per-table filters and transforms (docs/filters-and-transforms.md). */
export { compileTransform, type CompileOptions } from './compile.js';
export { tableTransformSchema, tableTransformShape, OPERATIONS, DEFAULT_HASH_KEY_ENV, type TableTransformConfig, type MaskRule } from './schema.js';
