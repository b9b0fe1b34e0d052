package authz

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/casbin/casbin/v2/model"
	"github.com/casbin/casbin/v2/persist"

	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/policies"
)

// errReadOnly is returned by every write of the adapter: the policy is a
// reviewed file and role assignments change only through the store, so
// nothing may write through Casbin.
var errReadOnly = errors.New("authz: policy is read-only")

// rule is one "p, role, object, action" line of policies/policy.csv.
type rule struct {
	role           domain.Role
	object, action string
}

// policyRules parses the embedded policy once. The result is derived from
// bytes compiled into the binary, so it never changes after the first call.
var policyRules = sync.OnceValues(func() ([]rule, error) { return parsePolicy(policies.Policy()) })

// parsePolicy reads "p, role, object, action" lines, skipping blank and #
// comment lines. Any other line, and any role that is not a domain.Role, is an
// error: a typo in the policy must stop the start-up, not silently deny.
func parsePolicy(text string) ([]rule, error) {
	r := csv.NewReader(strings.NewReader(text))
	r.Comment = '#'
	r.TrimLeadingSpace = true
	r.FieldsPerRecord = -1
	var rules []rule
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return rules, nil
		}
		if err != nil {
			return nil, fmt.Errorf("authz: policy.csv: %w", err)
		}
		line, _ := r.FieldPos(0)
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		if len(rec) != 4 || rec[0] != "p" || rec[2] == "" || rec[3] == "" {
			return nil, fmt.Errorf("authz: policy.csv line %d: want \"p, role, object, action\", got %q", line, strings.Join(rec, ", "))
		}
		role := domain.Role(rec[1])
		if !role.Valid() {
			return nil, fmt.Errorf("authz: policy.csv line %d: unknown role %q", line, rec[1])
		}
		rules = append(rules, rule{role: role, object: rec[2], action: rec[3]})
	}
}

// IsKnownAction reports whether any line of policies/policy.csv names the
// object and action. The HTTP layer's route test uses it to prove that every
// permission a route declares exists in the policy (a misspelt action would
// otherwise deny everyone). It returns false if the embedded policy does not
// parse, which New reports as an error.
func IsKnownAction(object, action string) bool {
	rules, err := policyRules()
	if err != nil {
		return false
	}
	for _, r := range rules {
		if r.object == object && r.action == action {
			return true
		}
	}
	return false
}

// Actions returns every distinct (object, action) pair of
// policies/policy.csv, sorted by object and then action. It returns nil if
// the embedded policy does not parse.
func Actions() [][2]string {
	rules, err := policyRules()
	if err != nil {
		return nil
	}
	pairs := make([][2]string, 0, len(rules))
	for _, r := range rules {
		pairs = append(pairs, [2]string{r.object, r.action})
	}
	slices.SortFunc(pairs, func(a, b [2]string) int {
		if c := strings.Compare(a[0], b[0]); c != 0 {
			return c
		}
		return strings.Compare(a[1], b[1])
	})
	return slices.Compact(pairs)
}

// adapter is a read-only persist.Adapter. LoadPolicy adds the policy's p
// lines and one g line "g, user:<id>, role, brand" per role assignment.
//
// Casbin's Adapter interface has no context, so the Authorizer reads the
// grants from the Source with the caller's context first and hands them over
// in grants; LoadPolicy turns that snapshot into g lines. grants is written
// and read only while the Authorizer holds its reload lock.
type adapter struct {
	rules  []rule
	grants []domain.Grant
}

var _ persist.Adapter = (*adapter)(nil)

// LoadPolicy loads the p lines and the current snapshot of grants into m.
func (a *adapter) LoadPolicy(m model.Model) error {
	for _, r := range a.rules {
		if err := persist.LoadPolicyArray([]string{"p", string(r.role), r.object, r.action}, m); err != nil {
			return fmt.Errorf("authz: load policy line: %w", err)
		}
	}
	for _, g := range a.grants {
		if err := persist.LoadPolicyArray([]string{"g", subject(g.UserID), string(g.Role), g.Brand}, m); err != nil {
			return fmt.Errorf("authz: load grant: %w", err)
		}
	}
	return nil
}

// SavePolicy refuses: the policy is read-only.
func (a *adapter) SavePolicy(model.Model) error { return errReadOnly }

// AddPolicy refuses: the policy is read-only.
func (a *adapter) AddPolicy(string, string, []string) error { return errReadOnly }

// RemovePolicy refuses: the policy is read-only.
func (a *adapter) RemovePolicy(string, string, []string) error { return errReadOnly }

// RemoveFilteredPolicy refuses: the policy is read-only.
func (a *adapter) RemoveFilteredPolicy(string, string, int, ...string) error { return errReadOnly }

// subject is the Casbin subject of a user ID; it matches domain.User.Subject.
func subject(userID string) string { return "user:" + userID }
