package rtf

import (
	"strings"
	"testing"
)

func BenchmarkExtractWord(b *testing.B) {
	var paras []Para
	for i := range 2000 {
		paras = append(paras, Para{{Text: "The quick brown fox jumps over the lazy dog, invoice 2024-" + strings.Repeat("7", i%9), Split: 9}})
	}
	doc := WordDoc{Title: "Report", Theme: make([]byte, 64<<10), Paragraphs: paras}.Bytes()
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Extract(doc, Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkExtractShiftJIS(b *testing.B) {
	var paras []Para
	for range 2000 {
		paras = append(paras, Para{{Text: "お問い合わせ番号は４１１１です。よろしくお願いします。", Split: 7}})
	}
	doc := WordDoc{CodePage: 932, Paragraphs: paras}.Bytes()
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Extract(doc, Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}
