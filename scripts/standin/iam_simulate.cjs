// IAM policy evaluation for the stand-in and the IAM tests: a thin line protocol around
// @cloud-copilot/iam-simulate (pinned in tools/iam-simulate, installed by `make setup`).
//
// stdin:  one JSON object per line: {"id": <any>, "simulation": <iam-simulate Simulation>,
//         "verbatim": <bool>}; verbatim runs iam-simulate's core engine directly, keeping every
//         context key as given (see simulator.py: an OIDC provider's own aud/sub keys)
// stdout: one JSON object per line: {"id", "result": "Allowed" | "ExplicitlyDenied" |
//         "ImplicitlyDenied" | "Error", "reasons": [...], "errors": <validation errors or null>}
//
// Started by scripts/standin/simulator.py with NODE_PATH pointing at the installed packages.
// CommonJS, so NODE_PATH finds the packages (ES module imports ignore NODE_PATH).
const { createInterface } = require('node:readline')
const path = require('node:path')
const { getDenialReasons, runSimulation } = require('@cloud-copilot/iam-simulate')
const { loadPolicy } = require('@cloud-copilot/iam-policy')

// For verbatim requests: iam-simulate's own core engine, as its runUnsafeSimulation calls it, but
// with a named resource policy (runUnsafeSimulation leaves it unnamed and then fails reading it).
const simulateDir = path.dirname(require.resolve('@cloud-copilot/iam-simulate'))
const { authorize } = require(path.join(simulateDir, 'core_engine', 'CoreSimulatorEngine.js'))
const { AwsRequestImpl } = require(path.join(simulateDir, 'request', 'request.js'))
const { RequestContextImpl } = require(path.join(simulateDir, 'requestContext.js'))
const { DiscoveryContextKeyConstraints } = require(
  path.join(simulateDir, 'context_keys', 'discoveryContextKeyConstraints.js')
)

function verbatimSimulation(simulation) {
  const request = new AwsRequestImpl(
    simulation.request.principal,
    simulation.request.resource,
    simulation.request.action,
    new RequestContextImpl(simulation.request.contextVariables)
  )
  const named = (policies) => (policies || []).map((p) => loadPolicy(p.policy, { name: p.name }))
  return authorize({
    request,
    sessionPolicy: undefined,
    identityPolicies: named(simulation.identityPolicies),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: simulation.resourcePolicy
      ? loadPolicy(simulation.resourcePolicy, { name: 'resource-policy' })
      : undefined,
    permissionBoundaries: simulation.permissionBoundaryPolicies
      ? named(simulation.permissionBoundaryPolicies)
      : undefined,
    vpcEndpointPolicies: undefined,
    simulationParameters: {
      simulationMode: 'Strict',
      discoveryContextKeyConstraints: new DiscoveryContextKeyConstraints([])
    },
    serviceSettings: { s3: {} }
  })
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity })

async function answer(line) {
  let request
  try {
    request = JSON.parse(line)
  } catch (error) {
    return { id: null, result: 'Error', reasons: [], errors: { message: `not JSON: ${error}` } }
  }
  try {
    if (request.verbatim) {
      const analysis = verbatimSimulation(request.simulation)
      const reasons = analysis.result !== 'Allowed' ? getDenialReasons(analysis) : []
      return { id: request.id, result: analysis.result, reasons, errors: null }
    }
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
