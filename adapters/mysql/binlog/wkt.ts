import { gcvtDouble } from './server-numbers.js';

/**
 * zongji decodes a GEOMETRY value into nested {x, y} points and arrays, dropping the WKB type
 * codes, so LINESTRING, MULTIPOINT and a GEOMETRYCOLLECTION of points look alike. The column's
 * declared subtype (information_schema DATA_TYPE) tells them apart; a generic GEOMETRY or
 * GEOMETRYCOLLECTION column is refused by `cdc upgrade` for that reason (docs/mysql-binlog.md).
 * Output is ST_AsText's: MariaDB writes MULTIPOINT(1 1,2 2), MySQL 8 MULTIPOINT((1 1),(2 2)).
 */
interface Point {
  x: number;
  y: number;
}

const isPoint = (v: unknown): v is Point =>
  typeof v === 'object' && v !== null && typeof (v as Point).x === 'number' && typeof (v as Point).y === 'number';

function list<T>(v: unknown, item: (e: unknown) => T, what: string): T[] {
  if (!Array.isArray(v)) throw new Error(`expected ${what}`);
  return v.map(item);
}

const point = (v: unknown): string => {
  if (!isPoint(v)) throw new Error('expected a point');
  return `${gcvtDouble(v.x)} ${gcvtDouble(v.y)}`;
};
const points = (v: unknown): string => list(v, point, 'a list of points').join(',');
const rings = (v: unknown): string => list(v, (r) => `(${points(r)})`, 'a list of rings').join(',');

export function geometryToWkt(dataType: string, value: unknown, mariadb: boolean): string {
  switch (dataType.toLowerCase()) {
    case 'point':
      return `POINT(${point(value)})`;
    case 'linestring':
      return `LINESTRING(${points(value)})`;
    case 'polygon':
      return `POLYGON(${rings(value)})`;
    case 'multipoint':
      return mariadb ? `MULTIPOINT(${points(value)})` : `MULTIPOINT(${list(value, (p) => `(${point(p)})`, 'points').join(',')})`;
    case 'multilinestring':
      return `MULTILINESTRING(${list(value, (l) => `(${points(l)})`, 'line strings').join(',')})`;
    case 'multipolygon':
      return `MULTIPOLYGON(${list(value, (p) => `(${rings(p)})`, 'polygons').join(',')})`;
    default:
      // A generic column holding a point is still unambiguous.
      if (isPoint(value)) return `POINT(${point(value)})`;
      throw new Error(`a ${dataType.toUpperCase()} column's value cannot be told apart in the binlog; declare a subtype (POINT, POLYGON, …)`);
  }
}
