package office

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/intake-mail/intake/scan/internal/budget"
)

// xlsxOtherRules read the workbook's other parts: sheet names, comments,
// drawings, charts, and the values a pivot cache copies from the data.
var xlsxOtherRules = func() xmlRules {
	r := ooxmlRules
	r.attrs = map[string][]string{"s": {"v"}, "n": {"v"}}
	for k, v := range ooxmlAttrs {
		r.attrs[k] = v
	}
	r.numeric = nameSet("v", "n")
	// A defined name's value can be a constant typed into Name Manager.
	r.text = nameSet("t", "delText", "instrText", "v", "text", "definedName")
	// Cells of macro and dialog sheets: a row per line, a tab per cell.
	r.para = nameSet("p", "tr", "pt", "row")
	r.cell = nameSet("tc", "c")
	return r
}()

// xlsx writes one line per row, cells separated by a tab, with shared
// strings put back in their cells; then strings no cell uses; then the
// workbook's other parts.
func (d *officeDoc) xlsx(out *strings.Builder) error {
	shared, err := d.sharedStrings()
	if err != nil {
		return err
	}
	styles, err := d.styles()
	if err != nil {
		return fmt.Errorf("styles.xml: %w", err)
	}
	used := make([]bool, len(shared))
	for _, n := range d.matching("xl/worksheets/") {
		data, ok, err := d.read(n)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if err := xlsxSheet(d.b, out, data, shared, used, styles); err != nil {
			return fmt.Errorf("%s: %w", partLabel(n), err)
		}
	}
	for i, s := range shared {
		if !used[i] && strings.TrimSpace(s) != "" {
			out.WriteString(s)
			out.WriteByte('\n')
		}
	}
	return d.parts(out, xlsxOtherRules, []string{"xl/workbook.xml"}, "xl/")
}

// sharedStrings reads the workbook's string table (ECMA-376 18.4).
func (d *officeDoc) sharedStrings() ([]string, error) {
	name := ""
	for _, n := range d.names {
		if strings.EqualFold(n, "xl/sharedStrings.xml") {
			name = n
			break
		}
	}
	data, ok, err := d.read(name)
	if err != nil || !ok {
		return nil, err
	}
	data, err = xmlUTF8(data)
	if err != nil {
		return nil, err
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.CharsetReader = xmlCharsetReader
	var (
		strs      []string
		cur       strings.Builder
		inSI, inT bool
		phonetic  int
	)
	for n := 0; ; n++ {
		tok, err := xmlToken(d.b, dec, n, "sharedStrings.xml")
		if err == io.EOF {
			return strs, nil
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "si":
				inSI = true
				cur.Reset()
			case "t":
				inT = true
			case "rPh": // phonetic reading of Japanese text: not what was typed
				phonetic++
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "si":
				inSI = false
				strs = append(strs, cur.String())
			case "t":
				inT = false
			case "rPh":
				phonetic = max(phonetic-1, 0)
			}
		case xml.CharData:
			if inSI && inT && phonetic == 0 {
				cur.Write(t)
			}
		}
	}
}

// xlsxSheet writes a worksheet's rows (ECMA-376 18.3.1.73), each cell as
// Excel shows it, then the sheet's header and footer text, hyperlink
// labels and data-validation prompts and lists.
func xlsxSheet(b *budget.Budget, out *strings.Builder, data []byte, shared []string, used []bool, styles *xlsxStyles) error {
	data, err := xmlUTF8(data)
	if err != nil {
		return err
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.CharsetReader = xmlCharsetReader
	var (
		row                   []string
		cell                  strings.Builder
		cellType, cellStyle   string
		inCell, inV, inT, inF bool
		phonetic              int
		inHeaderFooter        bool
		inValidationList      bool
		extra                 strings.Builder // text outside the grid, after it
	)
	for n := 0; ; n++ {
		tok, err := xmlToken(b, dec, n, "xml")
		if err == io.EOF {
			out.WriteString(extra.String())
			return nil
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "row":
				row = row[:0]
			case "c":
				inCell = true
				cell.Reset()
				cellType, cellStyle = "", ""
				for _, a := range t.Attr {
					switch a.Name.Local {
					case "t":
						cellType = a.Value
					case "s":
						cellStyle = a.Value
					}
				}
			case "v":
				inV = true
			case "t":
				inT = true
			case "rPh": // phonetic reading of Japanese text: not what was typed
				phonetic++
			case "f":
				inF = true
			case "oddHeader", "oddFooter", "evenHeader", "evenFooter", "firstHeader", "firstFooter":
				inHeaderFooter = true
			case "hyperlink", "dataValidation":
				// What a person sees on hover or when the cell is selected.
				for _, a := range t.Attr {
					switch a.Name.Local {
					case "display", "tooltip", "location", "prompt", "promptTitle", "error", "errorTitle":
						if a.Value != "" {
							extra.WriteString(a.Value)
							extra.WriteByte('\n')
						}
					}
				}
			case "formula1", "formula2":
				inValidationList = true
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "row":
				if len(row) > 0 {
					out.WriteString(strings.Join(row, "\t"))
					out.WriteByte('\n')
				}
				row = row[:0]
			case "c":
				inCell = false
				row = append(row, cellText(cellType, cell.String(), shared, used, styles.format(cellStyle)))
			case "v":
				inV = false
			case "t":
				inT = false
			case "rPh":
				phonetic = max(phonetic-1, 0)
			case "f":
				inF = false
			case "oddHeader", "oddFooter", "evenHeader", "evenFooter", "firstHeader", "firstFooter":
				inHeaderFooter = false
				out.WriteByte('\n')
			case "formula1", "formula2":
				inValidationList = false
				extra.WriteByte('\n')
			}
		case xml.CharData:
			switch {
			case inCell && !inF && phonetic == 0 && (inV || inT):
				cell.Write(t)
			case inHeaderFooter:
				out.Write(t)
			case inValidationList:
				// A drop-down list's items, written in the file.
				extra.Write(t)
			}
		}
	}
}

// cellText is what a cell shows (ECMA-376 18.18.11): a shared string by
// index, an inline or formula string, a boolean, an error, or a number
// through the cell's number format.
func cellText(cellType, value string, shared []string, used []bool, f *numFmt) string {
	switch cellType {
	case "s":
		if i, err := strconv.Atoi(strings.TrimSpace(value)); err == nil && i >= 0 && i < len(shared) {
			used[i] = true
			return f.formatText(shared[i])
		}
		return value
	case "inlineStr", "str":
		return f.formatText(value)
	case "b":
		switch strings.TrimSpace(value) {
		case "1":
			return "TRUE"
		case "0":
			return "FALSE"
		}
		return value
	case "e", "d":
		return value
	}
	d, ok := parseDecimal(value)
	if !ok {
		return value
	}
	plain := d.general()
	shown, ok := f.formatNumber(d)
	if !ok {
		return plain
	}
	return cellShown(shown, plain)
}
