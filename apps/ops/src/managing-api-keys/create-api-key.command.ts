import { Command, CommandRunner, Option } from 'nest-commander';
import { ApiKeyService } from '../../../api/src/platform';

interface CreateApiKeyOptions {
  name: string;
  scope: 'app' | 'ops';
}

/** `ops create-api-key --name <n> --scope app|ops`: prints the new key once (only its hash is stored). */
@Command({ name: 'create-api-key', description: 'create an API key (printed once; stored hashed)' })
export class CreateApiKeyCommand extends CommandRunner {
  constructor(private readonly keys: ApiKeyService) {
    super();
  }

  async run(_args: string[], options: CreateApiKeyOptions): Promise<void> {
    const created = await this.keys.create(options.name, options.scope);
    console.log(JSON.stringify({ id: created.id, name: options.name, scope: options.scope, key: created.key }));
  }

  @Option({ flags: '--name <name>', description: 'who the key is for', required: true })
  parseName(value: string): string {
    return value;
  }

  @Option({ flags: '--scope <scope>', description: 'app (product apps) or ops', defaultValue: 'app' })
  parseScope(value: string): 'app' | 'ops' {
    if (value !== 'app' && value !== 'ops') throw new Error('--scope must be app or ops');
    return value;
  }
}
