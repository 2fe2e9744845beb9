package scan

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
)

// xlsxOtherRules read the workbook's other parts: sheet names, comments,
// drawings, charts, and the values a pivot cache copies from the data.
var xlsxOtherRules = func() xmlRules {
	r := ooxmlRules
	r.attrs = map[string]string{"sheet": "name", "s": "v", "n": "v"}
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
	used := make([]bool, len(shared))
	for _, n := range d.matching("xl/worksheets/") {
		data, ok, err := d.read(n)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if err := xlsxSheet(d.b, out, data, shared, used); err != nil {
			return fmt.Errorf("%s: %w", path.Base(n), err)
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

// xlsxSheet writes a worksheet's rows (ECMA-376 18.3.1.73) and its header
// and footer text.
func xlsxSheet(b *budget, out *strings.Builder, data []byte, shared []string, used []bool) error {
	data, err := xmlUTF8(data)
	if err != nil {
		return err
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.CharsetReader = xmlCharsetReader
	var (
		row                   []string
		cell                  strings.Builder
		cellType              string
		inCell, inV, inT, inF bool
		inHeaderFooter        bool
	)
	for n := 0; ; n++ {
		tok, err := xmlToken(b, dec, n, "xml")
		if err == io.EOF {
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
				cellType = ""
				for _, a := range t.Attr {
					if a.Name.Local == "t" {
						cellType = a.Value
					}
				}
			case "v":
				inV = true
			case "t":
				inT = true
			case "f":
				inF = true
			case "oddHeader", "oddFooter", "evenHeader", "evenFooter", "firstHeader", "firstFooter":
				inHeaderFooter = true
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
				row = append(row, cellText(cellType, cell.String(), shared, used))
			case "v":
				inV = false
			case "t":
				inT = false
			case "f":
				inF = false
			case "oddHeader", "oddFooter", "evenHeader", "evenFooter", "firstHeader", "firstFooter":
				inHeaderFooter = false
				out.WriteByte('\n')
			}
		case xml.CharData:
			switch {
			case inCell && !inF && (inV || inT):
				cell.Write(t)
			case inHeaderFooter:
				out.Write(t)
			}
		}
	}
}

// cellText is what a cell shows: a shared string by index, else the literal
// value (number, inline string, formula result, date serial).
func cellText(cellType, value string, shared []string, used []bool) string {
	if cellType == "s" {
		if i, err := strconv.Atoi(strings.TrimSpace(value)); err == nil && i >= 0 && i < len(shared) {
			used[i] = true
			return shared[i]
		}
	}
	return value
}
