// tsrun features: the runtime-spec features document (data in features-data.ts),
// printed as runc prints it (json.Encoder, four-space indent, trailing newline).
import { stdout } from '../log'
import { features } from './features-data'
import { goJson } from './json'

export async function command(): Promise<void> {
  stdout(goJson(features(), '    ') + '\n')
}
