// Package policies holds the authorization model and policy as files that
// compliance staff can read and review, embedded so that the binary is
// self-contained and tests read the same bytes production does.
package policies

import (
	_ "embed"
	"slices"
)

//go:embed model.conf
var model string

//go:embed policy.csv
var policy string

// Model returns the Casbin model (model.conf): role-based access control with
// brands as domains, where a role held for "*" applies to every brand.
func Model() string { return model }

// Policy returns the Casbin policy (policy.csv): one "p, role, object, action"
// line per allowed action, with # comment lines. It names roles only; which
// user holds which role for which brand lives in the database.
func Policy() string { return policy }

//go:embed checker_rules.yaml
var checkerRules []byte

// CheckerRules returns the fair-balance checker's rules
// (checker_rules.yaml): per rule an id, a severity, the reviewer's message
// and word lists. Each call returns a fresh copy.
func CheckerRules() []byte { return slices.Clone(checkerRules) }
