// Package rtf reads the text of Rich Text Format as Word, WordPad and
// Outlook write it, for the scanner: every character a person can see in
// the document, plus what is in the file but out of the main flow
// (hidden text, document properties, headers, footnotes, comments, field
// codes, text boxes), and the pictures it embeds, decoded from hex so
// that the image policy can apply to them.
//
// It is a reader for hostile input: every length it allocates for is
// bounded by Limits, and anything it cannot read with confidence (a group
// nested too deep, braces left open at the end, a code page it does not
// know, an embedded OLE object) is reported as a Problem with the
// scanner's reason names, so the caller withholds the part: fail closed.
//
// It imports nothing of intake's.
package rtf
