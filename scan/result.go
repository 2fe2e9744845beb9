package scan

// Kind is a finding's type as the JSON contract names it.
type Kind string

const (
	KindSSN Kind = "ssn" // US Social Security number or ITIN
	KindPAN Kind = "pan" // payment card number
)

// Finding is one sensitive number. It holds at most the last four digits;
// the full number is never kept past the detector.
type Finding struct {
	Type   Kind   `json:"type"`
	Last4  string `json:"last4"`
	Masked string `json:"masked"` // "***-**-6789", "**** **** **** 1111"
	Where  string `json:"where"`  // "subject", "body", "attachment:NAME", "header:from"
	// Start and End are byte offsets in the part's text before masking.
	Start int `json:"-"`
	End   int `json:"-"`
}

// Unscannable is a part the scanner could not read with confidence. The
// caller withholds it from the ticket and keeps it only sealed.
type Unscannable struct {
	Where  string `json:"where"`
	Reason string `json:"reason"`
}

// Part is one thing a person would see: the subject, a body, an attachment
// (or a file inside an archive attachment). Text is already masked.
type Part struct {
	Where       string // contract location, masked (a file name can hold a number)
	ContentType string // as declared, lower case, without parameters
	Filename    string // masked; "" for bodies
	Attachment  bool   // an attachment rather than a body or the subject
	HTML        bool   // Text was made from HTML (never stored for rendering)
	Text        string // masked text; "" for binaries
	// Content is the decoded attachment, kept only for clean attachments
	// (no finding, nothing withheld) so the store can offer it to staff.
	Content  []byte
	Findings []Finding
	Withheld bool   // unscannable or sensitive binary: staff must not see it
	Reason   string // why withheld: an Unscannable reason, or "sensitive"
}

// Result is everything the scanner learned from one message.
type Result struct {
	Subject     string // masked, decoded
	Parts       []Part
	Findings    []Finding
	Unscannable []Unscannable
	Images      ImageCounts
}

// ImageCounts tallies what the image policy did with the images of one
// message, wherever they sat (attached, inline, data: URI, inside a
// document or an archive). Each image is counted once, in the first of
// these that applies.
type ImageCounts struct {
	OCRFound   int // read by OCR: a number found in it
	Withheld   int // withheld: images = withhold, or OCR could not read it or vouch for it
	BelowFloor int // too small to hold a legible number: passed unread
	OCRClean   int // read by OCR: no number, nothing doubtful; passed
}

// Sensitive reports whether any full number was found.
func (r *Result) Sensitive() bool { return len(r.Findings) > 0 }

// Verdict is the summary a script or a policy acts on.
type Verdict int

const (
	VerdictClean       Verdict = iota // nothing found, everything read
	VerdictSensitive                  // at least one finding
	VerdictUnscannable                // nothing found, but some part could not be read
)

func (r *Result) Verdict() Verdict {
	switch {
	case len(r.Findings) > 0:
		return VerdictSensitive
	case len(r.Unscannable) > 0:
		return VerdictUnscannable
	}
	return VerdictClean
}

// NeedsSealing reports whether the raw original must be kept (sealed): it
// holds a finding or a part that was withheld.
func (r *Result) NeedsSealing() bool { return r.Verdict() != VerdictClean }
