// A minimal AWS Systems Manager Parameter Store endpoint speaking the AWS JSON 1.1 protocol, enough for the
// AWS SDK v3 SSMClient that @middy/ssm drives (GetParameters with WithDecryption, GetParametersByPath) and
// for GetParameter. Functions reach it through AWS_ENDPOINT_URL_SSM; signatures are not checked.

import { createHash } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { LocalAwsIdentity } from '../template/template-types.js'

export type ParameterType = 'String' | 'StringList' | 'SecureString'

interface StoredParameter {
  name: string
  type: ParameterType
  value: string
  version: number
  lastModified: number
}

export interface SsmEndpoint {
  readonly url: string
  put(name: string, value: string, type?: ParameterType): void
  /** How many times each operation was called, e.g. `{ GetParameters: 2 }`. */
  readonly calls: Record<string, number>
  close(): Promise<void>
}

class SsmError extends Error {
  readonly type: string

  constructor(type: string, message: string) {
    super(message)
    this.type = type
  }
}

/** `arn:aws:ssm:r:a:parameter/x/y` -> `/x/y` (and the name without its leading slash as a second guess). */
function candidates(nameOrArn: string): string[] {
  const match = /^arn:[^:]+:ssm:[^:]*:[^:]*:parameter(\/.*)$/.exec(nameOrArn)
  if (!match) return [nameOrArn]
  const path = match[1] as string
  return [path, path.slice(1)]
}

export async function startSsmEndpoint(identity: LocalAwsIdentity, host = '127.0.0.1'): Promise<SsmEndpoint> {
  const store = new Map<string, StoredParameter>()
  // Keyed by the X-Amz-Target a client sends.
  const calls = Object.create(null) as Record<string, number>

  const find = (nameOrArn: string): StoredParameter | undefined => {
    for (const name of candidates(nameOrArn)) {
      const found = store.get(name)
      if (found) return found
    }
    return undefined
  }

  const view = (p: StoredParameter, decrypt: boolean) => ({
    Name: p.name,
    Type: p.type,
    // Without WithDecryption a SecureString comes back as its ciphertext, never as the secret.
    Value:
      p.type === 'SecureString' && !decrypt ? createHash('sha256').update(p.value).digest('base64') : p.value,
    Version: p.version,
    LastModifiedDate: p.lastModified / 1000,
    ARN: `arn:${identity.partition}:ssm:${identity.region}:${identity.accountId}:parameter${p.name.startsWith('/') ? '' : '/'}${p.name}`,
    DataType: 'text',
  })

  const operations: Record<string, (input: Record<string, unknown>) => unknown> = {
    GetParameter: (input) => {
      const found = find(String(input.Name))
      if (!found) throw new SsmError('ParameterNotFound', `Parameter ${String(input.Name)} not found.`)
      return { Parameter: view(found, input.WithDecryption === true) }
    },
    GetParameters: (input) => {
      const names = Array.isArray(input.Names) ? input.Names.map(String) : []
      if (names.length === 0 || names.length > 10) {
        throw new SsmError('ValidationException', 'Names must hold between 1 and 10 parameter names')
      }
      const Parameters: unknown[] = []
      const InvalidParameters: string[] = []
      for (const name of names) {
        const found = find(name)
        if (found) Parameters.push(view(found, input.WithDecryption === true))
        else InvalidParameters.push(name)
      }
      return { Parameters, InvalidParameters }
    },
    GetParametersByPath: (input) => {
      const path = String(input.Path ?? '/')
      const prefix = path.endsWith('/') ? path : `${path}/`
      const recursive = input.Recursive === true
      const Parameters = [...store.values()]
        .filter((p) => p.name.startsWith(prefix) && (recursive || !p.name.slice(prefix.length).includes('/')))
        .map((p) => view(p, input.WithDecryption === true))
      return { Parameters }
    },
  }

  const answer = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body)
    res.writeHead(status, {
      'Content-Type': 'application/x-amz-json-1.1',
      'Content-Length': Buffer.byteLength(text),
      'x-amzn-RequestId': crypto.randomUUID(),
    })
    res.end(text)
  }

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string) => {
    const target = String(req.headers['x-amz-target'] ?? '')
    const operation = target.startsWith('AmazonSSM.') ? target.slice('AmazonSSM.'.length) : ''
    const run = operations[operation]
    if (req.method !== 'POST' || !run) {
      answer(res, 400, {
        __type: 'UnknownOperationException',
        message: `operation ${target || '(none)'} is not served locally`,
      })
      return
    }
    calls[operation] = (calls[operation] ?? 0) + 1
    try {
      const input = raw === '' ? {} : (JSON.parse(raw) as Record<string, unknown>)
      answer(res, 200, run(input))
    } catch (error) {
      if (error instanceof SsmError) answer(res, 400, { __type: error.type, message: error.message })
      else answer(res, 400, { __type: 'SerializationException', message: (error as Error).message })
    }
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, host, () => resolve())
  })
  const { port } = server.address() as AddressInfo

  return {
    url: `http://${host}:${port}`,
    calls,
    put(name, value, type = 'SecureString') {
      const previous = store.get(name)
      store.set(name, { name, type, value, version: (previous?.version ?? 0) + 1, lastModified: Date.now() })
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
