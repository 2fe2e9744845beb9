package pdf

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/md5"
	"crypto/rc4"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"

	"github.com/intake-mail/intake/scan/internal/budget"
)

// A PDF encrypted with the standard security handler (ISO 32000 7.6.4)
// and an empty user password opens in every viewer without a prompt, so
// its text is as readable to a person as plain text and we read it too.
// Any other password, or another handler, leaves the PDF unscannable:
// budget.ReasonEncrypted.

// pdfPasswordPad is the padding string of Algorithm 2 (7.6.4.3.2).
var pdfPasswordPad = []byte{
	0x28, 0xBF, 0x4E, 0x5E, 0x4E, 0x75, 0x8A, 0x41, 0x64, 0x00, 0x4E, 0x56, 0xFF, 0xFA, 0x01, 0x08,
	0x2E, 0x2E, 0x00, 0xB6, 0xD0, 0x68, 0x3E, 0x80, 0x2F, 0x0C, 0xA9, 0xFE, 0x64, 0x53, 0x69, 0x7A,
}

type pdfCrypt struct {
	key      []byte
	aesV2    bool // AES-128 with per-object keys
	aesV3    bool // AES-256, one key for the file
	identStm bool // streams are not encrypted (Identity crypt filter)
	identStr bool // strings are not encrypted
}

// setupCrypt opens the document with the empty user password.
func (d *pdfDoc) setupCrypt() error {
	if ref, ok := d.trailer["Encrypt"].(pdfRef); ok {
		d.encrypt = ref
	}
	enc := d.dict(d.trailer["Encrypt"])
	if enc == nil {
		return budget.Unscannable(budget.ReasonEncrypted, "pdf: encryption dictionary missing")
	}
	if d.name(enc["Filter"]) != "Standard" {
		return budget.Unscannable(budget.ReasonEncrypted, "pdf: not the standard security handler")
	}
	v, _ := d.resolve(enc["V"]).(pdfInt)
	r, _ := d.resolve(enc["R"]).(pdfInt)
	o, _ := d.resolve(enc["O"]).(pdfString)
	u, _ := d.resolve(enc["U"]).(pdfString)
	p, _ := d.resolve(enc["P"]).(pdfInt)
	c := &pdfCrypt{}
	switch {
	case v == 5 && (r == 5 || r == 6):
		key, ok := aes256FileKey(int(r), u, d.resolve(enc["UE"]))
		if !ok {
			return budget.Unscannable(budget.ReasonEncrypted, "pdf: needs a password")
		}
		c.key, c.aesV3 = key, true
		c.identStm, c.identStr = d.identityFilters(enc)
	case v == 1 || v == 2 || v == 4:
		n := 5
		if v > 1 {
			if l, ok := d.resolve(enc["Length"]).(pdfInt); ok && l >= 40 && l <= 128 && l%8 == 0 {
				n = int(l / 8)
			} else {
				n = 16
			}
		}
		if v == 4 {
			cf := d.cryptFilter(enc)
			switch d.name(cf["CFM"]) {
			case "AESV2":
				c.aesV2, n = true, 16
			case "V2":
			case "None", "":
			default:
				return budget.Unscannable(budget.ReasonEncrypted, "pdf: unknown crypt filter")
			}
			c.identStm, c.identStr = d.identityFilters(enc)
		}
		var id []byte
		if ids := d.array(d.trailer["ID"]); len(ids) > 0 {
			s, _ := d.resolve(ids[0]).(pdfString)
			id = s
		}
		encryptMetadata := true
		if b, ok := d.resolve(enc["EncryptMetadata"]).(bool); ok {
			encryptMetadata = b
		}
		key := rc4FileKey(int(r), n, o, uint32(int32(p)), id, encryptMetadata)
		if !rc4UserPasswordOK(int(r), key, u, id) {
			return budget.Unscannable(budget.ReasonEncrypted, "pdf: needs a password")
		}
		c.key = key
	default:
		return budget.Unscannable(budget.ReasonEncrypted, "pdf: unsupported encryption")
	}
	d.crypt = c
	d.decryptStrings()
	return nil
}

func (d *pdfDoc) cryptFilter(enc pdfDict) pdfDict {
	cfs := d.dict(enc["CF"])
	stmf := d.name(enc["StmF"])
	return d.dict(cfs[stmf])
}

func (d *pdfDoc) identityFilters(enc pdfDict) (stm, str bool) {
	s, t := d.name(enc["StmF"]), d.name(enc["StrF"])
	return s == "Identity" || s == "", t == "Identity" || t == ""
}

// rc4FileKey is Algorithm 2 with the empty password.
func rc4FileKey(r, n int, o []byte, p uint32, id []byte, encryptMetadata bool) []byte {
	h := md5.New()
	h.Write(pdfPasswordPad)
	h.Write(o)
	var pb [4]byte
	binary.LittleEndian.PutUint32(pb[:], p)
	h.Write(pb[:])
	h.Write(id)
	if r >= 4 && !encryptMetadata {
		h.Write([]byte{0xff, 0xff, 0xff, 0xff})
	}
	key := h.Sum(nil)
	if r >= 3 {
		for i := 0; i < 50; i++ {
			s := md5.Sum(key[:n])
			key = s[:]
		}
	}
	return key[:n]
}

