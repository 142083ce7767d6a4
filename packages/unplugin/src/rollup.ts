import { createRollupPlugin } from 'unplugin'
import { unpluginFactory } from './index.ts'

export default createRollupPlugin(unpluginFactory)
