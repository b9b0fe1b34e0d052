package domain

import "strings"

// NewClaim is the input for adding an approved claim.
type NewClaim struct {
	Text       string   `json:"text"`
	Category   string   `json:"category"`
	References []string `json:"references"`
	Variants   []string `json:"variants"`
}

// Validate normalizes and checks the claim.
func (n *NewClaim) Validate() error {
	n.Text = strings.Join(strings.Fields(n.Text), " ")
	n.References = trimmed(n.References)
	n.Variants = trimmed(n.Variants)
	var v Validation
	v.Check(n.Text != "" && len(n.Text) <= 2000, "text", "Enter the approved claim text (up to 2000 characters).")
	ok := false
	for _, c := range ClaimCategories {
		ok = ok || c == n.Category
	}
	v.Check(ok, "category", "Choose efficacy, safety, dosing, comparative, quality_of_life, economic or other.")
	v.Check(len(n.References) > 0 && len(n.References) <= 20, "references", "Give at least one substantiating reference (up to 20).")
	v.Check(len(n.Variants) <= 20, "variants", "Give at most 20 allowed variants.")
	return v.Err()
}

// trimmed collapses the white space of each string and drops empty ones.
func trimmed(in []string) []string {
	out := []string{}
	for _, s := range in {
		if s = strings.Join(strings.Fields(s), " "); s != "" {
			out = append(out, s)
		}
	}
	return out
}