// rc4UserPasswordOK is Algorithms 4 and 5: does the empty password open it?
func rc4UserPasswordOK(r int, key, u, id []byte) bool {
	if len(u) < 16 {
		return false
	}
	if r == 2 {
		c, _ := rc4.NewCipher(key)
		out := make([]byte, 32)
		c.XORKeyStream(out, pdfPasswordPad)
		return bytes.Equal(out, u[:min(32, len(u))]) || bytes.Equal(out[:16], u[:16])
	}
	h := md5.New()
	h.Write(pdfPasswordPad)
	h.Write(id)
	out := h.Sum(nil)
	for i := 0; i <= 19; i++ {
		k := make([]byte, len(key))
		for j := range key {
			k[j] = key[j] ^ byte(i)
		}
		c, _ := rc4.NewCipher(k)
		c.XORKeyStream(out, out)
	}
	return bytes.Equal(out[:16], u[:16])
}

// aes256FileKey is Algorithm 2.A with the empty password (R5 and R6).
func aes256FileKey(r int, u pdfString, ueObj pdfObj) ([]byte, bool) {
	ue, _ := ueObj.(pdfString)
	if len(u) < 48 || len(ue) < 32 {
		return nil, false
	}
	hash := func(salt []byte) []byte {
		if r == 5 {
			s := sha256.Sum256(salt)
			return s[:]
		}
		return pdfHash2B(nil, salt, nil)
	}
	if !bytes.Equal(hash(u[32:40]), u[:32]) {
		return nil, false
	}
	ik := hash(u[40:48])
	block, err := aes.NewCipher(ik)
	if err != nil {
		return nil, false
	}
	key := make([]byte, 32)
	cipher.NewCBCDecrypter(block, make([]byte, 16)).CryptBlocks(key, ue[:32])
	return key, true
}

// pdfHash2B is Algorithm 2.B of ISO 32000-2.
func pdfHash2B(password, salt, udata []byte) []byte {
	h := sha256.New()
	h.Write(password)
	h.Write(salt)
	h.Write(udata)
	k := h.Sum(nil)
	for i := 0; ; i++ {
		k1 := bytes.Repeat(append(append(append([]byte(nil), password...), k...), udata...), 64)
		block, _ := aes.NewCipher(k[:16])
		e := make([]byte, len(k1))
		cipher.NewCBCEncrypter(block, k[16:32]).CryptBlocks(e, k1)
		sum := 0
		for _, c := range e[:16] {
			sum += int(c)
		}
		switch sum % 3 {
		case 0:
			s := sha256.Sum256(e)
			k = s[:]
		case 1:
			s := sha512.Sum384(e)
			k = s[:]
		case 2:
			s := sha512.Sum512(e)
			k = s[:]
		}
		if i >= 63 && int(e[len(e)-1]) <= i-31 {
			return k[:32]
		}
	}
}

// objectKey is Algorithm 1: the key for one object.
func (c *pdfCrypt) objectKey(ref pdfRef) []byte {
	if c.aesV3 {
		return c.key
	}
	h := md5.New()
	h.Write(c.key)
	h.Write([]byte{byte(ref.num), byte(ref.num >> 8), byte(ref.num >> 16), byte(ref.gen), byte(ref.gen >> 8)})
	if c.aesV2 {
		h.Write([]byte("sAlT"))
	}
	return h.Sum(nil)[:min(len(c.key)+5, 16)]
}

func (c *pdfCrypt) decrypt(ref pdfRef, data []byte) ([]byte, error) {
	key := c.objectKey(ref)
	if !c.aesV2 && !c.aesV3 {
		out := make([]byte, len(data))
		r, _ := rc4.NewCipher(key)
		r.XORKeyStream(out, data)
		return out, nil
	}
	if len(data) < 16 || len(data)%16 != 0 {
		if len(data) == 0 {
			return nil, nil
		}
		return nil, budget.Unscannable(budget.ReasonParseError, "pdf: bad AES data length")
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, budget.Unscannable(budget.ReasonParseError, "pdf: bad AES key")
	}
	out := make([]byte, len(data)-16)
	cipher.NewCBCDecrypter(block, data[:16]).CryptBlocks(out, data[16:])
	if n := len(out); n > 0 {
		if pad := int(out[n-1]); pad >= 1 && pad <= 16 && pad <= n {
			out = out[:n-pad]
		}
	}
	return out, nil
}

func (c *pdfCrypt) decryptStream(ref pdfRef, data []byte) ([]byte, error) {
	if c.identStm && (c.aesV2 || c.aesV3) {
		return data, nil
	}
	return c.decrypt(ref, data)
}

// decryptStrings decrypts the strings of every file-level object in place
// (strings inside object streams were decrypted with their stream).
func (d *pdfDoc) decryptStrings() {
	c := d.crypt
	if c.identStr && (c.aesV2 || c.aesV3) {
		return
	}
	for num, obj := range d.objs {
		if num == d.encrypt.num {
			continue
		}
		ref := pdfRef{num: num, gen: d.gens[num]}
		if s, ok := obj.(*pdfStream); ok {
			ref = s.ref
			if d.name(s.dict["Type"]) == "XRef" {
				continue
			}
			d.decryptIn(s.dict, ref, 0)
			continue
		}
		d.objs[num] = d.decryptIn(obj, ref, 0)
	}
}

func (d *pdfDoc) decryptIn(o pdfObj, ref pdfRef, depth int) pdfObj {
	if depth > maxPDFNesting {
		return o
	}
	switch v := o.(type) {
	case pdfString:
		out, err := d.crypt.decrypt(ref, v)
		if err != nil {
			return v
		}
		return pdfString(out)
	case pdfArray:
		for i := range v {
			v[i] = d.decryptIn(v[i], ref, depth+1)
		}
	case pdfDict:
		for k := range v {
			v[k] = d.decryptIn(v[k], ref, depth+1)
		}
	}
	return o
}
