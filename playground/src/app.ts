import type { IncomingMessage, ServerResponse } from 'node:http'
import { Post, User } from 'virtual:fluentorm/models'
import type { HtmlTransform } from './blog-server-plugin.ts'
import { database } from './database.ts'
import { renderPage } from './render-page.ts'
import { DEMO_USER, setupDatabase } from './setup-database.ts'

const db = await database()
// Again on every reload of this module, so a migration generated while the server runs applies at once.
await setupDatabase(db)

/** The blog's routes: the post list, creating a post from the form, soft-deleting one. */
export async function handle(
  request: IncomingMessage,
  response: ServerResponse,
  html: HtmlTransform,
): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://localhost')
  const deleteMatch = /^\/posts\/([^/]+)\/delete$/.exec(url.pathname)
  if (request.method === 'POST' && url.pathname === '/posts') {
    const form = new URLSearchParams(await readBody(request))
    const author = await User.query().where('email', DEMO_USER.email).first(db)
    const title = form.get('title')?.trim()
    if (author !== null && title) {
      await Post.insert(db, {
        title,
        summary: form.get('summary')?.trim() || null,
        user_id: author.id,
      })
    }
    return redirectHome(response)
  }
  if (request.method === 'POST' && deleteMatch?.[1]) {
    await Post.softDelete(db, decodeURIComponent(deleteMatch[1]))
    return redirectHome(response)
  }
  if (request.method === 'GET' && url.pathname === '/') {
    const posts = await Post.query()
      .include('author')
      .include('comments')
      .orderBy('created_at', 'desc')
      .fetch(db)
    const author = await User.query().where('email', DEMO_USER.email).first(db)
    const page = await html(renderPage(posts, author, db.kind))
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    response.end(page)
    return
  }
  response.writeHead(404, { 'content-type': 'text/plain' })
  response.end('Not found')
}

function redirectHome(response: ServerResponse): void {
  response.writeHead(303, { location: '/' })
  response.end()
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}
