package checker

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/fairshelf/fairshelf/internal/domain"
)

// Recheck runs the fair-balance checker with the default rules on a
// version's stored text against in.Label at now and returns the report,
// not stored. It is the store's checker for Check, Evaluate and the label
// cascade (store.Recheck). A version with no stored text gets the
// checker's manual-review finding, never a pass. It fails only when the
// stored text is not the JSON lines the upload wrote.
func Recheck(in domain.CheckInput, now time.Time) (domain.CheckReport, error) {
	var lines []domain.TextLine
	if len(in.Text) > 0 {
		if err := json.Unmarshal(in.Text, &lines); err != nil {
			return domain.CheckReport{}, fmt.Errorf("checker: text of version %s: %w", in.Version.ID, err)
		}
	}
	rules := DefaultRules()
	findings := Check(Input{
		Piece: Piece{
			Lines: lines, MediaType: in.Version.MediaType, Channel: string(in.Channel), Audience: string(in.Audience),
			TextStatus: in.Version.TextStatus, TextError: in.Version.TextError,
		},
		Label: in.Label, PreviousLabels: in.Previous, Claims: in.Claims, Now: now,
	}, rules)
	if findings == nil {
		findings = []domain.Finding{}
	}
	return domain.CheckReport{
		VersionID: in.Version.ID, Brand: in.Version.Brand, LabelVersion: in.Label.Version, RulesVersion: rules.Version, Findings: findings,
	}, nil
}
