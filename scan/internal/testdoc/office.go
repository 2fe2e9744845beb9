package testdoc

// Namespace declarations of the Office XML the tests write.
const (
	WNS = `xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"`
	ANS = `xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"`
	XNS = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"`
	ONS = `xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"`
)

// ContentTypes is the [Content_Types].xml entry every OOXML package has.
func ContentTypes() ZipFile {
	return ZipFile{Name: "[Content_Types].xml", Data: []byte(`<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`)}
}

// WordDoc wraps paragraphs in a WordprocessingML body.
func WordDoc(body string) []byte {
	return []byte(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document ` + WNS + `><w:body>` + body + `</w:body></w:document>`)
}
