//go:build race

package server

// modelRace is set under the race detector, which slows every request
// several times over: TestLifecycleModel then runs a tenth of its
// sequences, enough for the detector to see every code path of a step.
const modelRace = true
