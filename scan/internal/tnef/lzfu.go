package tnef

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
)

// Compressed RTF (MS-OXRTFCP): a 16-byte header, then LZ77 with a
// 4096-byte dictionary that starts filled with RTF Outlook often writes.
const (
	compressedMagic   = 0x75465a4c // "LZFu"
	uncompressedMagic = 0x414c454d // "MELA"
	rtfHeaderSize     = 16
	dictSize          = 4096
)

// dictPrefill is the dictionary's first 207 bytes (MS-OXRTFCP 3.1.3.1).
const dictPrefill = "{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman " +
	"\\fswiss \\fmodern \\fscript \\fdecor MS Sans SerifSymbolArialTimes New RomanCourier" +
	"{\\colortbl\\red0\\green0\\blue0\r\n\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx"

// rtfCRC is the header's CRC: CRC-32 (IEEE) with no pre- or
// post-inversion (MS-OXRTFCP 3.1.3.2), so not crc32.ChecksumIEEE.
func rtfCRC(data []byte) uint32 {
	var crc uint32
	for _, b := range data {
		crc = crc32.IEEETable[byte(crc)^b] ^ crc>>8
	}
	return crc
}

// decompressRTF turns PR_RTF_COMPRESSED into RTF, producing at most max
// bytes. What it could not do is a problem (reason, detail); the bytes
// decompressed until then are still returned, to be read.
func decompressRTF(data []byte, max int) (out []byte, reason, detail string) {
	if len(data) < rtfHeaderSize {
		return nil, ReasonTruncated, "compressed RTF shorter than its header"
	}
	compSize := int64(binary.LittleEndian.Uint32(data))
	rawSize := int64(binary.LittleEndian.Uint32(data[4:]))
	magic := binary.LittleEndian.Uint32(data[8:])
	crc := binary.LittleEndian.Uint32(data[12:])

	// COMPSIZE counts the bytes after itself.
	end := int64(len(data))
	if compSize+4 < end {
		end = compSize + 4
	}
	body := data[rtfHeaderSize:max64(end, rtfHeaderSize)]
	truncated := compSize+4 > int64(len(data))

	switch magic {
	case uncompressedMagic:
		n := min(int64(len(body)), rawSize)
		if n > int64(max) {
			return body[:max], ReasonTooLarge, fmt.Sprintf("RTF body over %d bytes", max)
		}
		if n < rawSize {
			return body[:n], ReasonTruncated, "uncompressed RTF shorter than its header says"
		}
		return body[:n], "", ""
	case compressedMagic:
	default:
		return nil, ReasonUnsupported, fmt.Sprintf("RTF compression %#08x", magic)
	}

	if truncated {
		reason, detail = ReasonTruncated, "compressed RTF shorter than its header says"
	} else if rtfCRC(body) != crc {
		reason, detail = ReasonBadEncoding, "compressed RTF fails its CRC"
	}

	var dict [dictSize]byte
	copy(dict[:], dictPrefill)
	wp := len(dictPrefill)
	// The output is at most 17 bytes per 2 bytes of input; the header's
	// size is only a hint and is not trusted for the allocation.
	out = make([]byte, 0, min(rawSize, int64(max), int64(len(body))*9+16))
	put := func(c byte) {
		dict[wp] = c
		wp = (wp + 1) & (dictSize - 1)
		out = append(out, c)
	}
	i := 0
	for i < len(body) {
		flags := body[i]
		i++
		for bit := 0; bit < 8; bit++ {
			if flags&(1<<bit) == 0 {
				if i >= len(body) {
					break
				}
				put(body[i])
				i++
			} else {
				if i+1 >= len(body) {
					i = len(body)
					break
				}
				ref := int(body[i])<<8 | int(body[i+1])
				i += 2
				offset, n := ref>>4, ref&0xf+2
				if offset == wp {
					// The end marker: a reference to where the next byte
					// would be written.
					return out, reason, detail
				}
				for k := range n {
					put(dict[(offset+k)&(dictSize-1)])
				}
			}
			if len(out) > max {
				return out[:max], ReasonTooLarge, fmt.Sprintf("RTF body over %d bytes", max)
			}
		}
	}
	// No end marker: older writers stop at COMPSIZE; what RAWSIZE says
	// must then be there.
	if int64(len(out)) < rawSize && reason == "" {
		reason, detail = ReasonTruncated, "compressed RTF ends early"
	}
	return out, reason, detail
}

func max64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}
