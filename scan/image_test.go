package scan

// docVerdict is what an extractor's reading of a document comes to once
// the images it met are judged, as the walk judges them: its own error,
// else the first image the policy withholds.
func docVerdict(b *account, err error) error {
	if err != nil {
		return err
	}
	for _, n := range b.images {
		if n.read.err != nil {
			return n.read.err
		}
	}
	return nil
}

// imageTexts is what OCR read of the images an extractor met.
func imageTexts(b *account) string {
	s := ""
	for _, n := range b.images {
		s += n.read.ocr.Text + "\n"
	}
	return s
}
