import { createRspackPlugin } from 'unplugin'
import { unpluginFactory } from './index.ts'

export default createRspackPlugin(unpluginFactory)
