package office

import (
	"bytes"
	"encoding/xml"
	"io"
	"strconv"
	"strings"
)

// maxNumFmtLen bounds a format code: Excel accepts 255 characters; a
// longer one is not Excel's and is shown as General, which keeps every
// digit and costs nothing per cell.
const maxNumFmtLen = 1024

// xlsxStyles maps a cell's style index (its s attribute) to the number
// format it is shown with (ECMA-376 18.8.10 cellXfs, 18.8.31 numFmts).
type xlsxStyles struct {
	xfFmt    []int          // cellXfs index -> numFmtId
	codes    map[int]string // numFmtId -> format code defined in the file
	compiled map[int]*numFmt
}

// format returns the compiled format of style index s; General when the
// index or the id is unknown, which shows every digit.
func (st *xlsxStyles) format(s string) *numFmt {
	id := 0
	if st != nil && s != "" {
		if i, err := strconv.Atoi(s); err == nil && i >= 0 && i < len(st.xfFmt) {
			id = st.xfFmt[i]
		}
	}
	if st == nil {
		return compileNumFmt("General")
	}
	if f, ok := st.compiled[id]; ok {
		return f
	}
	code, ok := st.codes[id]
	if !ok {
		code, ok = builtinNumFmts[id]
	}
	if !ok || len(code) > maxNumFmtLen {
		code = "General"
	}
	f := compileNumFmt(code)
	st.compiled[id] = f
	return f
}

// styles reads xl/styles.xml. A workbook without one shows every cell as
// General.
func (d *officeDoc) styles() (*xlsxStyles, error) {
	st := &xlsxStyles{codes: map[int]string{}, compiled: map[int]*numFmt{}}
	name := ""
	for _, n := range d.names {
		if strings.EqualFold(n, "xl/styles.xml") {
			name = n
			break
		}
	}
	data, ok, err := d.read(name)
	if err != nil || !ok {
		return st, err
	}
	data, err = xmlUTF8(data)
	if err != nil {
		return nil, err
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.CharsetReader = xmlCharsetReader
	var inNumFmts, inCellXfs bool
	for n := 0; ; n++ {
		tok, err := xmlToken(d.b, dec, n, "styles.xml")
		if err == io.EOF {
			return st, nil
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "numFmts":
				inNumFmts = true
			case "cellXfs":
				inCellXfs = true
			case "numFmt":
				if inNumFmts {
					id, code := -1, ""
					for _, a := range t.Attr {
						switch a.Name.Local {
						case "numFmtId":
							id, _ = strconv.Atoi(a.Value)
						case "formatCode":
							code = a.Value
						}
					}
					if id >= 0 {
						st.codes[id] = code
					}
				}
			case "xf":
				if inCellXfs {
					id := 0
					for _, a := range t.Attr {
						if a.Name.Local == "numFmtId" {
							id, _ = strconv.Atoi(a.Value)
						}
					}
					st.xfFmt = append(st.xfFmt, id)
				}
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "numFmts":
				inNumFmts = false
			case "cellXfs":
				inCellXfs = false
			}
		}
	}
}
