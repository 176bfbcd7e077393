export interface Role {
  readonly name: string;
  readonly scopes: readonly string[];
  readonly description: string;
  readonly builtIn: boolean;
}
