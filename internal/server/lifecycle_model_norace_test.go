//go:build !race

package server

// modelRace is set under the race detector (see lifecycle_model_race_test.go).
const modelRace = false
