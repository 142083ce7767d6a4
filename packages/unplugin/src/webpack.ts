import { createWebpackPlugin } from 'unplugin'
import { unpluginFactory } from './index.ts'

export default createWebpackPlugin(unpluginFactory)
