package mapping_test

import (
	"regexp"
	"slices"
	"testing"

	"github.com/fsscim/fsscim/mapping"
)

func TestFreshserviceLanguagesAreTheReferenceList(t *testing.T) {
	// Freshservice's documented language choices, then the codes n8n's client adds.
	want := []string{"ar", "ca", "zh-CN", "cs", "da", "nl", "en", "et", "fi", "fr", "de", "hu", "id", "it",
		"ja-JP", "ko", "nb-NO", "pl", "pt-BR", "pt-PT", "ru-RU", "sk", "sl", "es", "es-LA", "sv-SE", "th",
		"tr", "vi", "cy-GB", "he", "lv", "pt", "sk-SK", "uk", "zh-TW"}
	got := mapping.FreshserviceLanguages()
	if !slices.Equal(got, want) {
		t.Fatalf("FreshserviceLanguages() = %q\nwant %q", got, want)
	}
	got[0] = "xx"
	if mapping.FreshserviceLanguages()[0] != "ar" {
		t.Fatal("FreshserviceLanguages returns the package's own table")
	}
}

func TestLanguageToFreshservice(t *testing.T) {
	tests := []struct {
		name, tag, want string
		ok              bool
	}{
		{"exact bare code", "en", "en", true},
		{"region falls back to language", "en-US", "en", true},
		{"case ignored", "EN-us", "en", true},
		{"underscore form", "en_GB", "en", true},
		{"French of Canada", "fr-CA", "fr", true},
		{"German", "de-DE", "de", true},
		{"Japanese bare", "ja", "ja-JP", true},
		{"Japanese exact", "ja-JP", "ja-JP", true},
		{"Russian bare", "ru", "ru-RU", true},
		{"Swedish of Finland", "sv-FI", "sv-SE", true},
		{"Norwegian Bokmål", "nb", "nb-NO", true},
		{"Norwegian macro-language", "no-NO", "nb-NO", true},
		{"Welsh", "cy", "cy-GB", true},
		{"Chinese bare", "zh", "zh-CN", true},
		{"Simplified Chinese with script", "zh-Hans-CN", "zh-CN", true},
		{"Traditional Chinese with script", "zh-Hant-TW", "zh-TW", true},
		{"Traditional script only", "zh-Hant", "zh-TW", true},
		{"Hong Kong", "zh-HK", "zh-TW", true},
		{"Singapore Chinese", "zh-SG", "zh-CN", true},
		{"Brazilian Portuguese", "pt-BR", "pt-BR", true},
		{"European Portuguese", "pt-PT", "pt-PT", true},
		{"other Portuguese", "pt-AO", "pt", true},
		{"Mexican Spanish", "es-MX", "es", true},
		{"Latin American Spanish", "es-419", "es-LA", true},
		{"Freshservice's own Latin American code", "es-la", "es-LA", true},
		{"Slovak bare", "sk", "sk", true},
		{"Slovak with region", "sk-SK", "sk-SK", true},
		{"Hebrew", "he-IL", "he", true},
		{"Hebrew legacy code", "iw", "he", true},
		{"Indonesian legacy code", "in-ID", "id", true},
		{"Latvian", "lv-LV", "lv", true},
		{"Ukrainian", "uk-UA", "uk", true},
		{"white space", " fi-FI ", "fi", true},
		{"Hindi is not offered", "hi", "", false},
		{"Hindi of India", "hi-IN", "", false},
		{"garbage", "RJWNTUNNOHNZ", "", false},
		{"empty", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := mapping.LanguageToFreshservice(tt.tag)
			if got != tt.want || ok != tt.ok {
				t.Errorf("LanguageToFreshservice(%q) = %q, %v; want %q, %v", tt.tag, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestLanguageFromFreshservice(t *testing.T) {
	tests := []struct{ code, want string }{
		{"en", "en"},
		{"ja-JP", "ja-JP"},
		{"zh-TW", "zh-TW"},
		{"es-LA", "es-419"},
		{"LV", "lv"},
		{"UK", "uk"},
		{"pt-br", "pt-BR"},
		{"xx-YY", "xx-YY"},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			if got := mapping.LanguageFromFreshservice(tt.code); got != tt.want {
				t.Errorf("LanguageFromFreshservice(%q) = %q, want %q", tt.code, got, tt.want)
			}
		})
	}
}

func TestLanguageRoundTripEveryFreshserviceCode(t *testing.T) {
	// language [-region], the BCP 47 shapes Freshservice's codes take.
	bcp47 := regexp.MustCompile(`^[a-z]{2,3}(-([A-Z]{2}|[0-9]{3}))?$`)
	for _, code := range mapping.FreshserviceLanguages() {
		t.Run(code, func(t *testing.T) {
			tag := mapping.LanguageFromFreshservice(code)
			if !bcp47.MatchString(tag) {
				t.Errorf("LanguageFromFreshservice(%q) = %q, not a BCP 47 tag", code, tag)
			}
			back, ok := mapping.LanguageToFreshservice(tag)
			if !ok || back != code {
				t.Errorf("%q -> %q -> %q, %v; want %q", code, tag, back, ok, code)
			}
		})
	}
}
