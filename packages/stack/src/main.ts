// Entry point of `cdk synth` / `cdk deploy` (cdk.json runs it with Node's type stripping, see bin/ts-resolve.mjs).
import { createCubewalkApp } from './app.js'

createCubewalkApp().app.synth()
