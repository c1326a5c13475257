// A minimal AWS Systems Manager Parameter Store endpoint speaking the AWS JSON 1.1 protocol, enough for the
// AWS SDK v3 SSMClient that @middy/ssm drives (GetParameters with WithDecryption, GetParametersByPath), for
// GetParameter, and for tools that edit a parameter: PutParameter (a new version per write, Overwrite, the
// Standard tier's 4 KB value limit) and GetParameterHistory (the last 100 versions, oldest first, as SSM keeps
// them). Functions reach it through AWS_ENDPOINT_URL_SSM; signatures are not checked.

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
  description: string | undefined
}

/** Parameter Store keeps this many versions of a parameter; a new one drops the oldest. */
const HISTORY_LIMIT = 100
/** The Standard tier's limit on a value, in characters. */
const STANDARD_VALUE_LIMIT = 4096
const PARAMETER_TYPES: readonly string[] = ['String', 'StringList', 'SecureString']

export interface SsmEndpoint {
  readonly url: string
  put(name: string, value: string, type?: ParameterType): void
  /** The current value and version of a parameter, as a test or a tool sees it from outside. */
  get(name: string): { readonly value: string; readonly version: number } | undefined
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
  // Every retained version of each parameter, oldest first; the last one is the current value.
  const store = new Map<string, StoredParameter[]>()
  // Keyed by the X-Amz-Target a client sends.
  const calls = Object.create(null) as Record<string, number>

  const find = (nameOrArn: string): StoredParameter | undefined => {
    for (const name of candidates(nameOrArn)) {
      const found = store.get(name)
      if (found) return found.at(-1)
    }
    return undefined
  }

  const write = (
    name: string,
    value: string,
    type: ParameterType,
    description: string | undefined,
  ): StoredParameter => {
    const versions = store.get(name) ?? []
    const previous = versions.at(-1)
    const written: StoredParameter = {
      name,
      type,
      value,
      version: (previous?.version ?? 0) + 1,
      lastModified: Date.now(),
      description: description ?? previous?.description,
    }
    versions.push(written)
    if (versions.length > HISTORY_LIMIT) versions.shift()
    store.set(name, versions)
    return written
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
        .map((versions) => versions.at(-1) as StoredParameter)
        .filter((p) => p.name.startsWith(prefix) && (recursive || !p.name.slice(prefix.length).includes('/')))
        .map((p) => view(p, input.WithDecryption === true))
      return { Parameters }
    },
    PutParameter: (input) => {
      const name = typeof input.Name === 'string' ? input.Name : ''
      const value = input.Value
      if (name === '' || typeof value !== 'string') {
        throw new SsmError('ValidationException', 'Name and Value are required')
      }
      if (value.length > STANDARD_VALUE_LIMIT) {
        throw new SsmError(
          'ValidationException',
          `Standard tier parameters support a maximum parameter value of ${STANDARD_VALUE_LIMIT} characters.`,
        )
      }
      if (input.Type !== undefined && !PARAMETER_TYPES.includes(String(input.Type))) {
        throw new SsmError('ValidationException', `Type ${String(input.Type)} is not valid`)
      }
      const current = store.get(name)?.at(-1)
      if (current && input.Overwrite !== true) {
        throw new SsmError(
          'ParameterAlreadyExists',
          'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.',
        )
      }
      const type = (input.Type as ParameterType | undefined) ?? current?.type
      if (type === undefined)
        throw new SsmError('ValidationException', 'Type is required for a new parameter')
      const description = typeof input.Description === 'string' ? input.Description : undefined
      return { Version: write(name, value, type, description).version, Tier: 'Standard' }
    },
    GetParameterHistory: (input) => {
      const name = String(input.Name)
      const versions = candidates(name)
        .map((n) => store.get(n))
        .find((v) => v !== undefined)
      if (!versions) throw new SsmError('ParameterNotFound', `Parameter ${name} not found.`)
      const limit = input.MaxResults === undefined ? 50 : Number(input.MaxResults)
      if (!Number.isInteger(limit) || limit < 1 || limit > 50) {
        throw new SsmError('ValidationException', 'MaxResults must be from 1 to 50')
      }
      const start = input.NextToken === undefined ? 0 : Number(input.NextToken)
      if (!Number.isInteger(start) || start < 0)
        throw new SsmError('InvalidNextToken', 'The NextToken is not valid.')
      const page = versions.slice(start, start + limit).map((p) => {
        const { ARN: _arn, ...rest } = view(p, input.WithDecryption === true)
        return {
          ...rest,
          ...(p.description === undefined ? {} : { Description: p.description }),
          Labels: [],
          Tier: 'Standard',
          Policies: [],
        }
      })
      const next = start + limit
      return { Parameters: page, ...(next < versions.length ? { NextToken: String(next) } : {}) }
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
      write(name, value, type, undefined)
    },
    get(name) {
      const current = find(name)
      return current && { value: current.value, version: current.version }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
