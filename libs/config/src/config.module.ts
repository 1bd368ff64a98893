import { DynamicModule, Global, Inject, Module } from '@nestjs/common';
import { AppConfig, loadConfig } from './load-config';

/** Injection token for the validated `AppConfig`. */
export const APP_CONFIG = Symbol('APP_CONFIG');

/** `@InjectConfig() private readonly config: AppConfig` */
export const InjectConfig = (): ParameterDecorator => Inject(APP_CONFIG);

@Global()
@Module({})
export class ConfigModule {
  /**
   * Provides APP_CONFIG everywhere. Pass the config you already loaded (main.ts loads it once, before
   * anything starts, so a bad variable stops the process with every problem listed); without an
   * argument the process environment is loaded and validated here.
   */
  static forRoot(config?: AppConfig): DynamicModule {
    return {
      module: ConfigModule,
      global: true,
      providers: [{ provide: APP_CONFIG, useFactory: () => config ?? loadConfig(process.env) }],
      exports: [APP_CONFIG],
    };
  }
}
