export * from './secret';
export * from './load-config';
export * from './config.module';
export * from './describe-config';
export { ENVIRONMENT_VARIABLE_NAMES, LOG_LEVELS, NODE_ENVS } from './environment-variables';
export type { EnvironmentVariableName, VariableProblem } from './environment-variables';
export * from './bench-settings';
