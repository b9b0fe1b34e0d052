package pdfdoc

import "fmt"

// Form2253 holds the fields of Form FDA 2253 (transmittal of advertisements
// and promotional labeling) for one piece.
type Form2253 struct {
	ApplicationType   string
	ApplicationNumber string
	ProprietaryName   string
	EstablishedName   string
	PIDate            string
	Audience          string
	MaterialType      string
	DisseminationDate string
	MaterialID        string
	Title             string
}

// RenderForm2253 fills the fields of Form FDA 2253 for one piece, as a
// Letter-size PDF to attach to the submission or to check against the FDA
// form.
func RenderForm2253(f Form2253) ([]byte, error) {
	p := newDoc("Letter", "Form FDA 2253 fields "+f.MaterialID)
	p.SetFont(family, "B", 14)
	p.CellFormat(0, 9, "Form FDA 2253: transmittal of advertisements and promotional labeling", "", 1, "L", false, 0, "")
	p.SetFont(family, "", 9)
	p.MultiCell(0, 5, "Fields prepared by Fairshelf for one piece; transfer them to the official form or the electronic submission.",
		"", "L", false)
	p.Ln(3)
	row := func(label, value string) {
		p.SetFont(family, "B", 10)
		p.CellFormat(70, 8, label, "1", 0, "L", false, 0, "")
		p.SetFont(family, "", 10)
		p.CellFormat(0, 8, value, "1", 1, "L", false, 0, "")
	}
	row("Application type / number", fmt.Sprintf("%s %s", f.ApplicationType, f.ApplicationNumber))
	row("Proprietary name", f.ProprietaryName)
	row("Established name", f.EstablishedName)
	row("Date of current PI", f.PIDate)
	row("Professional or consumer", f.Audience)
	row("Material type", f.MaterialType)
	row("Date of initial dissemination", f.DisseminationDate)
	row("Material ID", f.MaterialID)
	row("Title", f.Title)
	return finish(p, "form 2253")
}
