/**
 * Property names between the API and the database (`snake_case`) and domain objects (`camelCase`), as
 * types and at run time, for objects whose names follow the pattern exactly (lower-case words).
 */
export type CamelCase<S extends string> = S extends `${infer Head}_${infer Tail}`
  ? `${Head}${Capitalize<CamelCase<Tail>>}`
  : S;

type SnakeCase<S extends string> = S extends `${infer First}${infer Rest}`
  ? `${First extends Lowercase<First> ? First : `_${Lowercase<First>}`}${SnakeCase<Rest>}`
  : S;

export type CamelCased<T> = { [K in keyof T as K extends string ? CamelCase<K> : K]: T[K] };
export type SnakeCased<T> = { [K in keyof T as K extends string ? SnakeCase<K> : K]: T[K] };

export function camelCase<S extends string>(name: S): CamelCase<S> {
  return name.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase()) as CamelCase<S>;
}

function snakeCase<S extends string>(name: S): SnakeCase<S> {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`) as SnakeCase<S>;
}

/** The same object with its own property names in camelCase (one level: values are kept as they are). */
export function camelCased<T extends object>(value: T): CamelCased<T> {
  return Object.fromEntries(Object.entries(value).map(([name, field]) => [camelCase(name), field])) as CamelCased<T>;
}

/** The same object with its own property names in snake_case (one level: values are kept as they are). */
export function snakeCased<T extends object>(value: T): SnakeCased<T> {
  return Object.fromEntries(Object.entries(value).map(([name, field]) => [snakeCase(name), field])) as SnakeCased<T>;
}
