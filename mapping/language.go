package mapping

import "strings"

// freshserviceLanguages is every language code Freshservice accepts: the documented requester_fields
// choices followed by the codes accounts are seen to use besides them. The mixed forms ("fr" but
// "ja-JP") are Freshservice's own.
var freshserviceLanguages = [...]string{
	"ar", "ca", "zh-CN", "cs", "da", "nl", "en", "et", "fi", "fr", "de", "hu", "id", "it", "ja-JP", "ko",
	"nb-NO", "pl", "pt-BR", "pt-PT", "ru-RU", "sk", "sl", "es", "es-LA", "sv-SE", "th", "tr", "vi", "cy-GB",
	"he", "lv", "pt", "sk-SK", "uk", "zh-TW",
}

// languageByBase maps a bare language subtag to the Freshservice code for it where Freshservice only
// knows the language with a region ("ja" -> "ja-JP"), and legacy or macro-language subtags to the
// language Freshservice has ("iw" -> "he", "no" -> "nb-NO").
var languageByBase = map[string]string{
	"ja": "ja-JP",
	"ru": "ru-RU",
	"sv": "sv-SE",
	"nb": "nb-NO",
	"no": "nb-NO",
	"nn": "nb-NO",
	"cy": "cy-GB",
	"zh": "zh-CN",
	"iw": "he",
	"in": "id",
}

// tagForCode is the BCP 47 tag answered for a Freshservice code whose own spelling is not a tag.
var tagForCode = map[string]string{
	"es-LA": "es-419",
}

// languageCodeFold maps a lower-cased Freshservice code to its spelling.
var languageCodeFold = func() map[string]string {
	m := make(map[string]string, len(freshserviceLanguages)+len(tagForCode))
	for _, c := range freshserviceLanguages {
		m[strings.ToLower(c)] = c
	}
	for code, tag := range tagForCode {
		m[strings.ToLower(tag)] = code
	}
	return m
}()

// LanguageToFreshservice maps a BCP 47 tag (Entra's preferredLanguage or locale, e.g. "en-US", also
// with "_" for "-") to a Freshservice language code: the exact code first (ignoring case), then the
// tag's language and region without a script ("zh-Hant-TW" -> "zh-TW"), then the language alone
// ("en-US" -> "en", "ja" -> "ja-JP"). It reports false when Freshservice has no such language.
func LanguageToFreshservice(tag string) (string, bool) {
	t := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(tag), "_", "-"))
	if t == "" {
		return "", false
	}
	if code, ok := languageCodeFold[t]; ok {
		return code, true
	}
	parts := strings.Split(t, "-")
	base := parts[0]
	var script, region string
	for _, p := range parts[1:] {
		switch {
		case len(p) == 4 && script == "" && region == "":
			script = p
		case (len(p) == 2 || len(p) == 3) && region == "":
			region = p
		}
	}
	if region != "" {
		if code, ok := languageCodeFold[base+"-"+region]; ok {
			return code, true
		}
	}
	if base == "zh" && (script == "hant" || region == "hk" || region == "mo") {
		return "zh-TW", true
	}
	if code, ok := languageByBase[base]; ok {
		return code, true
	}
	if code, ok := languageCodeFold[base]; ok {
		return code, true
	}
	return "", false
}

// LanguageFromFreshservice gives the BCP 47 tag for a Freshservice language code. Freshservice's codes
// are tags already (its one invented region, "es-LA", becomes "es-419"); an unknown code is returned
// as it is, trimmed.
func LanguageFromFreshservice(code string) string {
	code = strings.TrimSpace(code)
	canonical, ok := languageCodeFold[strings.ToLower(code)]
	if !ok {
		return code
	}
	if tag, ok := tagForCode[canonical]; ok {
		return tag
	}
	return canonical
}

// FreshserviceLanguages lists every language code Freshservice accepts.
func FreshserviceLanguages() []string {
	return append([]string(nil), freshserviceLanguages[:]...)
}
