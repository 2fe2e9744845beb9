package mailgen

// Words around the numbers. None holds a digit or an SSN keyword ("SSN",
// "social", "tin", "taxpayer"...): a negative message must give the
// scanner no reason to read nine bare digits as an SSN.

type language struct {
	name      string
	greetings []string
	lines     []string
	closings  []string
	names     []string
	subjects  []string
}

var languages = []language{
	{
		name:      "en",
		greetings: []string{"Hello,", "Hi support team,", "Dear support,", "Good morning,"},
		lines: []string{
			"I am writing about my account.",
			"Could you please update my details?",
			"I tried to call but the line was busy.",
			"Please see the attached file.",
			"Let me know if you need anything else.",
			"The renewal form would not accept my details online.",
			"My husband asked me to send this for both of us.",
			"I hope this is the right address for billing questions.",
			"Sorry for the long delay & thank you for your patience.",
			"Is there a way to do this <without> a phone call?",
		},
		closings: []string{"Thank you for your help.", "Best regards,", "Thanks,", "Kind regards,"},
		names:    []string{"Jane Doe", "John Smith", "Maria Garcia", "Li Wei", "Ahmed Khan", "Emily Clarke"},
		subjects: []string{"Question about my account", "Renewal", "Billing question", "Update my details", "Help please"},
	},
	{
		name:      "de",
		greetings: []string{"Sehr geehrte Damen und Herren,", "Hallo,", "Guten Tag,"},
		lines: []string{
			"ich habe eine Frage zu meiner Rechnung.",
			"Bitte ändern Sie meine Zahlungsdaten.",
			"Die Überweisung ist leider zurückgekommen.",
			"Können Sie mir bitte kurz Bescheid geben?",
		},
		closings: []string{"Mit freundlichen Grüßen", "Vielen Dank für Ihre Hilfe.", "Viele Grüße"},
		names:    []string{"Jürgen Müller", "Zoë Schäfer", "Renée Weiß"},
		subjects: []string{"Frage zur Rechnung", "Zahlungsdaten ändern", "Rückfrage"},
	},
	{
		name:      "fr",
		greetings: []string{"Bonjour,", "Madame, Monsieur,"},
		lines: []string{
			"je vous écris au sujet de mon abonnement.",
			"Merci de mettre à jour mes coordonnées.",
			"J’ai essayé d’appeler mais personne n’a répondu…",
			"Le paiement a été refusé – pouvez-vous vérifier ?",
		},
		closings: []string{"Cordialement,", "Merci beaucoup pour votre réponse.", "Bien à vous,"},
		names:    []string{"Renée Dubois", "François Lefèvre", "Hélène Girard"},
		subjects: []string{"Mon abonnement", "Coordonnées à mettre à jour", "Question de facturation"},
	},
	{
		name:      "ja",
		greetings: []string{"お世話になっております。", "こんにちは。"},
		lines: []string{
			"支払い方法の変更をお願いします。",
			"カードの情報を更新したいです。",
			"お電話がつながらなかったのでメールします。",
			"添付ファイルをご確認ください。",
		},
		closings: []string{"よろしくお願いいたします。", "ありがとうございます。"},
		names:    []string{"田中 太郎", "佐藤 花子", "鈴木 一郎"},
		subjects: []string{"お支払いについて", "カード情報の変更", "問い合わせ"},
	},
}

// charsetsFor lists the charsets a language can be written in.
func charsetsFor(lang string) []charset {
	switch lang {
	case "en":
		return bodyCharsets
	case "ja":
		return []charset{csUTF8, csJIS, csJIS, csUTF16LEBOM, csUTF16BE}
	}
	return []charset{csUTF8, csLatin1, csWin1252, csWin1252, csUTF16LEBOM, csUTF16BE, csUndeclared, csUTF8asLatin1, csWin1252asUTF8}
}

var (
	fileStems = []string{"notes", "details", "Notizen für Support", "résumé", "scan", "form"}
	csvStems  = []string{"export", "orders", "customers", "Liste März"}
	docStems  = []string{"statement", "letter", "Antrag", "form"}
	zipStems  = []string{"records", "files", "Unterlagen"}
	fwdNames  = []string{"fwd.eml", "Forwarded message.eml", "Re renewal.eml"}
	addresses = []string{"jane.doe@example.com", "member@example.org", "j.smith@mail.example.net", "maria@example.com"}
)
