package rtf

// What a control word does to the reader. Words not listed are formatting
// this reader does not need, and are ignored, as the RTF specification
// asks of readers.
type wordKind uint8

const (
	wIgnore      wordKind = iota
	wDest                 // a destination: see destKind
	wText                 // puts fixed text out (text field of word)
	wU                    // \uN
	wUC                   // \ucN
	wBin                  // \binN
	wF                    // \fN
	wAF                   // \afN
	wFcharset             // \fcharsetN (in the font table)
	wCpg                  // \cpgN (in the font table)
	wAnsicpg              // \ansicpgN
	wCharsetAnsi          // \ansi
	wCharsetMac           // \mac
	wCharsetPC            // \pc
	wCharsetPCA           // \pca
	wDeff                 // \deffN
	wPlain                // \plain
	wLoch                 // \loch
	wHich                 // \hich
	wDbch                 // \dbch
	wPictFormat           // \pngblip, \jpegblip... (format field of word)
	wPicw                 // \picwN
	wPich                 // \pichN
	wPar                  // \par: "\n", and the end of a paragraph
)

// destKind is what a destination's text is.
type destKind uint8

const (
	dNone       destKind = iota // not text a person reads: dropped
	dOther                      // text out of the body's flow: Result.Other
	dInfo                       // document properties: Result.Info
	dFontTable                  // read for each font's code page, text dropped
	dPict                       // picture data
	dObject                     // embedded OLE object: reported, data dropped
	dResult                     // an object's rendering: read as its parent
	dUpr                        // \upr: an ANSI text and its \ud Unicode twin
	dUd                         // \ud: the Unicode twin, read
	dFldinst                    // field instruction: Other, HYPERLINK read
	dShppict                    // Word 97+ picture (primary)
	dNonshppict                 // the same picture for older readers
	dShpinst                    // a shape's properties
	dShprslt                    // a shape's rendering for older readers
)

type word struct {
	kind   wordKind
	dest   destKind
	text   string
	format string
}

