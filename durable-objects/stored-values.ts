/**
 * @module
 * Reading back what the object keeps in its key-value storage: a value is checked field by field
 * before it is used, never cast — an earlier version of the class may have stored another shape.
 */

/** Each field of `T` by the `typeof` its value must have. */
export type FieldTypes<T> = { readonly [K in keyof T]-?: T[K] extends string ? "string" : T[K] extends number ? "number" : never };

/** Whether `value` is an object whose every field in `fields` has its type (a constant table: nothing is allocated per check). */
export function isStored<T extends object>(value: unknown, fields: FieldTypes<T>): value is T {
  if (typeof value !== "object" || value === null) return false;
  for (const key in fields) if (typeof (value as Record<string, unknown>)[key] !== fields[key]) return false;
  return true;
}
