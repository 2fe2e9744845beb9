// Package ocr reads the text in pictures for the scanner's image policy
// (package scan, image.go, decides which pictures are read): it runs
// tesseract on one image (Text), reads what it printed (Parse), and reads
// the headers of hostile pictures without decoding them (Size, MoreFrames,
// Frames, MayBeTransparent; every page of a TIFF).
//
// Budgets: a picture's size is read from its header before anything else,
// and one past Limits.MaxOCRPixels (all pages of a TIFF together, at most
// 100 pages) is too_large without a process being started; one whose size
// cannot be read is never given to tesseract. At most one tesseract per
// CPU runs in the whole process, each with one thread, under an
// address-space limit (Limits.OCRMemory, by ulimit -v in /bin/sh), within
// the message's remaining time, and may print at most 1 MiB. Decoding a
// picture to prepare it (prepare.go) is charged to the shared memory
// account; the text is charged to the decoded-bytes budget.
package ocr
