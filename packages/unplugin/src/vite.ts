import { createVitePlugin } from 'unplugin'
import { unpluginFactory } from './index.ts'

export default createVitePlugin(unpluginFactory)