var words = map[string]word{
	// Breaks and special characters.
	"par":       {kind: wPar, text: "\n"},
	"line":      {kind: wText, text: "\n"},
	"page":      {kind: wText, text: "\n"},
	"sect":      {kind: wText, text: "\n"},
	"row":       {kind: wText, text: "\n"},
	"nestrow":   {kind: wText, text: "\n"},
	"tab":       {kind: wText, text: "\t"},
	"cell":      {kind: wText, text: "\t"},
	"nestcell":  {kind: wText, text: "\t"},
	"emdash":    {kind: wText, text: "\u2014"},
	"endash":    {kind: wText, text: "\u2013"},
	"emspace":   {kind: wText, text: " "},
	"enspace":   {kind: wText, text: " "},
	"qmspace":   {kind: wText, text: " "},
	"bullet":    {kind: wText, text: "\u2022"},
	"lquote":    {kind: wText, text: "\u2018"},
	"rquote":    {kind: wText, text: "\u2019"},
	"ldblquote": {kind: wText, text: "\u201c"},
	"rdblquote": {kind: wText, text: "\u201d"},

	// Unicode, code pages, fonts.
	"u":        {kind: wU},
	"uc":       {kind: wUC},
	"bin":      {kind: wBin},
	"f":        {kind: wF},
	"af":       {kind: wAF},
	"fcharset": {kind: wFcharset},
	"cpg":      {kind: wCpg},
	"ansicpg":  {kind: wAnsicpg},
	"ansi":     {kind: wCharsetAnsi},
	"mac":      {kind: wCharsetMac},
	"pc":       {kind: wCharsetPC},
	"pca":      {kind: wCharsetPCA},
	"deff":     {kind: wDeff},
	"plain":    {kind: wPlain},
	"loch":     {kind: wLoch},
	"hich":     {kind: wHich},
	"dbch":     {kind: wDbch},

	// Pictures.
	"pngblip":    {kind: wPictFormat, format: "png"},
	"jpegblip":   {kind: wPictFormat, format: "jpeg"},
	"emfblip":    {kind: wPictFormat, format: "emf"},
	"wmetafile":  {kind: wPictFormat, format: "wmf"},
	"dibitmap":   {kind: wPictFormat, format: "bmp"},
	"wbitmap":    {kind: wPictFormat, format: "ddb"},
	"macpict":    {kind: wPictFormat, format: "pict"},
	"pmmetafile": {kind: wPictFormat, format: "os2"},
	"picw":       {kind: wPicw},
	"pich":       {kind: wPich},

	// Destinations whose text no one reads: tables, metadata, binary.
	"fonttbl":            {kind: wDest, dest: dFontTable},
	"colortbl":           {kind: wDest, dest: dNone},
	"stylesheet":         {kind: wDest, dest: dNone},
	"listtable":          {kind: wDest, dest: dNone},
	"listoverridetable":  {kind: wDest, dest: dNone},
	"rsidtbl":            {kind: wDest, dest: dNone},
	"themedata":          {kind: wDest, dest: dNone},
	"colorschememapping": {kind: wDest, dest: dNone},
	"datastore":          {kind: wDest, dest: dNone},
	"latentstyles":       {kind: wDest, dest: dNone},
	"xmlnstbl":           {kind: wDest, dest: dNone},
	"generator":          {kind: wDest, dest: dNone},
	"pgdsctbl":           {kind: wDest, dest: dNone},
	"revtbl":             {kind: wDest, dest: dNone},
	"filetbl":            {kind: wDest, dest: dNone},
	"protusertbl":        {kind: wDest, dest: dNone},
	"mmathPr":            {kind: wDest, dest: dNone},
	"defchp":             {kind: wDest, dest: dNone},
	"defpap":             {kind: wDest, dest: dNone},
	"wgrffmtfilter":      {kind: wDest, dest: dNone},
	"blipuid":            {kind: wDest, dest: dNone},
	"picprop":            {kind: wDest, dest: dNone},
	"bkmkstart":          {kind: wDest, dest: dNone},
	"bkmkend":            {kind: wDest, dest: dNone},
	"panose":             {kind: wDest, dest: dNone},
	"falt":               {kind: wDest, dest: dNone},
	"fname":              {kind: wDest, dest: dNone},
	"fontemb":            {kind: wDest, dest: dNone},
	"fontfile":           {kind: wDest, dest: dNone},
	"objdata":            {kind: wDest, dest: dNone},
	"objclass":           {kind: wDest, dest: dNone},
	"objname":            {kind: wDest, dest: dNone},
	"objalias":           {kind: wDest, dest: dNone},
	"objsect":            {kind: wDest, dest: dNone},
	"objtime":            {kind: wDest, dest: dNone},
	"passwordhash":       {kind: wDest, dest: dNone},
	"password":           {kind: wDest, dest: dNone},
	"pnseclvl":           {kind: wDest, dest: dNone},
	"pn":                 {kind: wDest, dest: dNone},
	"pntxta":             {kind: wDest, dest: dNone},
	"pntxtb":             {kind: wDest, dest: dNone},
	"sn":                 {kind: wDest, dest: dNone},
	"oldcprops":          {kind: wDest, dest: dNone},
	"oldpprops":          {kind: wDest, dest: dNone},
	"oldsprops":          {kind: wDest, dest: dNone},
	"oldtprops":          {kind: wDest, dest: dNone},
	"atnid":              {kind: wDest, dest: dNone},
	"atnauthor":          {kind: wDest, dest: dNone},
	"atnicn":             {kind: wDest, dest: dNone},
	"atntime":            {kind: wDest, dest: dNone},
	"atndate":            {kind: wDest, dest: dNone},
	"atnref":             {kind: wDest, dest: dNone},
	"atnparent":          {kind: wDest, dest: dNone},
	"atrfstart":          {kind: wDest, dest: dNone},
	"atrfend":            {kind: wDest, dest: dNone},
	"ftnsep":             {kind: wDest, dest: dNone},
	"ftnsepc":            {kind: wDest, dest: dNone},
	"aftnsep":            {kind: wDest, dest: dNone},
	"aftnsepc":           {kind: wDest, dest: dNone},
	"xmlopen":            {kind: wDest, dest: dNone},
	"xmlclose":           {kind: wDest, dest: dNone},
	"xmlattrname":        {kind: wDest, dest: dNone},
	"template":           {kind: wDest, dest: dNone},
	"listpicture":        {kind: wDest, dest: dNone},
	"fldtype":            {kind: wDest, dest: dNone},
	"datafield":          {kind: wDest, dest: dNone},
	"nesttableprops":     {kind: wDest, dest: dNone},

	// Document properties.
	"info":      {kind: wDest, dest: dInfo},
	"title":     {kind: wDest, dest: dInfo},
	"subject":   {kind: wDest, dest: dInfo},
	"author":    {kind: wDest, dest: dInfo},
	"manager":   {kind: wDest, dest: dInfo},
	"company":   {kind: wDest, dest: dInfo},
	"operator":  {kind: wDest, dest: dInfo},
	"category":  {kind: wDest, dest: dInfo},
	"keywords":  {kind: wDest, dest: dInfo},
	"comment":   {kind: wDest, dest: dInfo},
	"doccomm":   {kind: wDest, dest: dInfo},
	"hlinkbase": {kind: wDest, dest: dInfo},
	"userprops": {kind: wDest, dest: dInfo},
	"propname":  {kind: wDest, dest: dInfo},
	"staticval": {kind: wDest, dest: dInfo},
	"docvar":    {kind: wDest, dest: dInfo},

	// Text out of the body's flow.
	"header":       {kind: wDest, dest: dOther},
	"headerl":      {kind: wDest, dest: dOther},
	"headerr":      {kind: wDest, dest: dOther},
	"headerf":      {kind: wDest, dest: dOther},
	"footer":       {kind: wDest, dest: dOther},
	"footerl":      {kind: wDest, dest: dOther},
	"footerr":      {kind: wDest, dest: dOther},
	"footerf":      {kind: wDest, dest: dOther},
	"footnote":     {kind: wDest, dest: dOther},
	"annotation":   {kind: wDest, dest: dOther},
	"shptxt":       {kind: wDest, dest: dOther},
	"sv":           {kind: wDest, dest: dOther},
	"listtext":     {kind: wDest, dest: dOther},
	"pntext":       {kind: wDest, dest: dOther},
	"htmltag":      {kind: wDest, dest: dOther},
	"mhtmltag":     {kind: wDest, dest: dOther},
	"xmlattrvalue": {kind: wDest, dest: dOther},
	"nonesttables": {kind: wDest, dest: dOther},
	"txe":          {kind: wDest, dest: dOther},
	"xe":           {kind: wDest, dest: dOther},
	"tc":           {kind: wDest, dest: dOther},
	"rxe":          {kind: wDest, dest: dOther},
	"fldinst":      {kind: wDest, dest: dFldinst},
	"pict":         {kind: wDest, dest: dPict},
	"object":       {kind: wDest, dest: dObject},
	"result":       {kind: wDest, dest: dResult},
	"upr":          {kind: wDest, dest: dUpr},
	"ud":           {kind: wDest, dest: dUd},
	"shppict":      {kind: wDest, dest: dShppict},
	"nonshppict":   {kind: wDest, dest: dNonshppict},
	"shpinst":      {kind: wDest, dest: dShpinst},
	"shprslt":      {kind: wDest, dest: dShprslt},
}
