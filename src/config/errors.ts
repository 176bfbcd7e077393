import { StartupError } from '../x/errors.js';

/** A setting that cannot be used; the message starts with the variable's name. */
export class ConfigError extends StartupError {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super('invalid_configuration', `${variable}: ${message}`);
  }
}
