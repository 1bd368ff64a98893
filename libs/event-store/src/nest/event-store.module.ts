import { DynamicModule, Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { Clock, systemClock } from '@payments/domain';
import { EVENT_STORE, EventStore } from '../event-store.port';
import { CLOCK, CommandProcessor } from './command-processor';

@Injectable()
class EventStoreCloser implements OnApplicationShutdown {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}
  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}

export interface EventStoreModuleOptions {
  /** Builds (and prepares) the adapter; called once at start-up. */
  useFactory: (...deps: never[]) => Promise<EventStore> | EventStore;
  inject?: (symbol | string | (abstract new (...args: never[]) => unknown))[];
  clock?: Clock;
  /** Close the store when the app shuts down (default true). */
  closeOnShutdown?: boolean;
}

/** Provides EVENT_STORE, CLOCK and the CommandProcessor to every module (global). */
@Global()
@Module({})
export class EventStoreModule {
  static forRoot(options: EventStoreModuleOptions): DynamicModule {
    return {
      module: EventStoreModule,
      providers: [
        { provide: EVENT_STORE, useFactory: options.useFactory, inject: options.inject ?? [] },
        { provide: CLOCK, useValue: options.clock ?? systemClock },
        CommandProcessor,
        ...(options.closeOnShutdown === false ? [] : [EventStoreCloser]),
      ],
      exports: [EVENT_STORE, CLOCK, CommandProcessor],
    };
  }
}
