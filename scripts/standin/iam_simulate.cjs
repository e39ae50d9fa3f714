// IAM policy evaluation for the stand-in and the IAM tests: a thin line protocol around
// @cloud-copilot/iam-simulate (pinned in tools/iam-simulate, installed by `make setup`).
//
// stdin:  one JSON object per line: {"id": <any>, "simulation": <iam-simulate Simulation>}
// stdout: one JSON object per line: {"id", "result": "Allowed" | "ExplicitlyDenied" |
//         "ImplicitlyDenied" | "Error", "reasons": [...], "errors": <validation errors or null>}
//
// Started by scripts/standin/simulator.py with NODE_PATH pointing at the installed packages.
// CommonJS, so NODE_PATH finds the packages (ES module imports ignore NODE_PATH).
const { createInterface } = require('node:readline')
const { getDenialReasons, runSimulation } = require('@cloud-copilot/iam-simulate')

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity })

async function answer(line) {
  let request
  try {
    request = JSON.parse(line)
  } catch (error) {
    return { id: null, result: 'Error', reasons: [], errors: { message: `not JSON: ${error}` } }
  }
  try {
    const response = await runSimulation(request.simulation, {})
    if (response.resultType === 'error') {
      return { id: request.id, result: 'Error', reasons: [], errors: response.errors }
    }
    const reasons =
      response.resultType === 'single' && response.overallResult !== 'Allowed'
        ? getDenialReasons(response.result.analysis)
        : []
    return { id: request.id, result: response.overallResult, reasons, errors: null }
  } catch (error) {
    return { id: request.id, result: 'Error', reasons: [], errors: { message: String(error) } }
  }
}

async function main() {
  for await (const line of lines) {
    if (!line.trim()) continue
    process.stdout.write(JSON.stringify(await answer(line)) + '\n')
  }
}

main()
